"""Reading YAML with line numbers, so that config errors can say where they are.

Mappings load as :class:`Map` (a dict that knows its line and each key's line), sequences as
:class:`Seq`. Duplicate keys, which PyYAML silently lets the last one win, are errors here. String
values are interpolated from the environment (``${VAR}``, :mod:`.interpolation`); keys are not.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import ConfigError
from ..log import one_line
from ..outputs import files
from ..platform import accounts
from . import trust
from .interpolation import InterpolationError, interpolate

MAX_BYTES = 4 * 1024 * 1024  # a thousand domains with three targets each take about 300 KiB


class Map(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each key (keys are strings: the
    loader refuses others); values are what YAML holds (strings, numbers, Map, Seq...)."""

    line = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Seq(list[Any]):
    """A YAML sequence that remembers its line."""

    line = 0


if TYPE_CHECKING:  # CSafeLoader is SafeLoader's constructor and resolver on libyaml's parser
    _Base = yaml.SafeLoader
else:  # libyaml where built: 1,000 domains load in 0.18 s, not 1.5 s
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # a base class chosen at run time
    def __init__(self, stream: str, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(stream)
        self.environ = environ  # None: no interpolation


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Map:
    loader.flatten_mapping(node)
    mapping = Map()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        plain_key = isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR
        key = loader.construct_scalar(key_node) if plain_key else loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise ConfigError(f"keys must be strings, not {kind(key)} ({shown(key)})", line=line)
        if key in mapping:
            raise ConfigError(f"key {shown(key)} appears twice (first on line {mapping.key_lines[key]})", line=line)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    seq = Seq(loader.construct_object(child, deep=True) for child in node.value)
    seq.line = node.start_mark.line + 1
    return seq


_STR = "tag:yaml.org,2002:str"


def _construct_string(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A string value, its ``${VAR}`` references resolved; an unquoted one is read again as YAML
    reads such text (``${PORT:-9464}`` becomes a number)."""
    value = loader.construct_scalar(node)
    if loader.environ is None or "$" not in value:
        return value
    try:
        value = interpolate(value, loader.environ)
    except InterpolationError as e:
        raise ConfigError(str(e), line=node.start_mark.line + 1) from None
    # types-PyYAML leaves BaseResolver.resolve(kind, value, implicit) unannotated: its type here
    resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = loader.resolve
    tag = resolve(yaml.ScalarNode, value, (True, False)) if not node.style else _STR  # libyaml: ""
    if tag == _STR:
        return value
    return loader.construct_object(yaml.ScalarNode(tag, value, node.start_mark, node.end_mark), deep=True)


_Loader.add_constructor(_STR, _construct_string)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def kind(value: object) -> str:
    """How a value reads in a message: 'a string', 'a list', ..."""
    if value is None:
        return "nothing"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        Seq: "a list",
        Map: "a mapping",
    }.get(type(value), type(value).__name__)


SHOWN_MAX = 80  # characters of a value shown in a message


class _Full(Exception):
    """The shown text has reached :data:`SHOWN_MAX`: stop walking the value."""


def shown(value: object) -> str:
    """How a value reads in a message: like ``repr(value)``, cut to :data:`SHOWN_MAX` characters.

    The value is walked only as far as it is shown: YAML aliases can make a 600-byte file hold a
    list of a billion strings, and ``repr`` would build all of it first."""
    parts: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)
        if size > SHOWN_MAX:
            raise _Full

    def walk(v: object) -> None:
        if isinstance(v, dict):
            put("{")
            for i, (k, x) in enumerate(v.items()):
                put(", " if i else "")
                walk(k)
                put(": ")
                walk(x)
            put("}")
        elif isinstance(v, (list, tuple, set, frozenset)):
            put("[")
            for i, x in enumerate(v):
                put(", " if i else "")
                walk(x)
            put("]")
        elif isinstance(v, (str, bytes)):
            put(repr(v[: SHOWN_MAX + 1]))
        elif isinstance(v, int) and not isinstance(v, bool) and abs(v) > 10**30:
            put("a number of over 30 digits")
        elif v is None or isinstance(v, (bool, int, float, datetime.date)):
            put(repr(v))
        else:
            put(f"<{type(v).__name__}>")

    try:
        walk(value)
    except (_Full, RecursionError):
        text = "".join(parts)
        return text[: SHOWN_MAX - 3] + "..."
    return "".join(parts)


def read(path: Path, strict_owner: bool = False, environ: Mapping[str, str] | None = None) -> Any:
    """Parse the YAML file at ``path``; every problem is a ConfigError with its line. With
    ``environ``, string values are interpolated from it (:mod:`.interpolation`).

    With ``strict_owner`` the file is refused, as ssh refuses its config, when someone other than
    this program's user or root could have written it: see :func:`check_owner`.
    """
    try:  # as targets are read: a FIFO or a device at the path cannot hang us
        with files.open_regular(path, follow=True) as f:
            if strict_owner:
                read_only = (trust.is_read_only(f.fileno()), trust.is_read_only(path.parent))
                check_owner(path, os.fstat(f.fileno()), os.stat(path.parent), read_only=read_only)
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such file (set --config or $CODEARTIFACT_REFRESHER_CONFIG)", path) from None
    except files.NotRegularFile as e:
        raise ConfigError(f"is {e.kind}, not a config file", path) from None
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror}", path) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"is larger than {MAX_BYTES // 2**20} MiB; that is not a config file", path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError("not UTF-8 text", path, data[: e.start].count(b"\n") + 1) from None
    return parse_text(text, path, environ)


def parse_text(text: str, path: Path, environ: Mapping[str, str] | None = None) -> Any:
    """Parse config ``text`` (that of the file at ``path``, named in errors), as :func:`read` does."""
    try:
        return _load(text, environ)
    except ConfigError as e:
        raise ConfigError(e.message, path, e.line) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(_yaml_message(e, text, line), path, line) from None
    except yaml.YAMLError as e:
        raise ConfigError(f"not valid YAML: {type(e).__name__}", path) from None
    except (ValueError, OverflowError) as e:  # a scalar PyYAML cannot build: a 5,000-digit number, 2024-13-45
        raise ConfigError(f"not valid YAML: a value cannot be read ({one_line(e, 80)})", path) from None
    except RecursionError:
        raise ConfigError("not a config: nested too deeply (or an alias that contains itself)", path) from None


def _load(text: str, environ: Mapping[str, str] | None) -> Any:
    """``yaml.load`` with our (safe) loader, given the environment to interpolate from."""
    loader = _Loader(text, environ)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


#: PyYAML's and libyaml's words for a line that is not where the structure expects it
INDENTATION_PROBLEMS = (
    "did not find expected key",
    "did not find expected '-' indicator",
    "mapping values are not allowed",
    "expected <block end>",
)
INDENTATION_HINT = (
    "check the indentation of line {line} and the lines above it: the keys of one mapping start in "
    "the same column, and a list item's keys line up after its '- '"
)


def _yaml_message(e: yaml.MarkedYAMLError, text: str, line: int | None) -> str:
    """PyYAML's complaint as one bounded line, with what to fix when we can tell."""
    problem = one_line(e.problem or e.context or "", 150)
    message = f"not valid YAML: {problem}"
    context_line = e.context_mark.line + 1 if e.context_mark else None
    if e.problem and e.context and context_line != line:
        message += f" ({one_line(e.context, 150)} on line {context_line})"
    source = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
    if "\t" in source[: len(source) - len(source.lstrip())]:
        return f"{message}; line {line} is indented with a tab: YAML indents with spaces only"
    if any(p in problem for p in INDENTATION_PROBLEMS):
        return f"{message}; {INDENTATION_HINT.format(line=line)}"
    if "could not find expected ':'" in problem:
        return f"{message}; a key needs ':' after it (check line {context_line or line})"
    return message


def check_owner(
    path: Path,
    st: os.stat_result,
    parent: os.stat_result,
    euid: int | None = None,
    read_only: tuple[bool, bool] = (False, False),
) -> None:
    """Refuse a config that someone other than this program's user (``euid``) or root could have
    written, as ssh refuses its config: the file and its directory must be trusted (see
    :mod:`.trust`), since whoever can change the config chooses the commands its hooks run.
    ``read_only`` says whether the file and the directory are on read-only file systems."""
    euid = os.geteuid() if euid is None else euid
    checked = (("", path, st, read_only[0]), (f"its directory {path.parent} ", path.parent, parent, read_only[1]))
    for subject, target, info, ro in checked:
        found = trust.problem(target, info, euid, ro)
        if found is not None:
            raise ConfigError(
                f"{subject}{found.problem}; running as {accounts.user_name(euid)}, the config must be writable "
                f"by {trust.allowed(euid)} ({found.fix})",
                path,
            )
