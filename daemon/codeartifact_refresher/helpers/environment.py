"""Where ``exec`` gets a domain's *environment* (:mod:`.variables`): a *source*.

- :class:`DaemonSource` asks the running daemon (the ``environment`` op of its socket,
  :mod:`..agent.environment`): no AWS call while its token lives;
- :class:`DirectSource`, when no daemon answers, fetches with the config itself (one
  ``GetAuthorizationToken`` and the endpoints the state file does not hold), as ``get-token``
  does, and keeps the answer until the refresh time a daemon would pick (:data:`REFRESH_AT` of
  the token's lifetime);
- :class:`EitherSource` asks the daemon first and falls back to a direct fetch.

An :class:`Environment` is the variables and the token's expiry; its repr shows neither token nor
values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from ..agent.client import AgentUnavailable
from ..config import Config, Domain
from ..errors import ConfigError, Error
from ..writers.registry import Registry
from .variables import TOKEN

logger = logging.getLogger(__name__)

REFRESH_AT = 0.75  # of a directly fetched token's lifetime: when a direct source fetches again


class NoSource(Error):
    """Neither a daemon nor a config to fetch with."""


@dataclass(frozen=True)
class Environment:
    domain: str
    expires_at: float  # seconds since the epoch
    variables: dict[str, str] = field(repr=False)
    owner: str = ""
    region: str = ""
    via: str = "daemon"  # or "direct"

    @property
    def token(self) -> str:
        return self.variables[TOKEN]


class Source(Protocol):
    def get(self, now: float) -> Environment: ...


def select(config: Config, name: str | None, owner: str | None = None) -> Domain:
    """The domain ``--domain``/``--domain-owner`` name; without a name, the config's only one."""
    found = [d for d in config.domains if (name is None or d.domain == name) and (owner is None or d.owner == owner)]
    if not found or (name is None and len(config.domains) > 1):
        listed = ", ".join(sorted({d.label for d in config.domains})) or "none"
        what = "say which with --domain" if name is None else f"no domain {name!r}"
        raise ConfigError(f"{config.path}: {what} (the config's domains: {listed})")
    return found[0]


class DaemonSource:
    """The daemon's answer to ``{"op": "environment"}``; raises ``AgentUnavailable`` when none listens."""

    def __init__(
        self, domain: str | None, owner: str | None, config: Config | None = None, timeout: float = 10.0
    ) -> None:
        self.domain, self.owner, self.config, self.timeout = domain, owner, config, timeout
        self.path: Path | None = None  # the socket, found at the first request (as ``status`` finds the config)

    def get(self, now: float) -> Environment:
        from ..agent import client

        if self.path is None:
            self.path = client.socket_path(self.config)
        request: dict[str, Any] = {"v": 1, "op": "environment", "timeout": self.timeout}
        if self.domain:
            request["domain"] = self.domain
        if self.owner:
            request["owner"] = self.owner
        try:
            reply = client.ask(request, path=self.path, timeout=self.timeout + 1.0)
        except client.AgentError as e:
            raise Error(f"the daemon at {self.path}: {e}") from None
        return from_reply(reply)


def from_reply(reply: dict[str, Any]) -> Environment:
    """An ``environment`` reply, checked: every variable a string, the token among them."""
    variables = reply.get("variables")
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise Error("the daemon's environment reply has no variables (a daemon of another version?)")
    if not isinstance(variables.get(TOKEN), str) or not isinstance(reply.get("expires_at"), (int, float)):
        raise Error("the daemon's environment reply has no token or no expiry (a daemon of another version?)")
    return Environment(
        str(reply.get("domain", "")),
        float(reply["expires_at"]),
        {str(k): v for k, v in variables.items()},
        str(reply.get("owner") or ""),
        str(reply.get("region") or ""),
    )


class DirectSource:
    """A direct fetch with ``config``'s settings for ``domain``, kept until its refresh time."""

    def __init__(self, config: Config, domain: Domain, registry: Registry, clock: Callable[[], float]) -> None:
        self.config, self.domain, self.registry, self.clock = config, domain, registry, clock
        self._held: Environment | None = None
        self._due = 0.0

    def get(self, now: float) -> Environment:
        if self._held is None or now >= self._due:
            self._held, self._due = self._fetch()
        return self._held

    def _fetch(self) -> tuple[Environment, float]:
        from ..aws.endpoints import endpoint_account_and_region
        from ..aws.tokens import Clients, utc_clock
        from ..state import State, default_path
        from .variables import needs, variables

        clients = Clients(utc_clock(self.clock))
        clients.remember(self.domain, State.load(default_path(self.config)).endpoints_of(self.domain))
        lookup = clients.endpoints(self.domain, needs(self.domain, self.registry))
        token = clients.token(self.domain)
        found = variables(self.domain, token.value, token.expires_at, lookup.get, self.registry)
        known = [e.url for e in lookup.known.values()]
        owner, region = endpoint_account_and_region(known[0], self.domain.domain) if known else ("", "")
        expires = token.expires_at.timestamp()
        due = token.issued_at.timestamp() + REFRESH_AT * token.lifetime
        logger.debug("%s: fetched a token directly; it expires at %s", self.domain.label, token.expires_at.isoformat())
        env = Environment(
            self.domain.domain, expires, found, self.domain.owner or owner, self.domain.region or region, "direct"
        )
        return env, due


class EitherSource:
    """The daemon when one answers, else a direct fetch (when there is a config to fetch with)."""

    def __init__(self, daemon: DaemonSource, direct: DirectSource | None) -> None:
        self.daemon, self.direct = daemon, direct

    def get(self, now: float) -> Environment:
        try:
            return self.daemon.get(now)
        except AgentUnavailable as e:
            if self.direct is None:
                raise NoSource(f"no daemon answers ({e}) and there is no config to fetch a token with") from None
            logger.debug("no daemon answers (%s): fetching directly", e)
            return self.direct.get(now)


def expiry(env: Environment) -> str:
    return datetime.fromtimestamp(env.expires_at, timezone.utc).isoformat(timespec="seconds")
