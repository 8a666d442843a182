"""Repository endpoints: looked up beside the token, remembered, and checked before they are kept.

A repository's *endpoint* (``GetRepositoryEndpoint`` for a repository and package format) does
not depend on the token, so a refresh starts every lookup it needs *concurrently* with the token
call: one round trip on the critical path, not three. Endpoints rarely change, so they are
remembered: in memory by :class:`~.tokens.Clients`, and across runs in the state file (through
:attr:`EndpointLookup.known`, which holds only endpoints that pass :func:`valid_endpoint`). A
remembered endpoint older than :data:`MAX_AGE` is looked up again (the refresher never sees the
clients' 404 if a repository moves); while that lookup fails for a reason that may pass
(throttling, the network), the old one is used. A change to a domain's AWS settings (region,
profile, role, endpoint_url) makes a new cache key, and so a new lookup.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from .. import discovery
from ..errors import AwsError, TransientError

logger = logging.getLogger(__name__)

MAX_AGE = 86400.0  # seconds: each endpoint is looked up again daily
MAX_LENGTH = 2048  # characters: a real endpoint is about 100


@dataclass(frozen=True)
class Endpoint:
    url: str  # ends in "/"
    resolved_at: float  # wall time of the lookup, seconds since the epoch


def state_key(repository: str, fmt: str) -> str:
    """How the state file names a (repository, format): ``pypi/pypi-store``."""
    return f"{fmt}/{repository}"


def path_problem(url: str) -> str | None:
    """Why an endpoint's path is not one CodeArtifact gives (``/{format}/{repository}/``, a VPC
    endpoint's ``/{format}/d/{domain}-{owner}/{repository}/``): the first character outside
    :data:`PATH_CHARACTERS` (as ``';'``), or a ``.``/``..`` segment; None for a path of names.
    Config files key entries by the path (npm's ``//host/path/:_authToken``), and their parsers
    end keys at ``;``, ``#``, ``=`` or a blank: a server must not be able to choose the key."""
    path = url.split("://", 1)[-1].partition("/")[2]
    for char in path:
        if not PATH_CHARACTERS.fullmatch(char):
            return f"the character {char!r}"
    if {".", ".."} & set(path.split("/")):
        return "a '.' or '..' segment"
    return None


def valid_endpoint(url: Any) -> bool:
    """An endpoint we may keep and read back: an https URL (or http on loopback, for a local
    stand-in), one line of printable ASCII without whitespace, userinfo, query or fragment, of
    bounded length, whose path holds only names (:func:`path_problem`)."""
    if not isinstance(url, str) or not 0 < len(url) <= MAX_LENGTH or not _URL_CHARACTERS.fullmatch(url):
        return False  # one line of RFC 3986 characters: no blank, control, "\\" or non-ASCII
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    if not host or "@" in parts.netloc or parts.query or parts.fragment or not url.endswith("/"):
        return False
    if not (re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host) or _ip_address(host)):
        return False  # a DNS name or an IP address, read the same way by every URL parser
    if path_problem(url) is not None:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _loopback(host)


#: the characters of an endpoint's path: those of CodeArtifact's domain, repository and format
#: names (``[A-Za-z0-9._-]``), and ``/``
PATH_CHARACTERS = re.compile(r"[A-Za-z0-9._/-]")
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/@!$&'()*+,;=%\[\]]+")  # RFC 3986, less "?" and "#"


def plausible(url: str, key: str, domain: str, owner: str | None, region: str | None, endpoint_url: str | None) -> bool:
    """Whether a remembered endpoint for ``key`` (``format/repository``) is one the API could
    have given for this domain: the repository's own path on the domain's own host
    (``DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com`` or the dualstack
    ``DOMAIN-OWNER.codeartifact.REGION.on.aws``), a VPC endpoint's path for the domain, or the
    repository's path on the configured ``endpoint_url``'s host (the shapes of
    :mod:`~codeartifact_refresher.discovery`). A state file edited to send the token elsewhere is
    not believed."""
    fmt, _, repository = key.partition("/")
    parts = urlsplit(url)
    if endpoint_url and parts.hostname == urlsplit(endpoint_url).hostname:
        return parts.path.endswith(f"/{fmt}/{repository}/") and "/../" not in parts.path
    found = discovery.read(url)
    return (
        parts.scheme == "https"
        and found is not None
        and found.kind != discovery.LOCAL
        and (found.domain, found.format, found.repository) == (domain, fmt, repository)
        and found.owner == (owner or found.owner)
        and found.region == (region or found.region)
        and urlsplit(found.endpoint).path == parts.path
    )


def endpoint_account_and_region(url: str, domain: str) -> tuple[str, str]:
    """The domain owner's account and the region an AWS endpoint's host names (the shapes of
    :func:`plausible`), each "" when the host does not say (a stand-in, a proxy)."""
    found = discovery.read(url)
    if found is None or found.kind == discovery.LOCAL:
        return "", ""
    if found.domain == domain:
        return found.owner, found.region
    return "", found.region if found.kind == discovery.VPCE else ""


def _ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def from_state(entries: Any) -> dict[str, Endpoint]:
    """The endpoints a state file recorded for one domain, each checked; the rest dropped."""
    found: dict[str, Endpoint] = {}
    if not isinstance(entries, Mapping):
        return found
    for key, entry in entries.items():
        if not isinstance(key, str) or not isinstance(entry, Mapping):
            continue
        url, when = entry.get("url"), _timestamp(entry.get("resolved_at"))
        if isinstance(url, str) and valid_endpoint(url) and when is not None:
            found[key] = Endpoint(url, when)
    return found


def to_state(endpoints: Mapping[str, Endpoint]) -> dict[str, dict[str, str]]:
    return {
        key: {
            "url": e.url,
            "resolved_at": datetime.fromtimestamp(e.resolved_at, timezone.utc).isoformat(timespec="seconds"),
        }
        for key, e in sorted(endpoints.items())
        if valid_endpoint(e.url)
    }


def _timestamp(value: Any) -> float | None:
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
        return None if when is None or when.tzinfo is None else when.timestamp()
    except (ValueError, OverflowError):
        return None


class EndpointLookup:
    """The endpoints one refresh needs, some known, the rest being looked up meanwhile."""

    def __init__(
        self,
        label: str,
        known: Mapping[str, Endpoint],
        pending: Mapping[str, Future[Endpoint]],
        stale: Mapping[str, Endpoint],
    ) -> None:
        self.label = label
        self._known = dict(known)
        self._pending = dict(pending)
        self._stale = dict(stale)

    def get(self, repository: str, fmt: str) -> str:
        """The endpoint URL, waiting for its lookup if need be; raises the lookup's AwsError."""
        key = state_key(repository, fmt)
        if key not in self._known:
            future = self._pending[key]
            try:
                self._known[key] = future.result()
            except TransientError as e:
                stale = self._stale.get(key)
                if stale is None:
                    raise
                logger.info("%s: %s; using the endpoint found earlier", self.label, e)
                self._known[key] = stale
            except AwsError:
                raise
        return self._known[key].url

    @property
    def known(self) -> dict[str, Endpoint]:
        """What this refresh knows for certain (looked up, or remembered and young enough),
        waiting for nothing: for the state file."""
        for key, future in self._pending.items():
            if key not in self._known and future.done() and future.exception() is None:
                self._known[key] = future.result()
        return {k: v for k, v in self._known.items() if valid_endpoint(v.url)}
