"""Writer options: the keys a target may add for its writer, as a frozen dataclass per writer.

An *option* is a field of the writer's ``Options`` dataclass, declared with :func:`option` (or
:func:`path_option`). Its *annotation* gives its type (``Literal["primary", "extra"]`` lists the
allowed values); its *metadata* holds what the config checker needs: a ``pattern`` the value must
match, the ``expected`` text of the error ("expected an npm scope such as ..."), an extra
``check``, a ``description`` for the JSON schema, and for a path option the file *role* it moves.
Validation runs in ``__post_init__``, so ``Options(index="bogus")`` fails as a config would; the
checker calls :func:`validate` field by field to name the line of a bad value.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

#: Validates one option value: returns the value to use or raises ValueError saying what was expected.
Check = Callable[[Any], Any]
#: The JSON schema of a path (the same as the target's ``path`` key).
PATH_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": "^(/|~)[^\\u0000-\\u001f\\u007f]*$",
    "not": {"pattern": "(^|/)\\.\\.(/|$)"},
    "maxLength": 4096,
}


def option(
    default: Any = None,
    *,
    pattern: str | None = None,
    expected: str | None = None,
    check: Check | None = None,
    description: str = "",
    required: bool = False,
    schema: Mapping[str, Any] | None = None,
) -> Any:
    """A field of an ``Options`` dataclass, with what validates it and describes it. A
    ``required`` option must be in every target of the writer (the config check says so); its
    default is only for a writer made without a config (``codeartifact-refresher writers``).
    ``schema`` adds JSON schema keywords (a list's ``items``)."""
    meta = {
        "pattern": pattern,
        "expected": expected,
        "check": check,
        "description": description,
        "required": required,
        "schema": schema,
    }
    return dataclasses.field(default=default, metadata=meta)


def npm_scope(description: str) -> Any:
    """An optional npm scope (``@acme``), as npm and the tools that share its registries take it."""
    return option(
        None,
        pattern=r"^@[a-z0-9][a-z0-9._~-]*$",
        expected="expected an npm scope such as '@acme' (lowercase, starting with @)",
        description=description,
    )


def not_one_of(names: Iterable[str], expected: str) -> Check:
    """A ``check`` refusing ``names`` (a tool's own setting names, reserved sections)."""
    refused = frozenset(names)

    def check(value: Any) -> Any:
        if value in refused:
            raise ValueError(expected)
        return value

    return check


def path_option(role: str, description: str = "") -> Any:
    """A field holding the path of the writer's file ``role`` (else its default). The checker
    reads it as it reads ``path``: absolute or ``~/``, no ``..``."""
    return dataclasses.field(default=None, metadata={"role": role, "description": description})


@dataclasses.dataclass(frozen=True)
class Options:
    """The base of every writer's options; a writer without options uses it as it is."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                object.__setattr__(self, f.name, validate(type(self), f.name, value))


def names(cls: type[Options]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def required(cls: type[Options]) -> tuple[str, ...]:
    """The options every target of the writer must give."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("required"))


def path_roles(cls: type[Options]) -> dict[str, str]:
    """Option name -> the file role whose path it sets."""
    return {f.name: f.metadata["role"] for f in dataclasses.fields(cls) if f.metadata.get("role")}


def choices(cls: type[Options], name: str) -> tuple[Any, ...] | None:
    """The values a ``Literal[...]`` annotation allows (None inside ``X | None`` too), else None."""
    hint = typing.get_type_hints(cls)[name]
    args = [hint]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
    if len(args) == 1 and typing.get_origin(args[0]) is Literal:
        return typing.get_args(args[0])
    return None


def validate(cls: type[Options], name: str, value: Any) -> Any:
    """The value to use for option ``name``, or ValueError with the field's ``expected`` text."""
    f = {f.name: f for f in dataclasses.fields(cls)}[name]
    meta: Mapping[str, Any] = f.metadata
    if meta.get("role"):
        if not isinstance(value, (str, Path)):
            raise ValueError("expected a file path")
        return Path(value)
    allowed = choices(cls, name)
    if allowed is not None and value not in allowed:
        raise ValueError(meta.get("expected") or f"expected one of {', '.join(map(str, allowed))}")
    pattern = meta.get("pattern")
    if pattern is not None and not (isinstance(value, str) and re.fullmatch(pattern, value)):
        raise ValueError(meta.get("expected") or f"expected a string matching {pattern}")
    check = meta.get("check")
    return check(value) if check is not None else value


def schema(cls: type[Options]) -> dict[str, Any]:
    """The JSON schema properties of these options (``configs/schema.json`` holds a copy)."""
    props: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        meta = f.metadata
        prop: dict[str, Any] = dict(PATH_SCHEMA) if meta.get("role") else {}
        allowed = choices(cls, f.name)
        if allowed is not None:
            prop["enum"] = list(allowed)
        if meta.get("pattern"):
            prop.update(type="string", pattern=meta["pattern"])
        if meta.get("schema"):
            prop.update(meta["schema"])
        if meta.get("description"):
            prop["description"] = meta["description"]
        props[f.name] = prop
    return props


def from_legacy(owner: str, table: Mapping[str, tuple[Check, Any]]) -> type[Options]:
    """An ``Options`` dataclass made from a 0.x ``options = {name: (validator, default)}`` table."""
    fields = [(name, Any, option(default, check=validator)) for name, (validator, default) in table.items()]
    return dataclasses.make_dataclass(f"{owner}Options", fields, bases=(Options,), frozen=True)
