"""Edit INI files as configparser reads them, keeping every byte we do not own.

pip reads ``pip.conf`` and twine reads ``.pypirc`` with ``configparser.RawConfigParser``; a
round trip through it would drop comments and lowercase keys. :class:`IniDocument` instead keeps
the file as a list of *lines* and locates *entries* (an option line plus its indented continuation
lines) with configparser's own regular expressions, so it agrees with the tools on what the file
says. Text configparser refuses is refused here, before anything is changed.
"""

from __future__ import annotations

import configparser
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ...errors import WriterError, WriterRefusedError
from . import references
from .lines import check_text, insert_lines, newline_of, split_lines

SECTCRE = configparser.RawConfigParser.SECTCRE
OPTCRE = configparser.RawConfigParser.OPTCRE
COMMENT_PREFIXES = ("#", ";")
CONTINUATION_INDENT = "    "


def parsed(text: str, tool: str) -> configparser.RawConfigParser:
    """``text`` read by configparser itself, as ``tool`` (pip, twine) reads its file: a check of
    what :class:`IniDocument` wrote. Text it refuses raises :class:`WriterRefusedError` naming the
    error and line only (configparser's message quotes the line, which may hold a secret)."""
    parser = configparser.RawConfigParser()
    try:  # universal newlines, as the tools open their files: a lone "\r" ends a line
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.Error as e:
        line = getattr(e, "lineno", None)
        raise WriterRefusedError(
            f"{tool}'s configparser would not read the result ({type(e).__name__}{f', line {line}' if line else ''})"
        ) from None
    return parser


@dataclass
class Entry:
    key: str  # as written in the file
    start: int  # index of the option line
    end: int  # index after its last continuation line
    indent: int


def _option_match(line: str) -> re.Match[str]:
    """configparser's match of an option line; :func:`validate` made sure every such line has one."""
    match = OPTCRE.match(line)
    if match is None:  # pragma: no cover - validate() refuses such text first
        raise WriterError("not a 'key = value' line")
    return match


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(COMMENT_PREFIXES)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def validate(text: str) -> None:
    """Raise WriterError when the tools' parser would refuse ``text`` (messages hold no values)."""
    check_text(text)
    parser = configparser.RawConfigParser()
    try:  # with universal newlines, as pip and twine read their files: a lone "\r" ends a line
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.MissingSectionHeaderError as e:
        raise WriterError(f"line {e.lineno}: an option before any [section] header") from None
    except configparser.DuplicateSectionError as e:
        raise WriterError(f"line {e.lineno}: section [{e.section}] appears twice") from None
    except configparser.DuplicateOptionError as e:
        raise WriterError(f"line {e.lineno}: option {e.option!r} appears twice in [{e.section}]") from None
    except configparser.ParsingError as e:
        lines = ", ".join(str(lineno) for lineno, _ in e.errors)
        raise WriterError(f"line {lines}: not a 'key = value' line, section or comment") from None
    except configparser.Error as e:  # pragma: no cover - any other parser complaint
        raise WriterError(f"not a valid INI file ({type(e).__name__})") from None


def _drop_words(text: str, same: Callable[[str], bool]) -> str:
    """``text`` without its blank-separated words for which ``same`` holds, each with the blanks
    before it (after it, when it comes first), so the words kept keep their own spacing."""
    for word in reversed(list(re.finditer(r"\S+", text))):
        if not same(word.group()):
            continue
        a, b = word.start(), word.end()
        before = len(text[:a]) - len(text[:a].rstrip(" \t"))
        if before:
            a -= before
        else:
            b += len(text[b:]) - len(text[b:].lstrip(" \t"))
        text = text[:a] + text[b:]
    return text


