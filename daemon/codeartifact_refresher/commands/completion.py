"""``completion SHELL``: print the shell completion script for bash, zsh or fish, generated from
this program's own parser (every command, its options, their choices, the installed writers'
names for a writer option, files for ``--config``). docs/install.md says where each shell reads it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .common import EXIT_OK

SHELLS = ("bash", "zsh", "fish")  # the completion package's, without importing it for --help


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete for")


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from .. import __version__, cli, completion

    sys.stdout.write(completion.script(args.shell, cli.build_parser(), __version__))
    return EXIT_OK
