"""YAML files as Yarn Berry reads them (``.yarnrc.yml``), edited in place by splicing.

Yarn parses its rc files with js-yaml's failsafe schema (``@yarnpkg/parsers`` ``syml.ts``,
``parseSyml``): every scalar is a string, which Yarn's settings then convert (``"true"`` for a
boolean); a top level that is not a mapping is refused. A *mapping* is a YAML mapping node, block
(one key a line) or flow (``{key: value}``); a *path* is the list of keys from the top.

An edit *splices* (``yaml_splice.py``): a value is replaced, or new keys are inserted, at the
offsets PyYAML gives, so every byte around it (comments, quoting, indentation, line ends, other
settings) stays as written. New keys take the column of their mapping's keys, and nest by the
file's own indentation step (2 spaces in a file that shows none); in a flow mapping they are
written in flow style, quoted. Each edit composes its result again and checks that every setting
reads as before but the one written, which must read as written; anything else is refused.

Refused, naming the line or the key (never a value): text that is not YAML, several documents, a
key twice in one mapping (js-yaml in Yarn's ``json`` mode would keep the last, silently), and an
edit through a node shared by a YAML alias (``*name``), which would change the other place too.
A merge key (``<<: *name``) is one more key: we never edit through it.

PyYAML is imported when a document is made, not when this module is: ``check`` loads every
writer class and must stay light.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ...errors import WriterError, WriterRefusedError
from . import references
from .lines import check_text
from .yaml_splice import BREAK, STR, compose, line, line_end, newline, scalar

#: what a setting reads as, to check an edit: (tag, text) of a scalar, ("map"/"seq", "") when empty
Leaves = dict[tuple[Any, ...], tuple[str, str]]
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


class YarnrcDocument:
    """One ``.yarnrc.yml``, whose top level is a mapping. ``text`` None or empty is a new file."""

    def __init__(self, text: str | None) -> None:
        self._text = text or ""
        check_text(self._text)
        self._parse()

    def _parse(self) -> None:
        self.root = compose(self._text, "Yarn")
        self.shared = _shared_and_unique(self.root)

    def text(self) -> str:
        return self._text

    # -- reading ----------------------------------------------------------------------------------

    def node(self, *keys: str) -> Any:
        """The value node at ``keys``, or None."""
        node = self.root
        for key in keys:
            pair = _pair(node, key)
            if pair is None:
                return None
            node = pair[1]
        return node

    def keys(self, *keys: str) -> list[str]:
        """The (scalar) keys of the mapping at ``keys``; none when it is missing or not a mapping."""
        import yaml

        node = self.node(*keys)
        if not isinstance(node, yaml.MappingNode):
            return []
        return [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]

    def walk_strings(self) -> Iterator[tuple[tuple[str, ...], str]]:
        """Every scalar value with its key path (list items give their parent's key)."""
        return (
            (tuple(str(k) for k in path if isinstance(k, str)), value)
            for path, (_, value) in _leaves(self.root).items()
            if path and value
        )

    # -- editing ----------------------------------------------------------------------------------

    def set(self, keys: tuple[str, ...], key: str, value: str | bool) -> None:
        """Set ``key`` in the mapping at ``keys`` (made when missing) to ``value``, leaving the
        node (and its comment) alone when it already reads as ``value``."""
        import yaml

        target, want = (*keys, key), _reads_as(value)
        before = _leaves(self.root)
        chain: list[Any] = []
        mapping = self.root
        for depth, name in enumerate(target):
            if mapping is not None:
                chain.append(mapping)
            pair = _pair(mapping, name)
            if pair is None or (depth < len(keys) and pair[1].tag == _NULL):
                self._add(chain, pair, target[depth:], value)
                break
            node, where = pair[1], f"{'.'.join(target[: depth + 1])} (line {line(pair[0])})"
            if id(node) in self.shared:  # an edit through it would change the other places too
                raise WriterRefusedError(
                    f"{where} is a YAML alias (*name) of a node used elsewhere; left for you to fix"
                )
            if depth < len(keys):
                if not isinstance(node, yaml.MappingNode):
                    raise WriterRefusedError(f"{where} is not a mapping; left for you to fix")
                mapping = node
            elif not isinstance(node, yaml.ScalarNode):
                raise WriterRefusedError(f"{where} is not a single value; left for you to fix")
            elif (node.tag, node.value) != want:
                references.replaced(".".join(target), node.value)
                self._replace(node, value, mapping.flow_style)
        self._check(before, target, want)

    def _replace(self, node: Any, value: str | bool, flow: bool) -> None:
        """Write ``value`` over the scalar ``node``, keeping the line break a block scalar ends in."""
        start, end = node.start_mark.index, node.end_mark.index
        tail = BREAK.search(self._text[start:end][-2:]) if node.style in ("|", ">") else None
        lead = " " if start == end else ""  # ``key:`` with no value
        self._splice(start, end, lead + _value(value, flow) + (tail.group() if tail else ""))

    def _add(self, chain: list[Any], pair: Any, path: tuple[str, ...], value: str | bool) -> None:
        """Write ``path`` (the keys still missing, the first one maybe present with no value) and
        ``value`` into the innermost mapping of ``chain`` (the file itself when there is none)."""
        mapping: Any = chain[-1] if chain else None
        if pair is not None:  # ``key:`` or ``key: ~``: the rest goes under it, where its value was
            key, null = pair
            self._splice(null.start_mark.index, null.end_mark.index, "")
            if mapping.flow_style:
                at = null.start_mark.index
                lead = "" if self._text[at - 1] == " " else " "
                self._splice(at, at, f"{lead}{{{_flow(path[1:], value)}}}")
            else:
                column = key.start_mark.column + _step(chain)
                at = line_end(self._text, null.start_mark.index)
                self._splice(at, at, self._newline() + _block(path[1:], value, column, _step(chain), self._newline()))
        elif mapping is None:  # an empty file, or only comments
            text = self._text
            end = "" if not text or text.endswith(("\n", "\r")) else self._newline()
            self._splice(len(text), len(text), end + _block(path, value, 0, 2, self._newline()) + self._newline())
        elif mapping.flow_style:
            at, sep = (_end(mapping.value[-1]), ", ") if mapping.value else (mapping.start_mark.index + 1, "")
            self._splice(at, at, sep + _flow(path, value))
        else:
            self._add_block(chain, path, value)

    def _add_block(self, chain: list[Any], path: tuple[str, ...], value: str | bool) -> None:
        """New lines after the last of the block mapping ``chain[-1]``'s lines, at its keys' column."""
        mapping = chain[-1]
        new = _block(path, value, mapping.value[0][0].start_mark.column, _step(chain), self._newline())
        at = _end(mapping.value[-1])
        if at and self._text[at - 1] in "\r\n":  # after a block scalar, which ends its own line
            self._splice(at, at, new + self._newline())
        else:
            at = line_end(self._text, at)
            self._splice(at, at, self._newline() + new)

    def _newline(self) -> str:
        return newline(self._text)

    def _splice(self, start: int, end: int, new: str) -> None:
        self._text = self._text[:start] + new + self._text[end:]

    def _check(self, before: Leaves, target: tuple[str, ...], want: tuple[str, str]) -> None:
        """Compose the edited text: every setting must read as ``before``, but ``target``, which
        reads as ``want`` (and what it replaced: an empty value or mapping on its way)."""
        try:
            self._parse()
        except WriterError:
            raise WriterError(f"could not set {'.'.join(target)} without breaking the file") from None
        expected = {path: v for path, v in before.items() if path != target[: len(path)]}
        expected[target] = want
        if _leaves(self.root) != expected:
            raise WriterError(f"could not set {'.'.join(target)} without changing the rest of the file")


def _pair(mapping: Any, key: str) -> Any:
    """The (key node, value node) of ``key`` in ``mapping``, or None. Keys match by their text, as
    Yarn's failsafe parsing reads every key as a string."""
    import yaml

    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((p for p in mapping.value if isinstance(p[0], yaml.ScalarNode) and p[0].value == key), None)


def _reads_as(value: str | bool) -> tuple[str, str]:
    return (_BOOL, "true" if value else "false") if isinstance(value, bool) else (STR, value)


def _value(value: str | bool, flow: bool) -> str:
    return _reads_as(value)[1] if isinstance(value, bool) else scalar(value, flow)


def _block(path: tuple[str, ...], value: str | bool, column: int, step: int, nl: str) -> str:
    """``path`` as nested block mapping lines (no final line break), the first at ``column``."""
    lines = [f"{' ' * (column + i * step)}{scalar(key)}:" for i, key in enumerate(path)]
    lines[-1] += f" {_value(value, False)}"
    return nl.join(lines)


def _flow(path: tuple[str, ...], value: str | bool) -> str:
    """``path`` as nested flow mapping entries: ``"a": {"b": value}``."""
    text = f"{json.dumps(path[-1])}: {_value(value, True)}"
    for key in reversed(path[:-1]):
        text = f"{json.dumps(key)}: {{{text}}}"
    return text


def _end(pair: Any) -> int:
    """The offset where the text of a mapping entry ends: its value's last scalar or flow
    collection, or its key's end when the value is an alias (whose node lies elsewhere)."""
    import yaml

    key, node = pair
    after = key.end_mark.index
    while node.start_mark.index >= after:  # else an alias: the node it names lies before
        if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) or node.flow_style:
            return int(node.end_mark.index)
        if isinstance(node, yaml.SequenceNode):
            after, node = node.start_mark.index, node.value[-1]
        else:
            key, node = node.value[-1]
            after = key.end_mark.index
    if key.end_mark.index == after:
        return int(after)  # ``key: *name``
    raise WriterRefusedError(f"line {line(key)}: a list ending in a YAML alias (*name); left for you to fix")


