""".npmrc as npm, pnpm and Yarn 1 read it (npm's ``ini`` grammar).

Lines are ``key=value``; comments start with ``#`` or ``;``; a line ``[name]`` at column 0 opens a
section. Only top-level lines (before any section) are edited, which is where the tools read
registries and auth lines. A *value* is read as npm's ``ini`` reads it: a value in matching quotes
loses them; any other ends at the first ``;`` or ``#`` not escaped with ``\\`` (an inline comment),
and ``\\;``, ``\\#`` and ``\\\\`` stand for the character. pnpm (12) reads such a comment as part of
the value (``registry=URL ; note`` sends it ``URL ; note/pkg``), so a value we replace takes the
rest of its line: every client then reads what we wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from . import references
from .lines import check_text, insert_lines, newline_of, split_lines

_HEAD = re.compile(r"[^=]*=?\s*")  # a line's key, "=" and the blanks after it
_SECTION = re.compile(r"^\[[^\]]*\]\s*$")


def _comment_at(text: str) -> int:
    """Where the inline comment of an unquoted value starts in ``text``, or ``len(text)``."""
    escaped = False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ";#":
            return i
    return len(text)


def _quoted(text: str) -> bool:
    return len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'"


def value_of(raw: str) -> str:
    """The value ``ini`` reads from the text after a line's ``=``."""
    raw = raw.strip()
    if _quoted(raw):
        return raw[1:-1]
    return re.sub(r"\\([\\;#])", r"\1", raw[: _comment_at(raw)]).strip()


def read(text: str) -> dict[str, str]:
    """The top-level settings npm's ``ini`` (``decode``) reads from ``text``, independently of the
    editor below: lines split at every run of ``\r`` and ``\n``; a line whose first non-blank is
    ``;`` or ``#`` skipped; a line ``[name]`` opens a section (whose keys are not top-level);
    otherwise the key is the text before the first ``=`` and the value the rest, each read by
    :func:`value_of` (quotes removed, or cut at an unescaped ``;`` or ``#``, then trimmed); a line
    without ``=`` sets its key to ``true``; the last line for a key wins."""
    found: dict[str, str] = {}
    for line in re.split(r"[\r\n]+", text):
        if not line.strip() or re.match(r"\s*[;#]", line) or line.startswith("="):
            continue
        if _SECTION.match(line):
            break
        key, eq, rest = line.partition("=")
        found[value_of(key)] = value_of(rest) if eq else "true"
    return found


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
        check_text(text)
        self.newline = newline_of(text)
        self.lines = split_lines(text)
        self.top_end = next(
            (i for i, line in enumerate(self.lines) if _SECTION.match(line.rstrip("\r\n"))),
            len(self.lines),
        )

    def text(self) -> str:
        return "".join(self.lines)

    def items(self, raw: bool = False) -> Iterable[tuple[str, str]]:
        """(key, value) of every ``key=value`` line, the value as npm reads it; ``raw``: the whole
        text after ``=``, an inline comment included (for callers that must miss no secret)."""
        for line in self.lines:
            key = _key_of(line)
            if key is not None and "=" in line:
                rest = line.split("=", 1)[1]
                yield key, rest.strip().strip("\"'") if raw else value_of(rest)

    def top_items(self) -> Iterable[tuple[str, str]]:
        """(key, value) of the top-level ``key=value`` lines: the settings npm reads."""
        for line in self.lines[: self.top_end]:
            key = _key_of(line)
            if key is not None and "=" in line:
                yield key, value_of(line.split("=", 1)[1])

    def has(self, key: str) -> bool:
        """Whether ``key`` is set at the top level."""
        return any(_key_of(self.lines[i]) == key for i in range(self.top_end))

    def set(self, key: str, value: str, same: Callable[[str], bool] | None = None, add: bool = True) -> bool:
        """Give top-level ``key`` the ``value`` in place (the whole rest of its line), else append
        it unless ``add`` is false; True if the key was there. A line whose key
        ``same`` holds for is the same entry spelled differently: it becomes ``key``'s line. One
        entry remains: later lines for it go (npm reads the last one; we keep the first place)."""
        found = [i for i in range(self.top_end) if self._is(i, key, same)]
        for i in found:
            references.replaced(key, value_of(self.lines[i].split("=", 1)[1]) if "=" in self.lines[i] else "")
        for i in reversed(found[1:]):
            del self.lines[i]
            self.top_end -= 1
        if found:
            self.lines[found[0]] = self._with_value(self.lines[found[0]], key, value)
        elif add:
            self._insert(f"{key}={value}{self.newline}")
        return bool(found)

    def _is(self, index: int, key: str, same: Callable[[str], bool] | None) -> bool:
        old = _key_of(self.lines[index])
        return old is not None and (old == key or (same is not None and same(old)))

    def _with_value(self, line: str, key: str, value: str) -> str:
        """``line`` holding ``key`` (in place of the key it had) and ``value``, its spacing kept."""
        body = line.rstrip("\r\n")
        ending = line[len(body) :] or self.newline
        head = _HEAD.match(body).group()  # type: ignore[union-attr]  # matches any text
        head = (head if "=" in head else head.rstrip() + "=").replace(_key_of(line) or key, key, 1)
        return head + value + ending

    def remove(self, which: Callable[[str, str], bool]) -> bool:
        """Remove each top-level ``key=value`` line for whose (key, value) ``which`` holds; True if
        one was removed."""
        removed = False
        for i in reversed(range(self.top_end)):
            key = _key_of(self.lines[i])
            if key is None or "=" not in self.lines[i]:
                continue
            if which(key, value_of(self.lines[i].split("=", 1)[1])):
                del self.lines[i]
                self.top_end -= 1
                removed = True
        return removed

    def _insert(self, line: str) -> None:
        keyed = [i for i in range(self.top_end) if _key_of(self.lines[i]) is not None]
        index = keyed[-1] + 1 if keyed else self.top_end
        insert_lines(self.lines, index, [line], self.newline)
        self.top_end += 1
