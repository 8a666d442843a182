"""YAML files as Yarn Berry reads them (``.yarnrc.yml``), edited in place with ruamel.yaml.

ruamel.yaml's round-trip mode keeps comments, key order, quoting and flow style of everything it
is not asked to change (PyYAML drops comments). A *mapping* is a YAML mapping node; a *path* is
the list of keys from the top. The top level of a ``.yarnrc.yml`` must be a mapping (Yarn's
``parseSyml`` refuses anything else); duplicate keys are refused as Yarn refuses them. Messages
name lines, never values.

ruamel.yaml is imported when a document is made, not when this module is: ``check`` loads every
writer class and must stay light.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from ...errors import WriterError, WriterRefusedError
from .lines import check_text, split_lines


def _flush_sequences(text: str) -> bool:
    """Whether the file's first block sequence starts at its key's column (``key:\n- item``),
    rather than indented under it as Yarn writes them (``key:\n  - item``)."""
    previous = ""
    for line in text.splitlines():
        if line.lstrip().startswith("- ") and previous.rstrip().endswith(":"):
            return len(line) - len(line.lstrip()) == len(previous) - len(previous.lstrip())
        if line.strip(" \t\r\n") and not line.lstrip(" \t").startswith("#"):
            previous = line
    return False


def _crlf_only(text: str) -> bool:
    """Whether every line of ``text`` ends in CR LF (a file that mixes line ends is written as
    ruamel.yaml writes it)."""
    rest = text.replace("\r\n", "")
    return len(rest) < len(text) and "\r" not in rest and "\n" not in rest


def _yaml(text: str = "") -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long token onto two lines
    # ruamel.yaml re-indents every sequence one way: the way this file (else Yarn) writes them
    yaml.indent(mapping=2, sequence=2, offset=0) if _flush_sequences(text) else yaml.indent(
        mapping=2, sequence=4, offset=2
    )
    return yaml


def _load(text: str, offset: int) -> Any:
    """``text`` parsed; an error names its line, ``offset`` lines into the file, never its text."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _yaml().load(text)
    except MarkedYAMLError as e:  # its message may quote the offending text: keep the place
        mark = e.problem_mark or e.context_mark
        line = f"line {mark.line + 1 + offset}" if mark is not None else "unknown line"
        raise WriterError(f"not valid YAML ({line})") from None
    except (YAMLError, ValueError) as e:
        raise WriterError(f"not valid YAML ({type(e).__name__})") from None


def _shared(data: Any) -> set[int]:
    """The ids of the mappings and lists that appear in more than one place (``&name`` and
    ``*name``): the same object, so that setting a key in one sets it in every other."""
    seen: set[int] = set()
    shared: set[int] = set()

    def walk(node: Any) -> None:
        if not isinstance(node, (dict, list)):
            return
        if id(node) in seen:
            shared.add(id(node))
            return
        seen.add(id(node))
        for child in node.values() if isinstance(node, dict) else node:
            walk(child)

    walk(data)
    return shared


class YarnrcDocument:
    """One YAML file whose top level is a mapping. ``text`` None or empty is a new file."""

    def __init__(self, text: str | None) -> None:
        from ruamel.yaml.comments import CommentedMap

        text = (text or "").removeprefix("\ufeff")  # a byte order mark is not kept (YAML allows one)
        check_text(text)
        lines = split_lines(text)
        start = next(
            (i for i, line in enumerate(lines) if line.strip(" \t\r\n") and not line.lstrip(" \t").startswith("#")),
            len(lines),
        )
        # the comments and blanks before the first setting are kept as they are, outside ruamel.yaml
        # (which drops blank lines there); the settings after them are its document
        self.header, body = "".join(lines[:start]), "".join(lines[start:])
        _load(self.header, 0)  # only comments, but held to YAML's characters all the same
        data = _load(body, start)
        if data is None:
            data = CommentedMap()
        if not isinstance(data, CommentedMap):
            raise WriterError(f"not a YAML mapping at the top level (line {start + 1})")
        self.data = data
        self.source = body
        self.shared = _shared(data)

    def text(self) -> str:
        if not self.data:
            return self.header
        out = io.StringIO()
        _yaml(self.source).dump(self.data, out)
        # a header ending in a lone CR gets its LF: a YAML line break, and a line for every tool
        header = self.header if not self.header or self.header.endswith("\n") else self.header + "\n"
        body = out.getvalue()
        if _crlf_only(self.source):  # ruamel.yaml writes LF (but for comments, kept as read): make it CR LF
            body = body.replace("\r\n", "\n").replace("\n", "\r\n")
        return header + body

    def get(self, *keys: str) -> Any:
        """The node at ``keys``, or None."""
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def mapping(self, *keys: str) -> Any:
        """The mapping at ``keys``, made when missing; a key holding something else is refused."""
        from ruamel.yaml.comments import CommentedMap

        node: Any = self.data
        for depth, key in enumerate(keys):
            if node.get(key) is None:
                node[key] = CommentedMap()
            node = node[key]
            where = ".".join(keys[: depth + 1])
            if not isinstance(node, CommentedMap):
                raise WriterRefusedError(f"{where} is not a mapping; left for you to fix")
            if id(node) in self.shared:  # an edit through it would change the other places too
                raise WriterRefusedError(
                    f"{where} is a YAML alias (*name) of a mapping used elsewhere; left for you to fix"
                )
        return node

    def set(self, keys: tuple[str, ...], key: str, value: Any) -> None:
        """Set ``key`` in the mapping at ``keys``, leaving the node (and its comment) alone when
        it already holds ``value``."""
        table = self.mapping(*keys)
        if key in table and table[key] == value and type(table[key]) is type(value):
            return
        table[key] = value

    def walk_strings(self) -> Iterator[tuple[tuple[str, ...], str]]:
        """Every string scalar with its key path (list items give their parent's key)."""

        def walk(node: Any, where: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
            if isinstance(node, dict):
                for k, v in node.items():
                    yield from walk(v, (*where, str(k)))
            elif isinstance(node, list):
                for v in node:
                    yield from walk(v, where)
            elif isinstance(node, str):
                yield where, str(node)

        yield from walk(self.data, ())
