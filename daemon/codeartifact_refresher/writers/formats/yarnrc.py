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
from .lines import check_text


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long token onto two lines
    return yaml


class YarnrcDocument:
    """One YAML file whose top level is a mapping. ``text`` None or empty is a new file."""

    def __init__(self, text: str | None) -> None:
        from ruamel.yaml.comments import CommentedMap
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        text = text or ""
        check_text(text)
        try:
            data = _yaml().load(text)
        except MarkedYAMLError as e:  # its message may quote the offending text: keep the place
            mark = e.problem_mark or e.context_mark
            line = f"line {mark.line + 1}" if mark is not None else "unknown line"
            raise WriterError(f"not valid YAML ({line})") from None
        except (YAMLError, ValueError) as e:
            raise WriterError(f"not valid YAML ({type(e).__name__})") from None
        if data is None:
            data = CommentedMap()
        if not isinstance(data, CommentedMap):
            raise WriterError("not a YAML mapping at the top level (line 1)")
        self.data = data

    def text(self) -> str:
        if not self.data:
            return ""
        out = io.StringIO()
        _yaml().dump(self.data, out)
        return out.getvalue()

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
            if not isinstance(node, CommentedMap):
                where = ".".join(keys[: depth + 1])
                raise WriterRefusedError(f"{where} is not a mapping; left for you to fix")
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
