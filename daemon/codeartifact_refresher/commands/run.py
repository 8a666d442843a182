"""``run``: the daemon, in the foreground, until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable

from .common import add_config_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..platform.linux import protect_memory
    from ..service import daemon
    from ..service.install.layout import refuse_foreign_system_config
    from ..writers.registry import Registry

    refuse_foreign_system_config(args.config, "run")
    protect_memory()
    status, finished = daemon.run(args.config, Registry())
    if not finished:  # a refresh is stuck in an AWS call; no write is in flight: do not wait for it
        logging.shutdown()
        os._exit(status)
    return status
