"""``install-service``: the unit (or launchd agent) for the program installed here, loaded, enabled
and started where the service manager runs, else the commands to run; ``--system`` also makes the
build host's layout: the service user, the directories, the credentials file, the login snippet
(see :mod:`..service.install`). ``--dry-run`` shows every file and command and changes nothing."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from .common import EXIT_OK, EXIT_USAGE

logger = logging.getLogger("codeartifact_refresher.cli")


def add_scope_arguments(parser: argparse.ArgumentParser, user: str, system: str) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--user", dest="scope", action="store_const", const="user", help=f"{user} (the default unless root)"
    )
    scope.add_argument(
        "--system",
        dest="scope",
        action="store_const",
        const="system",
        help=f"{system} (needs root; the default for root)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show every file and command; change nothing")


def scope_of(args: argparse.Namespace, command: str) -> str | None:
    """``user`` or ``system`` (default: system for root, else user); None, said, when not allowed."""
    from ..platform.paths import is_macos

    scope = args.scope or ("system" if os.geteuid() == 0 else "user")
    if scope == "system" and is_macos():
        logger.error("%s --system is for Linux with systemd; on macOS use --user (a launchd agent)", command)
        return None
    if scope == "system" and os.geteuid() != 0 and not args.dry_run:
        logger.error(
            "%s --system needs root (it manages a system user, /etc and /var/lib): run it with sudo, "
            "or see what it would do with --dry-run",
            command,
        )
        return None
    return scope


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scope_arguments(
        parser,
        user="your own agent: a systemd user unit, or a launchd agent on macOS",
        system="the build host's system service, with its user, directories, credentials file and login snippet",
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..platform.paths import is_macos
    from ..service.install import program, system, user
    from ..service.install.layout import Layout, UserLayout

    scope = scope_of(args, "install-service")
    if scope is None:
        return EXIT_USAGE
    installed = program.installed()
    if scope == "system":
        report = system.install(Layout(), installed, args.dry_run)
    else:
        report = user.install(UserLayout.of(os.environ, macos=is_macos()), installed, args.dry_run)
    sys.stdout.write(report.text(nothing="nothing changed: the service was already installed as wanted"))
    sys.stdout.flush()
    for warning in report.warnings:
        logger.warning("%s", warning)
    return EXIT_OK
