"""URLs in config files, as the clients read them: hosts and locations compared as clients compare
them, and the credentials a URL's userinfo holds.

A URL's *host* here is its host and port spelled the way WHATWG URL parsers (npm's ``new URL``,
which builds the ``//host/path/:_authToken`` keys npm looks up) and HTTP clients treat them: the
name lower-cased and IDNA-encoded, an IPv6 address in brackets and canonical form, and the port
left out when it is the scheme's default. Two URLs are at the same *location* when their schemes (case-insensitive),
hosts and paths (without trailing slashes) agree; userinfo, query and fragment do not count, so a
URL holding an old token is at the same location as one holding the new one.

A URL's *authority* runs from ``//`` to the first ``/``, ``?``, ``#`` or blank, as Python's
``urlsplit`` and npm's WHATWG parser read it; its *userinfo* is what comes before the last ``@``
in it. The *secret* part of a userinfo is judged as pip's ``redact_auth_from_url`` judges it: the
password when there is one (``user:PASSWORD@``), else the whole user name, which then is a token
(``TOKEN:@``, ``ghp_...@``).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, unquote, urlsplit

#: the ports a URL may leave out, by scheme
DEFAULT_PORTS = {"http": 80, "https": 443}


def host_name(name: str) -> str:
    """A host name (or ``name:port`` text, the port kept as written) lower-cased and IDNA-encoded."""
    name = name.lower()
    if name.isascii():
        return name
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:  # not a name IDNA can encode: no client can reach it by this spelling either
        return name


def _ipv6(address: str) -> str:
    """An IPv6 address in brackets, in its canonical (compressed, lower-case) form."""
    try:
        return f"[{ipaddress.IPv6Address(address).compressed}]"
    except ValueError:
        return f"[{address}]"


def _host(parts: SplitResult) -> str:
    name = parts.hostname or ""
    name = _ipv6(name) if ":" in name else host_name(name)
    try:
        port = parts.port
    except ValueError:  # an out-of-range or non-numeric port: keep what was written
        return host_name(parts.netloc.rpartition("@")[2])
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return name
    return f"{name}:{port}"


def host(url: str) -> str:
    """The URL's host as clients compare it (see the module doc): ``HOST.Example:443`` is ``host.example``."""
    return _host(urlsplit(url))


def location(url: str) -> tuple[str, str, str]:
    """(scheme, host, path without trailing slashes): what makes two URLs the same location."""
    parts = urlsplit(url)
    return parts.scheme.lower(), _host(parts), parts.path.rstrip("/")


def canonical(url: str) -> str:
    """``url`` with its host as clients compare it (:func:`host`), scheme lower-cased, no userinfo,
    query or fragment: ``HTTPS://Host.Example:443/p/`` is ``https://host.example/p/``."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{_host(parts)}{parts.path}"


def same_location(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are the same location, whatever their userinfo."""
    return location(a) == location(b)


REDACTED = "<redacted>"
# scheme "://" then the userinfo: the authority's text up to its last "@"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#\s@]*(?:@[^/?#\s@]*)*)@")


def _split(userinfo: str) -> tuple[str, str | None]:
    user, colon, password = userinfo.partition(":")
    return user, (password if colon and password else None)


def secrets(text: str) -> list[str]:
    """The secret part of every URL's userinfo in ``text``, as written and percent-decoded."""
    found = []
    for match in _USERINFO.finditer(text):
        user, password = _split(match.group(2))
        secret = password if password is not None else user.rstrip(":")
        found += [s for s in {secret, unquote(secret)} if s]
    return found


def redact(text: str) -> str:
    """``text`` with the secret part of every URL's userinfo replaced by ``<redacted>``:
    ``https://user:<redacted>@host/``, ``https://<redacted>:@host/``, ``https://<redacted>@host/``."""

    def replace(match: re.Match[str]) -> str:
        user, password = _split(match.group(2))
        if password is not None:
            return f"{match.group(1)}{user}:{REDACTED}@"
        tail = ":" if match.group(2).endswith(":") else ""
        return f"{match.group(1)}{REDACTED}{tail}@" if user else match.group(0)

    return _USERINFO.sub(replace, text)
