"""Variable references where an entry of ours holds a value.

AWS's guides write a token as the variable a shell or a CI job exports
(``//host/npm/repo/:_authToken=${CODEARTIFACT_AUTH_TOKEN}`` in ``.npmrc``, ``npmAuthToken:
"${CODEARTIFACT_AUTH_TOKEN}"`` in ``.yarnrc.yml``), and users copy that into the files we write. A
*reference* is a value that only names an environment variable: ``${NAME}`` (npm, pnpm, Yarn,
Compose; with a ``:-default`` too), ``$NAME`` (sh), ``%NAME%`` (NuGet, cmd), alone, after an auth
scheme (``Bearer ${NAME}``) or a user name (Bundler's ``aws:${NAME}``), or as a URL's password.

An entry of ours that holds one is still ours (it is our repository's entry): every format editor
replaces its value as it replaces an old token, whatever the tool would have made of the reference,
and calls :func:`replaced`, which logs that once, at INFO, naming the file and the key (and the
variable's name, never a value: a default in ``${NAME:-default}`` may be a secret). The program names the file it renders
(:func:`logging_for`) only for a real write: a dry run logs nothing here.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
REFERENCE = re.compile(rf"\$\{{{_NAME}(?::?[-=?+][^}}]*)?\}}|\${_NAME}|%{_NAME}%")
_SCHEME = re.compile(r"(?i)(?:bearer|basic|token)\s+|[A-Za-z0-9._-]+:(?=[$%])")
_file: ContextVar[str | None] = ContextVar("references_file", default=None)


def reference(value: object) -> str | None:
    """The reference ``value`` is (see the module doc), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip().strip("\"'")
    text = text[_SCHEME.match(text).end() :] if _SCHEME.match(text) else text  # type: ignore[union-attr]
    if REFERENCE.fullmatch(text):
        return text
    if "://" in text and "@" in text:
        try:
            password = urlsplit(text).password
        except ValueError:
            return None
        if password and REFERENCE.fullmatch(unquote(password)):
            return unquote(password)
    return None


@contextlib.contextmanager
def logging_for(name: str) -> Iterator[None]:
    """While rendering the file ``name`` for a write: :func:`replaced` logs, naming it."""
    token = _file.set(name)
    try:
        yield
    finally:
        _file.reset(token)


def replaced(key: str, old: object) -> None:
    """Say (see the module doc) that the entry ``key`` held the reference ``old``, now replaced;
    nothing when ``old`` is no reference or no file is being written."""
    name, found = _file.get(), reference(old)
    if name is not None and found is not None:
        variable = re.search(_NAME, found).group()  # type: ignore[union-attr]  # a reference has a name
        logger.info(
            "%s: %s named the variable %s; the entry is ours, and holds the value itself now", name, key, variable
        )
