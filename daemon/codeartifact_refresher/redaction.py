"""Redaction: the one place for the rules that keep credentials out of what this program shows
(logs, ``--dry-run`` diffs, hook output, ``doctor``) and keeps (errors in the state file).

A *redacted* value is replaced by :data:`REDACTED`. The rules, each applied by one function:

- a *known secret* is a value we were told is one (a token in use, what a writer's
  ``find_secrets`` found): every occurrence is redacted, the longest first
  (:func:`redact_known`). A :class:`LineValue` is known by where it stands instead: the value
  after its key, up to the end of a line (``DB_PASS=<redacted>``), so that a short value (``1``)
  is not redacted wherever else it occurs;
- a URL's *userinfo* is what comes before the LAST ``@`` of its authority (which runs from ``//``
  to the first ``/``, ``?``, ``#`` or blank), as Python's ``urlsplit`` and WHATWG parsers read it:
  in ``https://u:Pa55@word@host`` it is ``u:Pa55@word``. Its *secret part* is judged as pip's
  ``redact_auth_from_url`` judges it: the password when there is one (``user:PASSWORD@``), else
  the whole user name, which then is a token (``TOKEN:@``, ``ghp_...@``)
  (:func:`userinfo_secrets`, :func:`redact_userinfo`);
- a *credential key* is a key whose value is a secret, by its name (:func:`is_credential_key`):
  one holding a word of :data:`_ANYWHERE` (``password``, ``token``, ``secret``, ``_auth``,
  ``apikey``...) or ending in one of :data:`_AT_END` (``DB_PASS``, ``SMTP_PWD``, ``GH_PAT``,
  ``gpr.key``). In free text (:func:`redact_credentials`) its value after ``=`` or ``:`` is
  redacted: a quoted value whole (``"password": "<redacted>"``), else up to a blank, quote, comma
  or semicolon; an authorization scheme before it (``Basic``, ``Bearer``, ``Token``) is kept. An
  HTTP ``Authorization`` header is a credential key; a scheme word followed by a credential-like
  word (of 8 characters or more holding a digit, or of 20 or more) is redacted anywhere;
- a *control character* (C0, DEL, C1, U+2028/9) ends or rewrites a line on a terminal or in a log
  reader (:data:`CONTROL`): shown as its escape, or as ``?``, never as itself.

:func:`redact` applies every rule to free text (hook output, an error kept in the state file).
Diffs and log lines get the known secrets and the userinfo rule only: in a diff the writer's
``find_secrets`` knows its format better than a key-name guess (``always-auth=true`` is no secret).
This module imports nothing of this program's: every layer may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "<redacted>"
#: characters that end or rewrite a line on a terminal or in a log reader: C0, DEL, C1, U+2028/9
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# scheme "://" then the userinfo: the authority's text up to its last "@"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/?#\s@]*(?:@[^/?#\s@]*)*)@")

#: words that make a key a credential key wherever they stand in its name
_ANYWHERE = r"passw(?:or)?d|passphrase|secret|token|credential|api[_.-]?key|auth"
#: words too short to look for inside a name: a credential key's name ends in one
_AT_END = r"pass|pwd|pat|key|otp"
_KEY_NAME = re.compile(rf"(?i)(?:{_ANYWHERE})|(?:{_AT_END})$")
_SCHEME = r"(?:basic|bearer|token|digest|negotiate)"
#: a quoted value, to its closing quote (a quote escaped with a backslash does not close it)
_QUOTED = r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
#: a key (at most 100 characters of name), its separator, an optional scheme and the value
_KEY_VALUE = re.compile(
    rf"""(?ix)(?<![\w.-])
    (?P<key>[\w.-]{{0,100}}(?:{_ANYWHERE})[\w.-]{{0,100}}|[\w.-]{{0,100}}(?:{_AT_END}))
    (?P<sep>["']?[ \t]*[:=][ \t]*)
    (?P<scheme>{_SCHEME}[ \t]+)?
    (?P<value>{_QUOTED}|[^\s"',;]+)"""
)
#: a command-line flag named as a credential key, then its value as the next word (``--password X``)
_FLAG_VALUE = re.compile(
    rf"""(?ix)(?<![\w-])
    (?P<key>--?[\w.-]{{0,100}}(?:(?:{_ANYWHERE})[\w.-]{{0,100}}|(?:{_AT_END}))(?![\w.-]))
    (?P<sep>[ \t]+)
    (?P<scheme>)
    (?P<value>{_QUOTED}|[^\s"'-][^\s"']*)"""
)
#: an authorization scheme followed by a word made of what tokens and base64 are made of
_SCHEME_VALUE = re.compile(rf"(?i)\b({_SCHEME}[ \t]+)([A-Za-z0-9._~+/-]+=*)")


class LineValue(str):
    """A known secret by where it stands: the value after ``prefix`` (``DB_PASS=``) up to the
    end of its line. As a string it is the value itself."""

    prefix: str

    def __new__(cls, value: str, prefix: str) -> LineValue:
        made = super().__new__(cls, value)
        made.prefix = prefix
        return made


def escape_controls(text: str) -> str:
    """``text`` with each control character shown as its escape: ``\\n``, ``\\x1b``, ``\\u2028``."""
    return CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")


def replace_controls(text: str, by: str = "?") -> str:
    """``text`` with each control character replaced by ``by``."""
    return CONTROL.sub(by, text)


def redact_known(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` redacted, the longest first (see the module doc)."""
    unique = {(str(s), s.prefix if isinstance(s, LineValue) else None) for s in secrets if s}
    for value, prefix in sorted(unique, key=lambda item: len(item[0]), reverse=True):
        if prefix is None:
            text = text.replace(value, REDACTED)
        else:  # a replacement string's backslashes are escapes: the prefix's are doubled
            pattern = re.compile(re.escape(prefix + value) + r"(?=\r?$)", re.MULTILINE)
            text = pattern.sub((prefix + REDACTED).replace("\\", "\\\\"), text)
    return text


def _split(userinfo: str) -> tuple[str, str | None]:
    user, colon, password = userinfo.partition(":")
    return user, (password if colon and password else None)


def userinfo_secrets(text: str) -> list[str]:
    """The secret part of every URL's userinfo in ``text``, as written and percent-decoded."""
    from urllib.parse import unquote

    found = []
    for match in _USERINFO.finditer(text):
        user, password = _split(match.group(2))
        secret = password if password is not None else user.rstrip(":")
        found += [s for s in {secret, unquote(secret)} if s]
    return found


def redact_userinfo(text: str) -> str:
    """``text`` with the secret part of every URL's userinfo redacted:
    ``https://user:<redacted>@host/``, ``https://<redacted>:@host/``, ``https://<redacted>@host/``."""

    def replace(match: re.Match[str]) -> str:
        user, password = _split(match.group(2))
        if password is not None:
            return f"{match.group(1)}{user}:{REDACTED}@"
        tail = ":" if match.group(2).endswith(":") else ""
        return f"{match.group(1)}{REDACTED}{tail}@" if user else match.group(0)

    return _USERINFO.sub(replace, text)


def is_credential_key(name: str) -> bool:
    """Whether a key of this name holds a secret (see the module doc): ``DB_PASS``, ``gpr.key``,
    ``mavenCentralToken``, ``_authToken``, ``Authorization``."""
    return bool(_KEY_NAME.search(name))


def redact_credentials(text: str) -> str:
    """``text`` with the value of every credential key and every authorization redacted."""

    def value(match: re.Match[str]) -> str:
        found = match.group("value")
        if found.startswith(REDACTED):
            hidden = found
        elif found[:1] in "\"'" and len(found) > 1 and found[-1] == found[0]:
            hidden = found[0] + REDACTED + found[0]
        else:
            hidden = REDACTED
        return match.group("key") + match.group("sep") + (match.group("scheme") or "") + hidden

    def scheme(match: re.Match[str]) -> str:
        word = match.group(2)
        credential = len(word) >= 20 or (len(word) >= 8 and any(c.isdigit() for c in word))
        return match.group(1) + REDACTED if credential else match.group(0)

    return _SCHEME_VALUE.sub(scheme, _FLAG_VALUE.sub(value, _KEY_VALUE.sub(value, text)))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Free text with every rule applied: ``secrets``, URL userinfo, credential keys."""
    return redact_credentials(redact_userinfo(redact_known(text, secrets)))
