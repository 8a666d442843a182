"""Text as the tools read it: lines split where they split them, endings kept."""

from __future__ import annotations

import re

from ...errors import WriterError


def check_text(text: str) -> None:
    """Refuse text that no config-file parser should be handed (binary junk)."""
    if "\x00" in text:
        raise WriterError("contains NUL bytes: not a text file")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split at "\r\n", "\r" and "\n" as pip and twine (Python's
    universal newlines) and npm (``/[\r\n]+/``) read files; ``str.splitlines`` would also split
    at form feeds and other separators they keep inside a line."""
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def insert_lines(lines: list[str], index: int, new: list[str], newline: str) -> None:
    """Insert ``new`` before ``lines[index]``, first ending the line before it if it had no end."""
    if index > 0 and not lines[index - 1].endswith(("\n", "\r")):
        lines[index - 1] += newline
    lines[index:index] = new


def newline_of(text: str) -> str:
    """The line ending a file already uses, so that added lines match it."""
    return "\r\n" if "\r\n" in text else "\n"
