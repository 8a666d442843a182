""".npmrc as npm, pnpm and Yarn 1 read it (npm's ``ini`` grammar).

Lines are ``key=value``; comments start with ``#`` or ``;``; a line ``[name]`` at column 0 opens a
section. Only top-level lines (before any section) are edited, which is where the tools read
registries and auth lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .lines import check_text, insert_lines, newline_of, split_lines

_HEAD = re.compile(r"[^=]*=?\s*")  # a line's key, "=" and the blanks after it
_SECTION = re.compile(r"^\[[^\]]*\]\s*$")


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

    def items(self) -> Iterable[tuple[str, str]]:
        for line in self.lines:
            key = _key_of(line)
            if key is not None and "=" in line:
                yield key, line.split("=", 1)[1].strip().strip("\"'")

    def has(self, key: str) -> bool:
        """Whether ``key`` is set at the top level."""
        return any(_key_of(self.lines[i]) == key for i in range(self.top_end))

    def set(self, key: str, value: str, same: Callable[[str], bool] | None = None) -> None:
        """Give top-level ``key`` the ``value``, in place when present, else appended. A line whose
        key ``same`` holds for is the same entry spelled differently: it becomes ``key``'s line."""
        found = False
        for i in range(self.top_end):
            line = self.lines[i]
            old = _key_of(line)
            if old is None or not (old == key or (same is not None and same(old))):
                continue
            body = line.rstrip("\r\n")
            ending = line[len(body) :] or self.newline
            head = _HEAD.match(body).group()  # type: ignore[union-attr]  # matches any text
            head = (head if "=" in head else head.rstrip() + "=").replace(old, key, 1)
            self.lines[i] = head + value + ending
            found = True
        if not found:
            self._insert(f"{key}={value}{self.newline}")

    def remove(self, which: Callable[[str, str], bool]) -> bool:
        """Remove each top-level ``key=value`` line for whose (key, value) ``which`` holds; True if
        one was removed."""
        removed = False
        for i in reversed(range(self.top_end)):
            key = _key_of(self.lines[i])
            if key is None or "=" not in self.lines[i]:
                continue
            if which(key, self.lines[i].split("=", 1)[1].strip().strip("\"'")):
                del self.lines[i]
                self.top_end -= 1
                removed = True
        return removed

    def _insert(self, line: str) -> None:
        keyed = [i for i in range(self.top_end) if _key_of(self.lines[i]) is not None]
        index = keyed[-1] + 1 if keyed else self.top_end
        insert_lines(self.lines, index, [line], self.newline)
        self.top_end += 1
