"""npm: the registry and its ``_authToken`` line in ``.npmrc``.

The target owns ``registry=`` (or ``@scope:registry=`` with ``scope``) and the auth line for our
repository, ``//host/path/:_authToken=``. Both live at the top level of the file, before any
``[section]``, which is where npm reads them. Lines follow npm's ``ini`` grammar: ``key=value``,
comments start with ``#`` or ``;``, and a line ``[name]`` at column 0 opens a section.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Mapping

from . import base

_SECTION = re.compile(r"^\[[^\]]*\]\s*$")
_SCOPE = re.compile(r"^@[a-z0-9][a-z0-9._~-]*$")
_SECRET_KEYS = ("_authToken", "_auth", "_password")


def _scope(value):
    if not isinstance(value, str) or not _SCOPE.match(value):
        raise ValueError("expected an npm scope such as '@acme' (lowercase, starting with @)")
    return value


def _key_of(line: str) -> str | None:
    """The key of a ``key=value`` line, or None for blanks, comments and sections."""
    stripped = line.strip()
    if not stripped or stripped.startswith(("#", ";")) or _SECTION.match(line.rstrip("\r\n")):
        return None
    return line.split("=", 1)[0].strip().strip("\"'")


class NpmrcDocument:
    """An .npmrc as lines; only top-level ``key=value`` lines are edited."""

    def __init__(self, text: str | None) -> None:
        text = text or ""
        base.check_text(text)
        self.newline = base.newline_of(text)
        self.lines = base.split_lines(text)
        self.top_end = next(
            (i for i, line in enumerate(self.lines) if _SECTION.match(line.rstrip("\r\n"))),
            len(self.lines),
        )

    def text(self) -> str:
        return "".join(self.lines)

    def items(self) -> Iterable[tuple[str, str]]:
        for line in self.lines:
            key = _key_of(line)
            if key is not None and "=" in line:
                yield key, line.split("=", 1)[1].strip().strip("\"'")

    def set(self, key: str, value: str) -> None:
        found = False
        for i in range(self.top_end):
            line = self.lines[i]
            if _key_of(line) != key:
                continue
            body = line.rstrip("\r\n")
            ending = line[len(body):] or self.newline
            head = re.match(r"[^=]*=?\s*", body).group()
            head = head if "=" in head else head.rstrip() + "="
            self.lines[i] = head + value + ending
            found = True
        if not found:
            self._insert(f"{key}={value}{self.newline}")

    def _insert(self, line: str) -> None:
        keyed = [i for i in range(self.top_end) if _key_of(self.lines[i]) is not None]
        index = keyed[-1] + 1 if keyed else self.top_end
        base.insert_lines(self.lines, index, [line], self.newline)
        self.top_end += 1


class Writer(base.Writer):
    format = "npm"
    options = {"scope": (_scope, None)}

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        for name, value in environ.items():  # npm reads npm_config_* case-insensitively
            if name.lower() == "npm_config_userconfig" and value:
                return Path(value).expanduser()
        return Path(environ.get("HOME") or Path.home()) / ".npmrc"

    @property
    def registry_key(self) -> str:
        return f"{self.scope}:registry" if self.scope else "registry"

    def claims(self) -> Iterable[str]:
        return [self.registry_key]

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = NpmrcDocument(current)
        doc.set(self.registry_key, creds.endpoint)
        doc.set(f"//{creds.host}{creds.path}:_authToken", creds.token)
        return doc.text()

    def find_secrets(self, text: str) -> Iterable[str]:
        return [v for k, v in NpmrcDocument(text).items() if k.endswith(_SECRET_KEYS) and v]
