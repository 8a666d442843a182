"""``exec``: run a command with a domain's fresh token and tool variables in its environment
(:mod:`..helpers.variables`), from the daemon when one answers, else fetched directly; forward
signals to it and exit with its status (:mod:`..helpers.supervisor`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from .common import EXIT_USAGE, add_config_argument

if TYPE_CHECKING:
    from ..config import Config
    from ..helpers import environment
    from ..writers.registry import Registry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..helpers.supervisor import GRACE, POLL

    add_config_argument(parser)
    parser.add_argument("--domain", metavar="D", help="the domain (default: the config's only one)")
    parser.add_argument("--domain-owner", metavar="O", help="its owner's account, when two domains share a name")
    parser.add_argument(
        "--restart-on-change",
        action="store_true",
        help="restart the command when the token changes (SIGTERM, then SIGKILL after --grace)",
    )
    parser.add_argument(
        "--grace",
        type=_seconds,
        default=GRACE,
        metavar="S",
        help=f"seconds from SIGTERM to SIGKILL (default {GRACE:g})",
    )
    parser.add_argument(
        "--poll",
        type=_seconds,
        default=POLL,
        metavar="S",
        help=f"with --restart-on-change: seconds between two looks for a new token (default {POLL:g})",
    )
    parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command and its arguments")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not 0.1 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"expected between 0.1 and 86400 seconds, not {text}")
    return value


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    import logging

    from ..helpers.supervisor import Settings, Supervisor

    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        logging.getLogger("codeartifact_refresher.cli").error("exec: no command given (exec [OPTIONS] -- CMD ...)")
        return EXIT_USAGE
    source = _source(args, clock)
    env = source.get(clock())
    settings = Settings(args.restart_on_change, args.grace, args.poll)
    return Supervisor(argv, source, settings, clock=clock).run(env)


def _source(args: argparse.Namespace, clock: Callable[[], float]) -> environment.Source:
    """The daemon first, then a direct fetch with the config (found as ``status`` finds it)."""
    from ..helpers import environment

    config, registry = _config(args)
    name, owner = args.domain, args.domain_owner
    direct = None
    if config is not None:
        domain = environment.select(config, name, owner)
        name, owner = domain.domain, domain.owner
        direct = environment.DirectSource(config, domain, registry, clock)
    return environment.EitherSource(environment.DaemonSource(name, owner, config), direct)


def _config(args: argparse.Namespace) -> tuple[Config | None, Registry]:
    """The config; None when it cannot be read but ``--domain`` names the domain, or when none is
    given and none is at its default place."""
    from .. import config
    from ..errors import ConfigError
    from ..writers.registry import Registry

    registry = Registry()
    try:
        return config.load(args.config, registry), registry
    except ConfigError:
        # the daemon may still answer: for a build user who cannot read the system service's
        # config (with --domain), or with no config at all
        if args.domain or (args.config is None and not _default_exists()):
            return None, registry
        raise


def _default_exists() -> bool:
    from ..config import default_path

    try:
        return default_path().exists()
    except OSError:
        return False