class IniDocument:
    """An INI file as lines, with just the edits the writers need.

    ``normalize`` is the reading tool's spelling of option names (configparser lower-cases them;
    pip also reads ``index_url`` as ``index-url``): keys are found with it, and a section that
    spells one option twice under it is refused, as configparser refuses an option written twice.
    """

    def __init__(self, text: str | None, normalize: Callable[[str], str] = str.lower) -> None:
        text = text or ""
        validate(text)
        self.newline = newline_of(text)
        self.lines = split_lines(text)
        self.normalize = normalize
        self._refuse_respelled_options()

    def text(self) -> str:
        return "".join(self.lines)

    # -- reading -----------------------------------------------------------------------------

    def _scan(self) -> list[tuple[str, str | None, int]]:
        """Classify each line as configparser's ``_read`` does: (kind, name, indent).

        kind is blank, comment, header (name = section), option (name = key) or continuation.
        """
        kinds: list[tuple[str, str | None, int]] = []
        in_option = False
        indent_level = 0
        for line in self.lines:
            stripped = line.strip()
            if not stripped or stripped.startswith(COMMENT_PREFIXES):
                kinds.append(("comment" if stripped else "blank", None, 0))
                continue
            indent = _indent(line)
            if in_option and indent > indent_level:
                kinds.append(("continuation", None, indent))
                continue
            indent_level = indent
            header = SECTCRE.match(stripped)
            if header:
                kinds.append(("header", header.group("header"), indent))
                in_option = False
            else:  # validate() guarantees every other line is an option line
                kinds.append(("option", _option_match(stripped).group("option").rstrip(), indent))
                in_option = True
        return kinds

    def _refuse_respelled_options(self) -> None:
        """Raise WriterError when a section holds two spellings of one option (under ``normalize``)."""
        seen: dict[str, tuple[str, int]] = {}
        section = None
        for i, (kind, name, _) in enumerate(self._scan()):
            if kind == "header":
                section, seen = name, {}
            elif kind == "option" and name is not None:
                first = seen.setdefault(self.normalize(name), (name, i + 1))
                if first[1] != i + 1:
                    raise WriterError(
                        f"line {i + 1}: option {name!r} in [{section}] is another spelling of "
                        f"{first[0]!r} (line {first[1]}): the option is set twice"
                    )

    def sections(self) -> list[str]:
        """The section names, in file order (``DEFAULT`` included when the file has it)."""
        return [name for kind, name, _ in self._scan() if kind == "header" and name is not None]

    def value(self, entry: Entry) -> str:
        """The entry's value as configparser reads it (continuation lines joined by newlines)."""
        return "\n".join(self.lines[i][a:b] for i, a, b in self.value_lines(entry)).strip()

    def _section_start(self, section: str) -> int | None:
        """The index of the line after ``section``'s header, or None when there is none."""
        for i, (kind, name, _) in enumerate(self._scan()):
            if kind == "header" and name == section:
                return i + 1
        return None

    def entries(self, section: str) -> list[Entry]:
        found: list[Entry] = []
        current_section = None
        for i, (kind, name, indent) in enumerate(self._scan()):
            if kind == "header":
                current_section = name
            elif current_section != section:
                continue
            elif kind == "option" and name is not None:
                found.append(Entry(name, i, i + 1, indent))
            elif kind == "continuation":
                found[-1].end = i + 1
        return found

    def find(self, section: str, key: str) -> list[Entry]:
        """The entries of ``section`` whose key is ``key`` under :attr:`normalize`."""
        return [e for e in self.entries(section) if self.normalize(e.key) == self.normalize(key)]

    def value_lines(self, entry: Entry) -> list[tuple[int, int, int]]:
        """(line index, start, end) of each piece of the entry's value text."""
        pieces = []
        first = self.lines[entry.start]
        match = _option_match(first.strip())
        value_start = len(first) - len(first.lstrip()) + match.start("value")
        pieces.append((entry.start, value_start, len(first.rstrip("\r\n"))))
        for i in range(entry.start + 1, entry.end):
            line = self.lines[i]
            if not _is_blank_or_comment(line):
                pieces.append((i, _indent(line), len(line.rstrip("\r\n"))))
        return pieces

    # -- editing -----------------------------------------------------------------------------

    def set(self, section: str, key: str, value: str) -> None:
        """Give ``key`` the single-line ``value``, in place when present, else appended."""
        entries = self.find(section, key)
        for entry in reversed(entries):
            references.replaced(f"[{section}] {key}", self.value(entry))
            line = self.lines[entry.start]
            _, value_start, value_end = self.value_lines(entry)[0]
            ending = line[len(line.rstrip("\r\n")) :] or self.newline
            head = line[:value_start] if value_end > value_start else line[:value_start].rstrip() + " "
            kept = [c for c in self.lines[entry.start + 1 : entry.end] if _is_blank_or_comment(c)]
            self.lines[entry.start : entry.end] = [head + value + ending, *kept]
        if not entries:
            self._append(section, [f"{key} = {value}{self.newline}"])

    def add_to_list(
        self,
        section: str,
        key: str,
        item: str,
        same: Callable[[str], bool],
        initial: Iterable[str] = (),
    ) -> None:
        """Make ``item`` one of the whitespace-separated values of ``key``.

        An existing value for which ``same`` holds is replaced where it stands; otherwise ``item``
        is appended on the entry's last line or, for a multi-line value, on a new line. A missing
        key is created holding ``initial`` followed by ``item``.
        """
        entries = self.find(section, key)
        if not entries:
            items = [*initial, item]
            if len(items) == 1:
                self._append(section, [f"{key} = {item}{self.newline}"])
            else:
                lines = [f"{key} ={self.newline}"]
                lines += [f"{CONTINUATION_INDENT}{i}{self.newline}" for i in items]
                self._append(section, lines)
            return
        entry = entries[-1]
        if not self._replace_word(entry, item, same):
            self._append_word(entry, item)

    def remove(self, section: str, key: str, which: Callable[[str], bool] = lambda value: True) -> bool:
        """Remove each ``key`` entry of ``section`` whose value ``which`` holds for, with its
        continuation lines (comments among them stay); True if one was removed."""
        removed = False
        for entry in reversed(self.find(section, key)):
            if which(self.value(entry)):
                kept = [line for line in self.lines[entry.start + 1 : entry.end] if _is_blank_or_comment(line)]
                self.lines[entry.start : entry.end] = kept
                removed = True
        return removed

    def remove_from_list(self, section: str, key: str, same: Callable[[str], bool]) -> bool:
        """Drop every whitespace-separated value of ``key`` in ``section`` for which ``same``
        holds, with the blank before it (or after it, for a first value); a continuation line left
        empty goes, and an entry left with no value is removed whole. True if anything was dropped."""
        removed = False
        for entry in reversed(self.find(section, key)):
            if not any(same(word) for word in self.value(entry).split()):
                continue
            removed = True
            if all(same(word) for word in self.value(entry).split()):
                kept = [line for line in self.lines[entry.start + 1 : entry.end] if _is_blank_or_comment(line)]
                self.lines[entry.start : entry.end] = kept
                continue
            emptied = []
            for n, (index, start, end) in enumerate(self.value_lines(entry)):
                line = self.lines[index]
                piece = _drop_words(line[start:end], same)
                self.lines[index] = line[:start] + piece + line[end:]
                if n > 0 and not piece.strip():
                    emptied.append(index)
            for index in reversed(emptied):
                del self.lines[index]
        return removed

    def remove_section(self, section: str) -> None:
        """Remove ``section``'s header, entries and blank lines; its comments stay. A last section
        takes the blank lines before it too (the separator :meth:`_append` wrote with it)."""
        kinds = self._scan()
        start = next(i for i, (kind, name, _) in enumerate(kinds) if kind == "header" and name == section)
        end = next((i for i in range(start + 1, len(kinds)) if kinds[i][0] == "header"), len(kinds))
        kept = [self.lines[i] for i in range(start + 1, end) if kinds[i][0] == "comment"]
        if end == len(kinds) and not kept:
            while start > 0 and kinds[start - 1][0] == "blank":
                start -= 1
        self.lines[start:end] = kept

    def _replace_word(self, entry: Entry, item: str, same: Callable[[str], bool]) -> bool:
        """Put ``item`` where the first value ``same`` holds for stands; drop later such values,
        and a continuation line that dropping leaves empty."""
        replaced, emptied = False, []
        for n, (index, start, end) in enumerate(self.value_lines(entry)):
            line = self.lines[index]
            for word in reversed(list(re.finditer(r"\S+", line[start:end]))):
                if same(word.group()):
                    a, b = start + word.start(), start + word.end()
                    line = line[:a] + ("" if replaced else item) + line[b:]
                    replaced = True
            if n > 0 and line != self.lines[index] and not line.strip():
                emptied.append(index)
            self.lines[index] = line
        for index in reversed(emptied):
            del self.lines[index]
        return replaced

    def _append_word(self, entry: Entry, item: str) -> None:
        pieces = self.value_lines(entry)
        last_index, last_start, last_end = pieces[-1]
        if len(pieces) == 1 and last_start == last_end:
            # "key =" with nothing after it yet: start a continuation list
            self._insert(entry.end, [f"{CONTINUATION_INDENT}{item}{self.newline}"])
        elif len(pieces) == 1:
            line = self.lines[last_index]
            self.lines[last_index] = line[:last_end] + " " + item + line[last_end:]
        else:
            indent = self.lines[last_index][:last_start]
            self._insert(last_index + 1, [f"{indent}{item}{self.newline}"])

    def _append(self, section: str, lines: list[str]) -> None:
        """Add ``lines`` after the section's last entry, creating the section at the end if need be."""
        start = self._section_start(section)
        if start is None:
            header = [f"[{section}]{self.newline}"]
            if self.lines and self.lines[-1].strip():
                header.insert(0, self.newline)
            self._insert(len(self.lines), header + lines)
            return
        entries = self.entries(section)
        self._insert(entries[-1].end if entries else start, lines)

    def _insert(self, index: int, lines: list[str]) -> None:
        insert_lines(self.lines, index, lines, self.newline)
