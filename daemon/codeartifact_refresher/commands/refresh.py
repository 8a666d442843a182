"""``refresh``: every domain once, then exit (``--dry-run``: the diffs, tokens redacted)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from .common import EXIT_FAILED, EXIT_OK, add_config_argument, load_config

logger = logging.getLogger("codeartifact_refresher.cli")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="print the diff of each file instead of writing (tokens redacted)"
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from .. import retire
    from ..aws.tokens import Clients, utc_clock
    from ..config import hosts
    from ..outputs import locks
    from ..refresh import refresh_all, summary
    from ..service import credwatch
    from ..service.install.layout import refuse_foreign_system_config
    from ..state import State, default_path

    refuse_foreign_system_config(args.config, "refresh")
    cfg, registry = load_config(args)
    path = default_path(cfg)
    locks.fall_back_beside(path)  # a read-only home: lock files beside the state file
    state, clients = State.load(path), Clients(utc_clock(clock), connections=cfg.workers)
    clients.pacer.configure(cfg.pacing)  # GetAuthorizationToken's pace, as the daemon's
    for domain in cfg.domains:  # endpoints found by earlier runs: one AWS call per domain, not three
        clients.remember(domain, state.endpoints_of(domain))
        hosts.OWNERS.seed(domain, registry, state.endpoints_of(domain))  # who owned a host last time
    retired = state.sweep(cfg, registry, dry_run=args.dry_run)  # targets that left the config, first
    reports = refresh_all(cfg, clients, registry, dry_run=args.dry_run)
    if args.dry_run:
        for change in retired:
            sys.stdout.write(retire.diff(change, registry))
        for report in reports:
            for result in report.targets:
                sys.stdout.write(result.diff)
    else:
        for report in reports:
            state.record(report, clock())
            if report.expires_at is not None:  # when the credentials run out, for status (as the daemon)
                credwatch.note(state, clients, report.domain)
        credwatch.CredentialWatch().look({d.key: d for d in cfg.domains}, state, clock())  # warned in the log
        state.save(clock())  # with the targets that left the config dropped
    ok = all(r.ok for r in reports)
    (logger.info if ok else logger.error)("%s", summary(reports))
    return EXIT_OK if ok else EXIT_FAILED
