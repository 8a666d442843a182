"""``uninstall-service``: stop, disable and remove what ``install-service`` made. The config, the
credentials file, the state directory and the service user and group are kept, and named, unless
``--purge``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from .common import EXIT_OK, EXIT_USAGE
from .install_service import add_scope_arguments, scope_of

logger = logging.getLogger("codeartifact_refresher.cli")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scope_arguments(
        parser,
        user="your own agent (systemd user unit or launchd agent)",
        system="the build host's system service: unit and login snippet",
    )
    parser.add_argument(
        "--purge",
        action="store_true",
        help="also remove the config, the credentials file, the state directory (and, --system, the service user and group)",
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..platform.paths import is_macos
    from ..service.install import system, user
    from ..service.install.layout import Layout, UserLayout

    scope = scope_of(args, "uninstall-service")
    if scope is None:
        return EXIT_USAGE
    if scope == "system":
        report = system.uninstall(Layout(), args.dry_run, args.purge)
    else:
        report = user.uninstall(UserLayout.of(os.environ, macos=is_macos()), args.dry_run, args.purge)
    sys.stdout.write(report.text(nothing="nothing to remove: the service is not installed"))
    sys.stdout.flush()
    for warning in report.warnings:
        logger.warning("%s", warning)
    return EXIT_OK
