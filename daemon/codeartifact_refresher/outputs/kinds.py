"""Output kinds: the config keys that say where a target's credentials go.

A *kind* is one such key of a target: ``path:`` (files, :data:`FILE`) today, ``secret:`` next. A
target gives exactly one, or none when the writer's files have default places (the file kind then
puts them there). A kind *builds* the target's outputs, one per role of the writer (see
:mod:`..writers.base`), from its key's value and its own *settings* (a file's ``mode`` and
``follow_symlinks``), read through :class:`Fields`: the config loader's checked reading of the
target's entry, whose every mistake names the file, the line and the key. Another kind is one
:func:`register` call; refresh, the state file, ``status`` and hooks know only
:class:`~.base.Output`, never a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from ..errors import ConfigError
from ..writers import options as writer_options
from ..writers.base import MAIN, Writer
from .base import Output
from .file_output import FileOutput

Outputs = tuple[tuple[str, Output], ...]  # (role, output) in the writer's order


class Fields(Protocol):
    """A target's entry in the config, read and checked (a wrong value raises a ConfigError
    naming the file, the line and the key)."""

    def has(self, key: str) -> bool: ...

    def text(self, key: str, expected: str) -> str | None: ...

    def path(self, key: str) -> Path | None: ...

    def boolean(self, key: str, default: bool) -> bool: ...

    def mode(self) -> int | None: ...

    def fail(self, key: str, message: str) -> ConfigError: ...

    @property
    def environ(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Kind:
    """``key`` (the config key) holds ``expected``; ``build(name, writer, fields)`` makes the
    outputs of a target of the writer registered as ``name`` whose entry gives the key (or, for
    the file kind, no kind's key at all); ``settings`` are the further keys it reads, which a
    target of another kind may not give."""

    key: str
    expected: str
    build: Callable[[str, Writer[Any], Fields], Outputs]
    settings: tuple[str, ...] = ()


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Make ``kind``'s key valid in every target (a later registration of the key replaces it)."""
    _KINDS[kind.key] = kind


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def kinds() -> dict[str, Kind]:
    """The registered kinds by key, the file kind first."""
    return dict(_KINDS)


def moved(writer: Writer[Any]) -> dict[str, Path]:
    """The roles whose file a path option of the writer's places (netrc's ``netrc:``), to its path."""
    roles = writer_options.path_roles(type(writer).Options)
    found = {role: getattr(writer.options, name, None) for name, role in roles.items()}
    return {role: path for role, path in found.items() if isinstance(path, Path)}


def _files(name: str, writer: Writer[Any], fields: Fields) -> Outputs:
    """Each of the writer's files, in its order: ``path:`` for MAIN, a path option's for another
    role, else the writer's defaults (asked for only when needed: a writer without one raises
    :class:`~..writers.base.NoDefaultPath`)."""
    given = moved(writer)
    path = fields.path("path")
    if path is not None:
        given[MAIN] = path
    roles = writer.roles()
    defaults = {} if set(roles) <= set(given) else writer.default_paths(fields.environ)
    mode, follow = fields.mode(), fields.boolean("follow_symlinks", False)
    breaks = {role: "" if writer.reads_bom(role) else name for role in roles}
    return tuple(
        (
            role,
            FileOutput(given.get(role) or defaults[role], mode, follow, breaks[role], partial(writer.encoding, role)),
        )
        for role in roles
    )


#: files: ``path:`` names the main one; the default kind
FILE = Kind("path", "a file path", _files, ("mode", "follow_symlinks"))
register(FILE)
