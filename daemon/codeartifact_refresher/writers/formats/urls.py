"""Credentials inside URLs, in any format: the *userinfo* of ``scheme://userinfo@host/...``.

A URL's *authority* runs from ``//`` to the first ``/``, ``?``, ``#`` or blank, as Python's
``urlsplit`` and npm's WHATWG parser read it; its *userinfo* is what comes before the last ``@``
in it. The *secret* part of a userinfo is judged as pip's ``redact_auth_from_url`` judges it: the
password when there is one (``user:PASSWORD@``), else the whole user name, which then is a token
(``TOKEN:@``, ``ghp_...@``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

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
