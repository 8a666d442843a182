"""URLs in config files, as the clients read them: hosts and locations compared as clients compare
them, and the credentials a URL's userinfo holds.

A URL's *host* here is its host and port spelled the way WHATWG URL parsers (npm's ``new URL``,
which builds the ``//host/path/:_authToken`` keys npm looks up) and HTTP clients treat them: the
name lower-cased and IDNA-encoded (UTS 46, non-transitional), an IPv6 address in brackets and
canonical form, and the port left out when it is the scheme's default. Two URLs are at the same *location* when their schemes (case-insensitive),
hosts and paths (without trailing slashes) agree; userinfo, query and fragment do not count, so a
URL holding an old token is at the same location as one holding the new one.

A URL's *authority* runs from ``//`` to the first ``/``, ``?``, ``#`` or blank, as Python's
``urlsplit`` and npm's WHATWG parser read it; its *userinfo* is what comes before the last ``@``
in it. The *secret* part of a userinfo, and how it is redacted, is :mod:`...redaction`'s rule
(:func:`secrets`, :func:`redact`).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from ... import redaction
from ...errors import WriterError

#: the ports a URL may leave out, by scheme
DEFAULT_PORTS = {"http": 80, "https": 443}


class HostNameError(WriterError):
    """A host name that UTS 46 cannot encode: no client reaches it by that spelling."""


def host_name(name: str, strict: bool = False) -> str:
    """A host name (or ``name:port`` text, the port kept as written) lower-cased and encoded as the
    clients encode it: UTS 46, non-transitional (the ``idna`` package, as requests and so pip do;
    WHATWG URL, so npm, agrees), so ``straße.de`` is ``xn--strae-oqa.de``, not IDNA 2003's
    ``strasse.de``. A name UTS 46 refuses raises :class:`HostNameError` when ``strict``, else it
    is kept as written (a foreign entry's host, compared with ours, never matches then)."""
    name = name.lower()
    if name.isascii():
        return name
    import idna  # only for a non-ASCII name

    label, colon, port = name.rpartition(":") if name.rpartition(":")[2].isdigit() else (name, "", "")
    try:
        return idna.encode(label, uts46=True, transitional=False).decode("ascii") + colon + port
    except idna.IDNAError as e:  # InvalidCodepoint is one
        if strict:
            raise HostNameError(
                f"the host name {name!r} is not a valid international domain name (UTS 46: {e}); "
                "pip refuses it too: configure its ASCII (xn--) form"
            ) from None
        return name


def _ipv6(address: str) -> str:
    """An IPv6 address in brackets, in its canonical (compressed, lower-case) form."""
    try:
        return f"[{ipaddress.IPv6Address(address).compressed}]"
    except ValueError:
        return f"[{address}]"


def _host(parts: SplitResult, strict: bool = False) -> str:
    name = parts.hostname or ""
    name = _ipv6(name) if ":" in name else host_name(name, strict)
    try:
        port = parts.port
    except ValueError:  # an out-of-range or non-numeric port: keep what was written
        return host_name(parts.netloc.rpartition("@")[2], strict)
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return name
    return f"{name}:{port}"


def host(url: str, strict: bool = False) -> str:
    """The URL's host as clients compare it (see the module doc): ``HOST.Example:443`` is ``host.example``.
    ``strict``: a host name UTS 46 refuses raises :class:`HostNameError` (see :func:`host_name`)."""
    return _host(urlsplit(url), strict)


def location(url: str) -> tuple[str, str, str]:
    """(scheme, host, path without trailing slashes): what makes two URLs the same location."""
    parts = urlsplit(url)
    return parts.scheme.lower(), _host(parts), parts.path.rstrip("/")


def normalized(url: str) -> str:
    """``url`` with its scheme lower-cased and its host spelled as clients compare it (:func:`host`),
    userinfo, query and fragment dropped: ``HTTPS://H.Example:443/p/`` is ``https://h.example/p/``."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{_host(parts)}{parts.path}"


def same_location(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are the same location, whatever their userinfo."""
    return location(a) == location(b)


# the secret part of a URL's userinfo, and redacting it: the one rule, :mod:`...redaction`'s
REDACTED = redaction.REDACTED
secrets = redaction.userinfo_secrets
redact = redaction.redact_userinfo
