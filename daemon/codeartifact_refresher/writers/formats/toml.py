"""TOML files as uv, poetry, pdm, bun and cargo read them, edited in place with tomlkit.

tomlkit keeps every byte it is not asked to change (comments, order, blank lines, quoting), so a
writer sets only the keys its target owns. Messages name lines and keys, never values.

tomlkit is imported when a document is made, not when this module is: ``check`` loads every
writer class and must stay light (a test holds it to that).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ...errors import WriterError, WriterRefusedError
from . import references, urls
from .lines import check_text

#: a quoted TOML string, basic or literal (what :func:`secrets` falls back on in unparseable text)
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'([^\'\n]*)\'')


def parsed(text: str, tool: str) -> dict[str, Any]:
    """``text`` parsed afresh into plain values (a new parse of the rendered text, not the
    document that edited it); text a TOML parser refuses raises :class:`WriterRefusedError`
    naming the line and column only."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        data: dict[str, Any] = tomlkit.parse(text).unwrap()
    except ParseError as e:
        raise WriterRefusedError(f"{tool} would not read the result as TOML (line {e.line}, column {e.col})") from None
    return data


def read_back(text: str, tool: str, *entries: tuple[tuple[str, ...], str]) -> list[tuple[str, str, str | None]]:
    """Each entry (its keys, the value written) read back from a new parse of ``text``
    (:func:`parsed`): ``(dotted keys, value written, value read or None)``."""
    data = parsed(text, tool)
    found: list[tuple[str, str, str | None]] = []
    for keys, written in entries:
        value: Any = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        found.append((dotted(keys), written, value if isinstance(value, str) else None))
    return found


def set_in(table: Any, key: str, value: Any) -> None:
    """Set ``key`` in a tomlkit ``table`` to ``value``, keeping the line's indent and comment, and
    every byte when the value is already right."""
    import tomlkit

    if key not in table:
        table[key] = value
        return
    current = table[key]
    plain = current.unwrap() if hasattr(current, "unwrap") else current
    if plain == value and type(plain) is type(value):
        return
    for part, old in plain.items() if isinstance(plain, dict) else [("", plain)]:  # bun's { url, token }
        references.replaced(f"{key}.{part}" if part else key, old)
    item = tomlkit.item(value)
    old, new = getattr(current, "trivia", None), getattr(item, "trivia", None)
    if old is not None and new is not None:
        new.indent, new.comment_ws, new.comment, new.trail = old.indent, old.comment_ws, old.comment, old.trail
    table[key] = item


def dotted(keys: Iterable[str]) -> str:
    """``keys`` as a TOML dotted key, quoting the parts that need it (``registries."a.b"``)."""
    import tomlkit

    return ".".join(tomlkit.key(k).as_string() for k in keys)


