"""The command line: ``codeartifact-refresher COMMAND``.

Exit statuses: 0 success; 1 some target or domain failed (the rest were still written); 2 a bad
config or usage; 70 an internal error (a bug: the traceback is logged, tokens redacted).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

from . import __version__
from . import log
from .errors import ConfigError, Error, RegistryError

logger = logging.getLogger("codeartifact_refresher.cli")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


def _load(args):
    from . import config
    from .registry import Registry

    registry = Registry()
    return config.load(args.config, registry), registry


def cmd_check(args) -> int:
    cfg, _ = _load(args)
    targets = sum(len(d.targets) for d in cfg.domains)
    print(f"{cfg.path}: OK: {len(cfg.domains)} domain(s), {targets} target(s)")
    for d in cfg.domains:
        for t in d.targets:
            options = "".join(f" {k}={v}" for k, v in t.options)
            print(f"  {d.label}: {t.writer} {t.repository}{options} -> {t.path}")
    return EXIT_OK


def cmd_refresh(args) -> int:
    from .refresh import refresh_all, summary
    from .state import State, default_path
    from .tokens import Clients

    cfg, registry = _load(args)
    reports = refresh_all(cfg, Clients(connections=cfg.workers), registry, dry_run=args.dry_run)
    if args.dry_run:
        for report in reports:
            for result in report.targets:
                sys.stdout.write(result.diff)
    else:
        state = State.load(default_path(cfg))
        for report in reports:
            state.record(report, time.time())
        state.save()
    ok = all(r.ok for r in reports)
    (logger.info if ok else logger.error)("%s", summary(reports))
    return EXIT_OK if ok else EXIT_FAILED


def protect_memory() -> None:
    """Keep the tokens a long-lived process holds out of core files and away from debuggers:
    no core dumps, and on Linux not dumpable, so other processes of the same user can neither
    ptrace it nor read its /proc/PID/mem or environ."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        import contextlib
        import ctypes

        with contextlib.suppress(OSError, AttributeError):  # no prctl in this libc: the core limit still holds
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


PR_SET_DUMPABLE = 4  # <linux/prctl.h>


def cmd_run(args) -> int:
    from . import daemon
    from .registry import Registry

    protect_memory()
    status, finished = daemon.run(args.config, Registry())
    if not finished:  # a refresh is stuck in an AWS call; no write is in flight: do not wait for it
        logging.shutdown()
        os._exit(status)
    return status


def cmd_status(args) -> int:
    from . import status
    from .state import State, default_path

    cfg, _ = _load(args)
    now = time.time()
    data = status.report(cfg, State.load(default_path(cfg)), now)
    sys.stdout.write(json.dumps(data, indent=2) + "\n" if args.json else status.table(data, now))
    return EXIT_OK if data["healthy"] else EXIT_FAILED


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(keep=args.keep)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codeartifact-refresher",
        description="Keep AWS CodeArtifact tokens fresh in pip, npm and twine config files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_const", const=logging.DEBUG, dest="log_level",
                        help="log debug detail (never tokens)")
    parser.add_argument("-q", "--quiet", action="store_const", const=logging.WARNING, dest="log_level",
                        help="log only warnings and errors")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="text (default; timestamped except under systemd's journal) or one JSON object per line")
    parser.set_defaults(log_level=logging.INFO)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, help):
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(func=func)
        return sub

    def with_config(sub):
        sub.add_argument("--config", metavar="FILE", help="config file (default: $CODEARTIFACT_REFRESHER_CONFIG, "
                         "~/.config/codeartifact-refresher/config.yaml, /etc/codeartifact-refresher/config.yaml)")
        return sub

    refresh = with_config(command("refresh", cmd_refresh, "refresh every domain once and exit"))
    refresh.add_argument("--dry-run", action="store_true", help="print the diff of each file instead of writing (tokens redacted)")
    with_config(command("check", cmd_check, "validate the config and exit"))
    with_config(command("run", cmd_run, "the daemon: refresh every domain before its token expires, until stopped"))
    status = with_config(command("status", cmd_status, "show each domain's token expiry, next refresh and last "
                                 "result; exit 1 when one is expired or failing"))
    status.add_argument("--json", action="store_true", help="print JSON for scripts")
    demo = command("demo", cmd_demo, "refresh against a built-in local CodeArtifact stand-in and pip install through it")
    demo.add_argument("--keep", action="store_true", help="keep the demo's temporary directory")
    return parser


def _log_format(args) -> str:
    if args.log_format == "json":
        return log.JSON
    if args.command == "run" and not os.environ.get("JOURNAL_STREAM"):
        return log.TIMESTAMPED  # the journal stamps its lines itself
    return log.TEXT


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    log.setup(args.log_level, fmt=_log_format(args))
    try:
        return args.func(args)
    except (ConfigError, RegistryError) as e:
        logger.error("%s", e)
        return EXIT_USAGE
    except Error as e:
        logger.error("%s", e)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception:
        logger.exception("internal error (please report this bug)")
        return EXIT_BUG
