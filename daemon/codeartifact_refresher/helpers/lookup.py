"""What the helpers ask the daemon, and how they tell a CodeArtifact repository URL.

A *service* is what a client asks a helper about: a repository URL (``https://HOST/pypi/REPO/``,
a cargo ``sparse+https://...`` index URL) or a bare host (``HOST`` or ``HOST:PORT``: pip and poetry
also ask by the index's netloc). A *CodeArtifact host* has one of the repository endpoint shapes
(:data:`HOST_SHAPES`: ``DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com``, the dualstack
``DOMAIN-OWNER.codeartifact.REGION.on.aws``, a VPC endpoint's ``vpce-...``); the daemon also
knows the hosts of endpoints it looked up and of a configured ``endpoint_url`` (a stand-in), so a
helper asks it about any other http(s) service too, but only when its socket exists, and stays
silent when it does not answer: another keyring entry must never fail because of us.

This module imports only the standard library: keyring imports every backend on each lookup.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

#: the hosts of CodeArtifact repository endpoints (IPv4, dualstack, VPC endpoint without private DNS)
HOST_SHAPES = (
    re.compile(r"^[a-z0-9][a-z0-9-]*-\d{12}\.d\.codeartifact\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"),
    re.compile(r"^[a-z0-9][a-z0-9-]*-\d{12}\.codeartifact\.[a-z0-9-]+\.on\.aws$"),
    re.compile(r"^vpce-[a-z0-9-]+\.d\.codeartifact\.[a-z0-9-]+\.vpce\.amazonaws\.com$"),
)
#: a bare host (``HOST`` or ``HOST:PORT``) with a dot, or localhost: not a keyring entry's name
_HOST = re.compile(r"^(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|\d+\.\d+\.\d+\.\d+)(:\d+)?$")
#: what parsers split in different places (a backslash, blanks, control characters): never asked about
_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")
#: the user a CodeArtifact token goes with (pip's and uv's index URLs carry it)
USERNAME = "aws"
#: seconds a helper waits for the daemon (which may refresh first, bounded by this)
TIMEOUT = 10.0


@dataclass(frozen=True)
class Found:
    """The daemon's answer for a service: the token and when it expires (Unix seconds)."""

    token: str = field(repr=False)
    expires_at: float
    domain: str = ""


class NotServed(Exception):
    """The daemon did not answer for this service; the message says why, in one line, never a token."""


def service_url(service: str) -> str | None:
    """The http(s) URL a service names (``sparse+`` dropped; a bare host becomes ``https://HOST/``),
    or None when it names none (poetry's ``poetry-repository-NAME``, any other keyring entry) or
    none that every parser reads alike (``https://evil.example\\@HOST/``: the client contacts
    evil.example, yet ``urlsplit`` reads HOST)."""
    text = service.strip().removeprefix("sparse+")
    if _AMBIGUOUS.search(text):  # urllib3 and WHATWG parsers end the host at "\\", urlsplit does not
        return None
    if "://" not in text:
        if not _HOST.fullmatch(text):
            return None
        text = f"https://{text}/"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  # raises ValueError for a port out of range: not a URL we can ask about
    except ValueError:
        return None
    return text if parts.scheme in ("http", "https") and parts.hostname else None


def shown(url: str) -> str:
    """``url`` for a message: scheme, host and path, never userinfo."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


def is_codeartifact(url: str) -> bool:
    """Whether ``url``'s host has a CodeArtifact repository endpoint's shape."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(shape.match(host) for shape in HOST_SHAPES)


def socket_exists() -> bool:
    """Whether the daemon's socket is there (cheap: one stat), so that a lookup for a host that
    is not CodeArtifact-shaped costs nothing when no daemon runs."""
    from ..agent import client

    try:
        return client.socket_path().exists()
    except Exception:  # noqa: BLE001  # no config, no runtime dir: no daemon to ask
        return False


def ask(url: str, timeout: float = TIMEOUT) -> Found:
    """The daemon's credentials for ``url``, or :class:`NotServed` saying why."""
    from ..agent import client

    try:
        found = client.credentials(url=shown(url), timeout=timeout)
    except (client.AgentUnavailable, client.AgentError) as error:
        raise NotServed(str(error)) from None
    return Found(found.token, float(found.expires_at), found.domain)


def lookup(service: str, timeout: float = TIMEOUT) -> Found | None:
    """The daemon's credentials for a service, or None when it is not ours to answer or the
    daemon cannot (logged: a warning for a CodeArtifact host, debug for any other)."""
    url = service_url(service)
    if url is None:
        return None
    ours = is_codeartifact(url)
    if not ours and not socket_exists():
        return None
    try:
        return ask(url, timeout)
    except NotServed as why:
        logger.log(
            logging.WARNING if ours else logging.DEBUG, "codeartifact-refresher: no token for %s: %s", shown(url), why
        )
        return None
