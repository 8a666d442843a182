"""``status``: the state file, for a person (a table) or a script (``--json``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from .common import EXIT_FAILED, EXIT_OK, add_config_argument, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..errors import Error
    from ..service import status
    from ..service.install.layout import foreign_system_config, system_status_hint
    from ..state import State, default_path

    cfg, _ = load_config(args)
    now = clock()
    path = default_path(cfg)
    if (why := status.unreadable(path)) is not None:
        hint = f"; {system_status_hint()}" if foreign_system_config(cfg.path) else ""
        raise Error(why + hint)  # one line, exit 1: not news of a daemon that is down
    state = State.load(path)
    data = status.report(cfg, state, now)
    data["agent"] = status.agent(cfg, state)
    sys.stdout.write(json.dumps(data, indent=2) + "\n" if args.json else status.table(data, now))
    return EXIT_OK if data["healthy"] else EXIT_FAILED
