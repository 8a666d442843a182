"""An env file: ``KEY=VALUE`` lines, as ``docker run --env-file``, Docker Compose's ``.env`` /
``env_file:`` and a POSIX shell's ``set -a; . ./FILE`` read it.

Docker's rules (docker/cli ``pkg/kvfile``, formerly ``opts/envfile.go``): lines end at ``\\n``
(a ``\\r`` before it is dropped), a UTF-8 byte order mark is dropped, leading white space is
trimmed, an empty line or one starting with ``#`` is skipped, the *key* is the text before the
first ``=`` and must not be empty or hold a space or tab, the *value* is the rest *verbatim*: no
quotes removed, no ``$`` expanded, trailing blanks kept. A line without ``=`` imports the variable
from docker's own environment.

Compose (compose-go ``dotenv``) and a shell read quotes, ``$``, ``#`` after a blank, ``\\`` and
white space in their own ways. A *plain* value, made only of :data:`PLAIN` characters (letters,
digits and ``._:/@%+=,-``: every token and every URL we write), means the same to all three; we
write only plain values, unquoted, and refuse any other (:class:`ValueError`).

A line *names* a key when docker would read that key from it. An :class:`EnvFile` replaces the first
line naming each key it sets, removes the later ones, appends the keys no line names, and keeps
every other line byte for byte; its lines end as the file's do (CRLF in a CRLF file). A line docker refuses (an empty key, a key with a blank) makes the
file unparseable: :class:`~codeartifact_refresher.errors.WriterError` naming the line.
"""

from __future__ import annotations

import re

from ...errors import WriterError
from . import references

#: the characters a value may hold so that docker, compose and sh all read it as written
PLAIN = re.compile(r"[A-Za-z0-9._:/@%+=,-]*")
#: white space as Go's unicode.IsSpace has it (docker trims it from the left of each line)
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
BOM = "\ufeff"


def key_of(line: str, first: bool = False) -> str | None:
    """The key docker reads from ``line`` (without its ``\\n``): None for a comment, a blank line
    or a line without ``=``. Raises ValueError where docker refuses the line."""
    line = line.removesuffix("\r")
    if first:
        line = line.removeprefix(BOM)
    line = line.lstrip(GO_SPACE)
    if not line or line.startswith("#") or "=" not in line:
        if line and not line.startswith("#") and (" " in line or "\t" in line):
            raise ValueError("a variable name holds a space or a tab")
        return None
    key = line.split("=", 1)[0]
    if not key:
        raise ValueError("no variable name before '='")
    if " " in key or "\t" in key:
        raise ValueError("the variable name holds a space or a tab")
    return key


def check_value(key: str, value: str) -> str:
    if not PLAIN.fullmatch(value):
        raise ValueError(f"the value of {key} holds a character that docker, compose and sh read differently")
    return value


class EnvFile:
    def __init__(self, text: str | None) -> None:
        text = text or ""
        if "\x00" in text:
            raise WriterError(f"line {text.count(chr(10), 0, text.index(chr(0))) + 1}: holds a NUL character")
        self._lines = text.split("\n")
        self._keys: list[str | None] = []
        for number, line in enumerate(self._lines):
            try:
                self._keys.append(key_of(line, first=number == 0))
            except ValueError as e:
                raise WriterError(f"line {number + 1}: docker --env-file refuses it: {e}") from None

    def items(self) -> list[tuple[str, str]]:
        """(key, value) for each line that sets a variable, as docker reads it."""
        found = []
        for line, key in zip(self._lines, self._keys, strict=True):
            if key is not None:
                found.append((key, line.removesuffix("\r").lstrip(GO_SPACE + BOM).split("=", 1)[1]))
        return found

    def set(self, values: dict[str, str]) -> None:
        """Give each key its (plain) value; ValueError for a value that is not plain."""
        for name, value in values.items():
            check_value(name, value)
        done: set[str] = set()
        lines: list[str] = []
        keys: list[str | None] = []
        cr = "\r" if any(line.endswith("\r") for line in self._lines[:-1]) else ""  # a CRLF file: ours too
        for line, key in zip(self._lines, self._keys, strict=True):
            if key is not None and key in values:
                if key in done:
                    continue  # a later line for the same key: docker would take its value
                done.add(key)
                references.replaced(key, line.removesuffix("\r").lstrip(GO_SPACE + BOM).split("=", 1)[1])
                line = f"{key}={values[key]}" + ("\r" if line.endswith("\r") else "")
            lines.append(line)
            keys.append(key)
        missing = [k for k in values if k not in done]
        if missing:
            if lines[-1] != "":  # no newline at the end of the file: end its last line first
                lines[-1] += cr
                lines.append("")
                keys.append(None)
            lines[-1:-1] = [f"{k}={values[k]}{cr}" for k in missing]
            keys[-1:-1] = missing
        self._lines, self._keys = lines, keys

    def text(self) -> str:
        return "\n".join(self._lines)
