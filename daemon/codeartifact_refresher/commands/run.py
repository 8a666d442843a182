"""``run``: the daemon, in the foreground, until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from .common import add_config_argument

if TYPE_CHECKING:
    from ..writers.registry import Registry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--session-environment",
        nargs="?",
        const="",
        metavar="DOMAIN",
        help="after each refresh, push the domain's variables (as `exec` sets them) to systemctl --user "
        "(Linux desktops; every domain's unless DOMAIN names one)",
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..platform.linux import protect_memory
    from ..service import daemon
    from ..service.install.layout import refuse_foreign_system_config
    from ..writers.registry import Registry

    refuse_foreign_system_config(args.config, "run")
    registry = Registry()
    if args.session_environment is not None:
        _push_session_environment(args.session_environment or None, registry)
    protect_memory()
    status, finished = daemon.run(args.config, registry)
    if not finished:  # a refresh is stuck in an AWS call; no write is in flight: do not wait for it
        logging.shutdown()
        os._exit(status)
    return status


def _push_session_environment(domain: str | None, registry: Registry) -> None:
    from .. import refresh
    from ..helpers.session import SessionPusher, refuse_unsupported

    refuse_unsupported()
    refresh.LISTENERS.append(SessionPusher(domain, registry))
