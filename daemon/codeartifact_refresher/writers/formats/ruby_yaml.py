"""YAML files as RubyGems reads them (``~/.gemrc``, ``~/.gem/credentials``), edited in place.

RubyGems loads both files with Psych (``Gem::ConfigFile#load_file``, RubyGems
``lib/rubygems/config_file.rb``): the file must hold one *mapping*, else it is ignored with a
warning. Its *keys* are Ruby symbols, written as plain scalars with a leading colon
(``:sources:``, ``:rubygems_api_key:``); a quoted ``":sources"`` is a string, which RubyGems never
looks up. Psych, like PyYAML, ends a line at ``\\r\\n``, ``\\r`` or ``\\n``.

A document is edited by *splicing* (``yaml_splice.py``): an edit replaces or inserts text at the
offsets PyYAML gives, so every byte around it (comments, quoting, indentation, other keys) stays
as written. Each edit re-parses its result, and a text that no longer parses, or no longer holds
what the edit wrote, is refused rather than written. Messages name lines and keys, never values.

PyYAML is imported when a document is made: ``check`` loads every writer and must stay light.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ...errors import WriterError, WriterRefusedError
from . import references
from .lines import check_text, newline_of
from .yaml_splice import BREAK, STR, compose, line_start, scalar
from .yaml_splice import line as _line


class RubyYamlDocument:
    """One RubyGems YAML file holding a block mapping. ``text`` None or empty is a new file."""

    def __init__(self, text: str | None) -> None:
        self._text = text or ""
        check_text(self._text)
        self.root = _compose(self._text)

    def text(self) -> str:
        return self._text

    # -- reading ----------------------------------------------------------------------------------

    def node(self, key: str) -> Any:
        """The value node of the top-level plain key ``key`` (``":sources"``), or None."""
        found = [(k, v) for k, v in (self.root.value if self.root else ()) if _is_plain(k, key)]
        if len(found) > 1:
            raise WriterError(f"{key} appears twice (lines {_line(found[0][0])} and {_line(found[1][0])})")
        return found[0][1] if found else None

    def get(self, key: str) -> str | None:
        """The scalar value of ``key`` as a string, or None when it is missing or not a scalar."""
        import yaml

        node = self.node(key)
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def items(self, key: str) -> list[str]:
        """The scalar items of the list at ``key`` (empty when there is none)."""
        import yaml

        node = self.node(key)
        if not isinstance(node, yaml.SequenceNode):
            return []
        return [item.value for item in node.value if isinstance(item, yaml.ScalarNode)]

    def strings(self) -> list[str]:
        """Every scalar value in the file, at any depth (keys left out)."""
        import yaml

        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, yaml.ScalarNode):
                found.append(node.value)
            elif isinstance(node, yaml.SequenceNode):
                for item in node.value:
                    walk(item)
            elif isinstance(node, yaml.MappingNode):
                for _, value in node.value:
                    walk(value)

        if self.root is not None:
            walk(self.root)
        return found

    # -- editing ----------------------------------------------------------------------------------

    def set(self, key: str, value: str) -> None:
        """Set the top-level ``key`` to the string ``value``: in place when it is there, else as a
        new line at the end of the file."""
        import yaml

        node = self.node(key)
        if node is None:
            self._splice_end(f"{key}: {scalar(value)}")
        elif isinstance(node, yaml.ScalarNode):
            old = self._text[node.start_mark.index : node.end_mark.index]
            if node.value != value or node.tag != STR:
                references.replaced(key, node.value)
                tail = "\n" if old.endswith("\n") else ""
                self._splice(node.start_mark.index, node.end_mark.index, scalar(value) + tail)
        else:
            raise WriterRefusedError(f"{key} on line {_line(node)} is not a string; left for you to fix")
        if self.get(key) != value:
            raise WriterError(f"could not set {key} without changing the rest of the file")

    def put_item(self, key: str, value: str, same: Callable[[str], bool], first: bool, start: list[str]) -> None:
        """Make ``value`` an item of the list at ``key``: every item ``same`` accepts is replaced
        by it where it stands; else it is added first or last. A missing list is made of
        ``start`` and ``value``."""
        import yaml

        node = self.node(key)
        if node is None:
            items = [value] if first else [*start, value]
            self._splice_end("\n".join([f"{key}:", *(f"- {scalar(v)}" for v in items)]))
        elif not isinstance(node, yaml.SequenceNode):
            raise WriterRefusedError(f"{key} on line {_line(node)} is not a list; left for you to fix")
        else:
            self._put_in(node, key, value, same, first)
        if value not in self.items(key):
            raise WriterError(f"could not add to {key} without changing the rest of the file")

    def _put_in(self, node: Any, key: str, value: str, same: Callable[[str], bool], first: bool) -> None:
        import yaml

        ours = [i for i in node.value if isinstance(i, yaml.ScalarNode) and same(i.value)]
        for item in reversed(ours):  # from the end, so that earlier offsets stay valid
            if item.value != value:
                self._splice(item.start_mark.index, item.end_mark.index, scalar(value), reparse=False)
        if ours:
            self.root = _compose(self._text)
        elif node.flow_style:
            self._add_flow(node, value, first)
        else:
            self._add_block(node, value, first)

    def _add_flow(self, node: Any, value: str, first: bool) -> None:
        """A new quoted item in a ``[...]`` list: before its first item, after its last one, or
        alone between the brackets of an empty one."""
        item = scalar(value, flow=True)
        if not node.value:
            at = node.start_mark.index + 1
            self._splice(at, at, item)
        elif first:
            self._splice(node.value[0].start_mark.index, node.value[0].start_mark.index, f"{item}, ")
        else:
            self._splice(node.value[-1].end_mark.index, node.value[-1].end_mark.index, f", {item}")

    def _add_block(self, node: Any, value: str, first: bool) -> None:
        """A new ``- value`` line before the first item or after the last, indented as they are."""
        item = node.value[0] if first else node.value[-1]
        start = line_start(self._text, item.start_mark.index)
        prefix = self._text[start : item.start_mark.index]
        if not re.fullmatch(r"[ ]*-[ ]+", prefix):
            raise WriterRefusedError(f"the list on line {_line(node)} is not one item a line; left for you to fix")
        line = f"{prefix}{scalar(value)}"
        if first:
            self._splice(start, start, line + newline_of(self._text))
            return
        end = BREAK.search(self._text, item.end_mark.index)  # the end of the last item's line
        at, newline = (end.start(), end.group()) if end else (len(self._text), newline_of(self._text))
        self._splice(at, at, newline + line)

    def _splice_end(self, lines: str) -> None:
        """Add ``lines`` at the end of the file, as new top-level keys of its mapping."""
        if self.root is not None and self.root.start_mark.column != 0:
            raise WriterRefusedError(f"the mapping on line {_line(self.root)} is indented; left for you to fix")
        text, newline = self._text, newline_of(self._text)
        if text and not text.endswith(("\n", "\r")):
            text += newline
        self._text = text
        self._splice(len(text), len(text), lines.replace("\n", newline) + newline)

    def _splice(self, start: int, end: int, new: str, reparse: bool = True) -> None:
        self._text = self._text[:start] + new + self._text[end:]
        if reparse:
            self.root = _compose(self._text)


def _is_plain(node: Any, key: str) -> bool:
    return node.style is None and node.value == key and node.tag == STR


def _compose(text: str) -> Any:
    """The root node of ``text`` (None for an empty one), which must be a block mapping: what
    RubyGems can use and this module can edit."""
    root = compose(text, "RubyGems")
    if root is not None and root.flow_style:
        raise WriterRefusedError(f"line {_line(root)}: a flow mapping {{...}}; write it one key a line")
    return root
