"""``get-token``: the token on stdout, as ``aws codeartifact get-authorization-token --query
authorizationToken --output text`` prints it, from the running daemon's cache when one answers
(no AWS call), else fetched directly with the config's settings for that domain.

The domain is ``--domain`` (and ``--domain-owner``), or the config's only one. A build user who
cannot read the system service's config still gets the token from the daemon with ``--domain``.
The token goes to stdout alone: never into a log line, an error or a process's arguments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from .common import EXIT_OK, add_config_argument, load_config

if TYPE_CHECKING:
    from ..config import Config, Domain

logger = logging.getLogger("codeartifact_refresher.cli")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument("--domain", metavar="DOMAIN", help="the domain (default: the config's only one)")
    parser.add_argument("--domain-owner", metavar="OWNER", help="its owner's account ID, when the config has several")
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS", help="how long to wait for the daemon (default 10)"
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..agent import client
    from ..errors import ConfigError, Error

    config: Config | None = None
    try:
        config, _ = load_config(args)
    except ConfigError as e:
        if not args.domain:
            raise
        problem: ConfigError | None = e  # the daemon may still answer (a build user and the system config)
    else:
        problem = None
    name, owner = _which(config, args.domain, args.domain_owner)
    path = client.socket_path(config)
    try:
        token = client.credentials(domain=name, owner=owner, timeout=args.timeout, path=path).token
        logger.debug("the token of %s came from the daemon at %s", name, path)
    except client.AgentUnavailable as e:
        if config is None:
            raise problem or Error(str(e)) from None
        logger.debug("%s: fetching the token directly", e)
        token = _fetch(_domain(config, name, owner), clock)
    except client.AgentError as e:
        raise Error(f"the daemon at {path}: {e}") from None
    sys.stdout.write(token + "\n")
    return EXIT_OK


def _which(config: Config | None, name: str | None, owner: str | None) -> tuple[str, str | None]:
    """The domain asked for (and its owner): the options, else the config's only domain."""
    if name:
        return name, owner
    domains = [d for d in config.domains if owner is None or d.owner == owner] if config else []
    if len(domains) != 1:
        from ..errors import ConfigError

        names = ", ".join(d.label for d in config.domains) if config else ""
        path = config.path if config else None
        which = f"{len(domains)} domains" if domains else "no domain" + (f" of owner {owner}" if owner else "")
        raise ConfigError(f"the config has {which} ({names}); say which with --domain", path)
    return domains[0].domain, domains[0].owner


def _domain(config: Config, name: str, owner: str | None) -> Domain:
    from ..agent import lookup
    from ..errors import ConfigError

    try:
        return lookup.by_domain(name, owner, list(config.domains))
    except lookup.NoMatch as e:
        raise ConfigError(str(e), config.path) from None


def _fetch(domain: Domain, clock: Callable[[], float]) -> str:
    """One GetAuthorizationToken call with the domain's settings."""
    from ..aws.tokens import Clients, utc_clock

    return Clients(utc_clock(clock), attempts=3).token(domain).value
