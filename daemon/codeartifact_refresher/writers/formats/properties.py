"""``.properties`` files as ``java.util.Properties.load`` reads them (Gradle's ``gradle.properties``).

Vocabulary from the ``Properties.load(Reader)`` javadoc:

- a *natural line* ends at ``\\n``, ``\\r`` or ``\\r\\n``;
- a *logical line* is one natural line, or several when each but the last ends in an odd number of
  backslashes (a *continuation*); a continued line's leading white space (space, tab, form feed)
  is dropped;
- a logical line whose first non-white character is ``#`` or ``!`` is a *comment*, and a comment
  is never continued; a line of white space only is *blank*;
- otherwise the *key* runs from the first non-white character to the first unescaped ``=``,
  ``:`` or white space; white space, at most one ``=`` or ``:``, and white space more are skipped;
  the rest is the *value*. In keys and values ``\\uXXXX``, ``\\t``, ``\\n``, ``\\r``, ``\\f`` are
  escapes, a backslash before any other character stands for that character, and a malformed
  ``\\uXXXX`` makes ``load`` throw. The last entry for a key wins.

The editor replaces an entry it owns as a whole (every natural line of it) and keeps every other
line byte for byte, a continued foreign value too. What it writes is escaped as
``Properties.store`` escapes (``saveConvert``), in ASCII, so that ``load(InputStream)``, which
reads ISO 8859-1 (:data:`ENCODING`: the file is read and written in it, so every byte of the
user's comes back as it was), reads the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ...errors import WriterError
from . import references
from .lines import check_text, newline_of, split_lines

#: what ``Properties.load(InputStream)`` reads, and IDEs save ``.properties`` files in by default
ENCODING = "ISO-8859-1"
WHITE = " \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_STORE_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f", "=": "\\=", ":": "\\:", "#": "\\#", "!": "\\!"}


@dataclass(frozen=True)
class Entry:
    """One key-value logical line: natural lines ``first`` to ``last`` (inclusive)."""

    first: int
    last: int
    key: str
    value: str


def _continues(line: str) -> bool:
    body = line.rstrip("\r\n")
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def unescape(text: str, line: int) -> str:
    """``text`` with ``load``'s escapes resolved; a malformed ``\\uXXXX`` names ``line``."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 == len(text):
            out.append(c if c != "\\" else "")  # a lone trailing backslash stands for nothing
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u":
            digits = text[i + 2 : i + 6]
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
                raise WriterError(f"line {line}: malformed \\uXXXX escape (Java's Properties.load refuses it)")
            out.append(chr(int(digits, 16)))
            i += 6
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


def _split_entry(logical: str, line: int) -> tuple[str, str]:
    """(key, value) of a logical line that is neither blank nor a comment."""
    text = logical.lstrip(WHITE)
    end, escaped = len(text), False
    for i, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c in "=:" or c in WHITE:
            end = i
            break
    rest = text[end:].lstrip(WHITE)
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(WHITE)
    return unescape(text[:end], line), unescape(rest, line)


def escape(text: str, key: bool = False) -> str:
    """``text`` escaped as ``Properties.store`` writes it (spaces everywhere in a key, only a
    leading one in a value), non-ASCII and control characters as ``\\uXXXX``."""
    out = []
    for i, c in enumerate(text):
        if c == "\\":
            out.append("\\\\")
        elif c == " " and (key or i == 0):
            out.append("\\ ")
        elif c in _STORE_ESCAPES:
            out.append(_STORE_ESCAPES[c])
        elif not " " <= c <= "~":
            out.append("".join(f"\\u{unit:04X}" for unit in _utf16(c)))
        else:
            out.append(c)
    return "".join(out)


def _utf16(c: str) -> list[int]:
    data = c.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


class PropertiesDocument:
    """One ``.properties`` file. ``text`` None or empty is a new file."""

    def __init__(self, text: str | None) -> None:
        text = text or ""
        check_text(text)
        self.lines = split_lines(text)
        self.newline = newline_of(text)
        self.entries = list(self._parse())

    def _parse(self) -> Iterator[Entry]:
        """Logical lines as ``Properties.LineReader`` reads them: leading white space dropped from
        every natural line; a comment is a ``#`` or ``!`` met while the logical line is still
        empty (even after a continuation); an empty logical line is no entry."""
        i = 0
        while i < len(self.lines):
            first, logical, dangling = i, "", False
            while True:
                body = self.lines[i].rstrip("\r\n").lstrip(WHITE)
                i += 1
                if not logical and body[:1] in ("#", "!"):
                    break
                continued = _continues(body)
                logical += body[:-1] if continued else body
                if not continued or i == len(self.lines):  # a backslash at the end of the file is dropped
                    dangling = continued  # ... but a line of only that backslash is still an entry, key ""
                    break
            if logical or dangling:
                key, value = _split_entry(logical, first + 1)
                yield Entry(first, i - 1, key, value)

    def text(self) -> str:
        return "".join(self.lines)

    def get(self, key: str) -> str | None:
        """The value ``load`` gives ``key`` (the last entry's), or None."""
        found = [e.value for e in self.entries if e.key == key]
        return found[-1] if found else None

    def set(self, key: str, value: str) -> None:
        """``key`` takes ``value``: the last entry for it is replaced as a whole, earlier ones (which
        ``load`` overrides anyway) removed, or a line is added at the end."""
        line = f"{escape(key, key=True)}={escape(value)}{self.newline}"
        mine = [e for e in self.entries if e.key == key]
        if mine and mine[-1].value == value and len(mine) == 1:
            return
        for entry in mine:
            references.replaced(key, entry.value)
        for entry in reversed(mine):
            self.lines[entry.first : entry.last + 1] = [line] if entry is mine[-1] else []
        if not mine:
            self._append(line)
        self.entries = list(self._parse())

    def _append(self, line: str) -> None:
        """Add ``line`` at the end; after a last entry that ends in a continuation, first an
        empty line, which ends that logical line where it ended before. That empty line ends as
        the continued line does: after a lone ``\r``, a ``\n`` would join it into one ``\r\n``,
        and the continuation would run on into our line."""
        if self.lines and not self.lines[-1].endswith(("\n", "\r")):
            self.lines[-1] += self.newline
        ends_continued = self.entries and self.entries[-1].last == len(self.lines) - 1
        if ends_continued and _continues(self.lines[-1]):
            last = self.lines[-1]
            self.lines.append(last[len(last.rstrip("\r\n")) :])
        self.lines.append(line)
