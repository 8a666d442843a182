"""The core of the YAML editors that *splice* (``ruby_yaml.py`` for RubyGems, ``yarnrc.py`` for Yarn).

PyYAML composes a text into *nodes* that carry *marks*: the line, column and character offset
where each node starts and ends. An editor changes a file by replacing or inserting text at
those offsets, so that every byte around the edit (comments, quoting, indentation, blank lines,
line ends) stays as written; it then composes the result again and refuses one that no longer
holds what it wrote. This module holds what both editors need: composing with errors that name a
line (never the text, which may hold a secret), YAML scalars that read back exactly, and the
places of lines. YAML ends a line at ``\\r\\n``, ``\\r`` or ``\\n`` (PyYAML, Psych and js-yaml).

PyYAML is imported inside the functions: ``check`` loads every writer and must stay light.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ...errors import WriterError

#: a line break as YAML reads one
BREAK = re.compile(r"\r\n|\r|\n")
#: a string that may be written plain (no quotes) in block context, when it also resolves to a string
_PLAIN = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./:@%=+~-]*(?: [A-Za-z0-9_./:@%=+~-]+)*")
#: the tag PyYAML resolves a plain or quoted string to
STR = "tag:yaml.org,2002:str"


def compose(text: str, reader: str) -> Any:
    """The root node of ``text``'s only document, None for an empty one (or one holding only
    ``null``); ``reader`` (the tool) names what reads the file in the message for several documents.
    A root that is not a mapping is refused: every tool here reads one."""
    import yaml

    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as e:  # its message may quote the text: keep only the place
        mark = e.problem_mark or e.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise WriterError(f"not valid YAML{where}") from None
    except (yaml.YAMLError, RecursionError) as e:
        raise WriterError(f"not valid YAML ({type(e).__name__})") from None
    if len(documents) > 1:
        raise WriterError(f"holds {len(documents)} YAML documents; {reader} reads one mapping")
    root = documents[0] if documents else None
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == "tag:yaml.org,2002:null"):
        return None
    if not isinstance(root, yaml.MappingNode):
        kind = type(root).__name__.removesuffix("Node").lower()
        raise WriterError(f"line {line(root)}: the file holds a YAML {kind}, not a mapping")
    return root


def scalar(value: str, flow: bool = False) -> str:
    """``value`` as a YAML scalar that reads back as the same string: plain when that resolves to
    a string (not ``true``, ``null``, ``12``...), else double-quoted (JSON's escapes are YAML's).
    In a flow collection (``{...}``, ``[...]``) it is always quoted."""
    import yaml

    plain = _PLAIN.fullmatch(value) and ": " not in value and not value.endswith(":")
    # types-PyYAML leaves BaseResolver.resolve(kind, value, implicit) unannotated: its type here
    resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = yaml.resolver.Resolver().resolve
    if plain and not flow and resolve(yaml.ScalarNode, value, (True, False)) == STR:
        return value
    return json.dumps(value)


def line(node: Any) -> int:
    """The line ``node`` starts on, counting from 1."""
    return int(node.start_mark.line) + 1


def line_start(text: str, index: int) -> int:
    """The offset of the first character of the line holding ``index``."""
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def line_end(text: str, index: int) -> int:
    """The offset of the line break ending the line holding ``index`` (the text's length when the
    last line has none)."""
    found = BREAK.search(text, index)
    return found.start() if found else len(text)


def newline(text: str) -> str:
    """The line break the text already uses (its first), so that added lines match it."""
    found = BREAK.search(text)
    return found.group() if found else "\n"
