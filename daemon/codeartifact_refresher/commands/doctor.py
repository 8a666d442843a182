"""``doctor``: explain why a client gets 401, 403 or a package from the wrong place, one finding
per line (``ok:``, ``note:``, ``problem:``), each problem with what to do; exit 1 when there is a
problem. ``--as USER`` (root only) runs the file checks as that user's new login session would."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .common import EXIT_FAILED, EXIT_OK, add_config_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="root only: check the files as USER would read them in a new login session (their groups, HOME, login environment)",
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..doctor import diagnose

    diagnosis = diagnose(args.config, args.as_user, clock)
    for line in diagnosis.lines():
        print(line)
    return EXIT_FAILED if diagnosis.failed else EXIT_OK
