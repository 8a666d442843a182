"""The command line: ``codeartifact-refresher COMMAND``: the parser, and dispatch to
:mod:`.commands`.

Exit statuses: 0 success; 1 some target or domain failed (the rest were still written); 2 a bad
config or usage; 70 an internal error (a bug: the traceback is logged, tokens redacted).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__, commands, log
from .commands.common import EXIT_BUG, EXIT_FAILED, EXIT_USAGE
from .errors import ConfigError, Error, RegistryError

logger = logging.getLogger("codeartifact_refresher.cli")


def _add_global_options(parser: argparse._ActionsContainer, default: Callable[[Any], Any]) -> None:
    """-v, -q and --log-format; ``default`` is each option's value when it is not given (a
    subcommand's copy uses ``argparse.SUPPRESS``, so it does not undo the one before it)."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_const",
        const=logging.DEBUG,
        dest="log_level",
        default=default(logging.INFO),
        help="log debug detail (never tokens)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_const",
        const=logging.WARNING,
        dest="log_level",
        default=default(logging.INFO),
        help="log only warnings and errors",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=default("text"),
        help="text (default; timestamped except under systemd's journal) or one JSON object per line",
    )


DESCRIPTION = (
    "Keep AWS CodeArtifact tokens fresh in the config files your tools read: pip, twine, uv, poetry, pdm, netrc; "
    "npm, pnpm, Yarn, bun; cargo, Maven, Gradle, NuGet, RubyGems, Bundler, Swift; env, token and template files."
)
#: the epilog's pointers, each shown only while its command exists
POINTERS = {
    "init": "`init` writes a config from the CodeArtifact URLs your files already hold.",
    "login": "Coming from `aws codeartifact login`: `login` takes the same flags and takes over what it wrote.",
    "doctor": "A 401, a 403 or a package from the wrong index: `doctor` says why.",
}


def _epilog() -> str:
    said = [line for name, line in POINTERS.items() if name in commands.COMMANDS]
    return " ".join([*said, "`COMMAND --help` lists a command's options."])


def build_parser() -> argparse.ArgumentParser:
    """The parser; the global options work before the command and after it (``refresh -v``)."""
    parser = argparse.ArgumentParser(
        prog="codeartifact-refresher",
        description=DESCRIPTION,
        epilog=_epilog(),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, default=lambda value: value)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, info in commands.COMMANDS.items():
        sub = subparsers.add_parser(name, help=info.summary, description=info.summary)
        _add_global_options(sub.add_argument_group("global options"), default=lambda value: argparse.SUPPRESS)
        commands.load(name).add_arguments(sub)
    return parser


def _log_format(args: argparse.Namespace) -> str:
    if args.log_format == "json":
        return log.JSON
    if args.command == "run" and not os.environ.get("JOURNAL_STREAM"):
        return log.TIMESTAMPED  # the journal stamps its lines itself
    return log.TEXT


def main(argv: Sequence[str] | None = None, clock: Callable[[], float] = time.time) -> int:
    """Run one command; ``clock`` is the wall clock the commands read (tests pass their own)."""
    args = build_parser().parse_args(argv)
    log.setup(args.log_level, fmt=_log_format(args))
    try:
        return commands.load(args.command).run(args, clock)
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