def _step(chain: list[Any]) -> int:
    """The file's indentation step: how far a block mapping sits under its key, seen first in the
    mappings around the edit, from the inside out, else anywhere in the file; else 2."""
    import yaml

    seen: set[int] = set()
    queue = list(reversed(chain))
    while queue:
        mapping = queue.pop(0)
        if id(mapping) in seen or mapping.flow_style:
            continue
        seen.add(id(mapping))
        for key, node in mapping.value:
            if isinstance(node, yaml.MappingNode) and not node.flow_style:
                first = node.value[0][0].start_mark  # not the node's own: that may be its &anchor
                if first.column > key.start_mark.column and first.index > key.end_mark.index:
                    return int(first.column - key.start_mark.column)
                queue.append(node)
    return 2


def _shared_and_unique(root: Any) -> set[int]:
    """The ids of the nodes that appear in more than one place (``&name`` and ``*name``: the same
    node); a key twice in one mapping is refused, naming its lines."""
    import yaml

    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and first.setdefault(key.value, line(key)) != line(key):
                    raise WriterError(
                        f"line {line(key)}: a key set twice in one mapping (first on line {first[key.value]})"
                    )
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return shared


def _leaves(node: Any, path: tuple[Any, ...] = (), inside: frozenset[int] = frozenset()) -> Leaves:
    """What every setting under ``node`` reads as, by path (list items by index, keys by text)."""
    import yaml

    if node is None:
        return {}
    if id(node) in inside:
        raise WriterError(f"line {line(node)}: a YAML alias (*name) inside the node it names")
    if isinstance(node, yaml.ScalarNode):
        return {path: (node.tag, node.value)}
    found: Leaves = {} if node.value else {path: ("map" if isinstance(node, yaml.MappingNode) else "seq", "")}
    inside |= {id(node)}
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found |= _leaves(item, (*path, i), inside)
    for i, (key, value) in enumerate(node.value if isinstance(node, yaml.MappingNode) else ()):
        found |= _leaves(value, (*path, key.value if isinstance(key, yaml.ScalarNode) else f"?{i}"), inside)
    return found
