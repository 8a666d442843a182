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
    """The line ending a file already uses, so that added lines match it: ``\r\n``, or ``\r`` in a
    file of lone carriage returns (an old Mac file), else ``\n``. Every tool whose file goes
    through these editors ends a line at a lone ``\r``: Java's ``Properties.load``, npm's ``ini``
    (``/[\r\n]+/``), and Python's universal newlines (configparser for pip and twine, netrc).
    A ``\n`` added after a lone ``\r`` would make one ``\r\n`` of the two: never add one there."""
    if "\r\n" in text:
        return "\r\n"
    return "\r" if "\r" in text and "\n" not in text else "\n"
