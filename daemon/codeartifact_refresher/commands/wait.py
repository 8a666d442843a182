"""``wait``: exit 0 once every target holds a live token, 1 with the reason after ``--timeout``.

For scripts (``codeartifact-refresher wait && pip install ...``) and Compose's ``depends_on``
(a healthcheck of ``wait --timeout 0``). It reads the state file that the daemon writes (see
:mod:`..service.waiting`), every :data:`POLL` seconds; the clocks and the pause are parameters, so
that a test need not sleep.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .common import EXIT_OK, add_config_argument, load_config

if TYPE_CHECKING:
    from ..config import Config
    from ..state import State

DEFAULT_TIMEOUT = 60.0  # seconds
POLL = 0.5  # seconds between two looks at the state file


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more, not {value!r}")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"give up after S seconds, exit 1 (default {DEFAULT_TIMEOUT:g}; 0: look once)",
    )


def run(
    args: argparse.Namespace,
    clock: Callable[[], float],
    sleep: Callable[[float], object] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    from ..errors import Error
    from ..service import waiting
    from ..service.planner import duration
    from ..state import default_path

    cfg, _ = load_config(args)
    path = default_path(cfg)
    deadline = monotonic() + args.timeout
    while True:
        now = clock()
        lines, state = _look(cfg, path, now)
        if not lines:
            soonest = waiting.soonest_expiry(cfg, state)
            expiry = f"; the first expires in {duration(soonest - now)}" if soonest is not None else ""
            sys.stdout.write(f"ready: every target holds a live token{expiry}\n")
            return EXIT_OK
        left = deadline - monotonic()
        if left <= 0:
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            raise Error(f"not ready after {args.timeout:g} s: {lines[0]}{more}")
        sleep(min(POLL, left))


def _look(cfg: Config, path: Path, now: float) -> tuple[list[str], State]:
    """What is not served yet at ``now``, one line each, and the state file as read."""
    from ..errors import Error
    from ..service import status, waiting
    from ..state import State

    if (why := status.unreadable(path)) is not None:
        raise Error(why)  # waiting will not mend it
    if not os.path.lexists(path):
        return [f"no state file {path} yet (does the daemon run with this config?)"], State(path)
    state = State.load(path)
    return waiting.pending(cfg, state, now), state