class TomlDocument:
    """One TOML file. ``text`` None or empty is a new file."""

    def __init__(self, text: str | None) -> None:
        import tomlkit
        from tomlkit.exceptions import ParseError

        text = text or ""
        check_text(text)
        self.crlf = "\r\n" in text and "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
        try:
            self.doc = tomlkit.parse(text)
        except ParseError as e:  # its message may quote the offending text: keep only the place
            raise WriterError(f"not valid TOML (line {e.line}, column {e.col})") from None
        except Exception as e:  # tomlkit raises other errors on some malformed input
            raise WriterError(f"not valid TOML ({type(e).__name__})") from None

    def text(self) -> str:
        """The file, with the lines tomlkit added ending as the file's own do (it adds LF ones)."""
        text = self.doc.as_string()
        return re.sub(r"(?<!\r)\n", "\r\n", text) if self.crlf else text

    # -- reading ----------------------------------------------------------------------------------

    def get(self, *keys: str) -> Any:
        """The value at ``keys`` (tomlkit items unwrapped to plain Python), or None."""
        node: Any = self.doc
        for key in keys:
            if not hasattr(node, "get") or key not in node:
                return None
            node = node[key]
        return node.unwrap() if hasattr(node, "unwrap") else node

    def walk_strings(self) -> Iterator[tuple[tuple[str, ...], str]]:
        """Every string value in the file with its key path (arrays give their parent's key)."""

        def walk(node: Any, where: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
            if isinstance(node, dict):
                for k, v in node.items():
                    yield from walk(v, (*where, str(k)))
            elif isinstance(node, list):
                for v in node:
                    yield from walk(v, where)
            elif isinstance(node, str):
                yield where, node

        yield from walk(self.doc.unwrap(), ())

    # -- editing ----------------------------------------------------------------------------------

    def table(self, *keys: str) -> Any:
        """The table at ``keys``, made (as ``[a.b]`` headers, or inline inside an inline table)
        when missing. A key that holds something other than a table is the user's: refused."""
        import tomlkit
        from tomlkit.items import InlineTable, Table

        node: Any = self.doc
        for depth, key in enumerate(keys):
            if key not in node:
                made = tomlkit.inline_table() if isinstance(node, InlineTable) else tomlkit.table(is_super_table=None)
                if not isinstance(made, InlineTable) and depth < len(keys) - 1:
                    made = tomlkit.table(is_super_table=True)
                if hasattr(node, "append"):
                    node.append(key, made)
                else:  # a table whose parts are out of order ([a.x], [b], [a.y]): tomlkit's proxy
                    node[key] = made
            child = node[key]
            if not isinstance(child, (Table, InlineTable, dict)) or isinstance(child, list):
                raise WriterRefusedError(f"{dotted(keys[: depth + 1])} is not a table; left for you to fix")
            node = child
        return node

    def set(self, keys: tuple[str, ...], key: str, value: Any) -> None:
        """Set ``key`` in the table at ``keys`` to ``value`` (see :func:`set_in`)."""
        set_in(self.table(*keys), key, value)

    def tables(self, key: str) -> list[Any]:
        """The tables of the top-level array ``key`` (``[[key]]`` headers or ``key = [{...}]``),
        in file order; empty when ``key`` is missing. Anything else under ``key`` is refused."""
        from tomlkit.items import AoT, Array

        if key not in self.doc:
            return []
        node = self.doc[key]
        if not isinstance(node, (AoT, Array)) or not all(isinstance(t, dict) for t in node):
            raise WriterRefusedError(f"{dotted([key])} is not an array of tables; left for you to fix")
        return list(node)

    def add_table(self, key: str, values: dict[str, Any]) -> None:
        """Append a table holding ``values`` to the top-level array ``key``: a ``[[key]]`` header
        (or an inline table when the file writes the array inline)."""
        import tomlkit

        text = self.text()
        self._append_table(key, values)
        if text and not text.endswith("\n") and self.text().startswith(text):
            # ours went after the user's last line, which has no end: it gets one, and ours its own
            # line (only then: a table that goes before the end leaves the user's bytes alone)
            self.doc = tomlkit.parse(text + ("\r\n" if "\r\n" in text else "\n"))
            self._append_table(key, values)

    def _append_table(self, key: str, values: dict[str, Any]) -> None:
        import tomlkit
        from tomlkit.items import Array

        node = self.doc.get(key)
        if isinstance(node, Array):
            inline = tomlkit.inline_table()
            inline.update(values)
            node.append(inline)
            return
        table = tomlkit.table()
        table.update(values)
        if node is None:
            self.doc.append(key, tomlkit.aot())
        self.doc[key].append(table)

    def remove(self, keys: tuple[str, ...], key: str) -> None:
        """Remove ``key`` from the table at ``keys`` when it is there."""
        table = self.get(*keys)
        if table is not None and key in table:
            del self.table(*keys)[key]


def secrets(text: str, is_secret: Callable[[tuple[str, ...]], bool]) -> list[str]:
    """Every string value of ``text`` whose key path ``is_secret`` (a ``password``, a token...),
    and the secret part of every URL's userinfo. Text that does not parse gives every quoted
    string in it instead: too much is harmless where this is used (redacting diffs)."""
    try:
        found = [value for where, value in TomlDocument(text).walk_strings() if is_secret(where)]
    except WriterError:
        found = [a or b for a, b in _STRING.findall(text)]
    return [v for v in found if v] + urls.secrets(text)
