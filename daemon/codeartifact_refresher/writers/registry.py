"""The writer registry: entry points in the group ``codeartifact_refresher.writers``.

Each entry point names a writer class. Names are listed sorted; two packages declaring the same
name is an error naming both; a class is loaded only when a config uses it, so a broken plugin
only matters to configs that name it, and then the error names its module.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from importlib import metadata
from typing import Any, Protocol

from ..errors import RegistryError
from .base import Writer

GROUP = "codeartifact_refresher.writers"


class EntryPoint(Protocol):
    """What the registry reads of an entry point: :class:`importlib.metadata.EntryPoint`'s
    ``name``, ``value`` and ``load()`` (and its ``dist``, when it has one)."""

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...

    def load(self) -> Any: ...


def _package(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else "an unknown package"


class Registry:
    def __init__(self, entry_points: Iterable[EntryPoint] | None = None) -> None:
        if entry_points is None:
            entry_points = metadata.entry_points(group=GROUP)
        by_name: dict[str, EntryPoint] = {}
        for ep in entry_points:
            other = by_name.get(ep.name)
            if other is not None and _package(other) != _package(ep):
                raise RegistryError(
                    f"two packages declare the writer {ep.name!r}: "
                    f"{_package(other)} ({other.value}) and {_package(ep)} ({ep.value})"
                )
            by_name[ep.name] = ep
        self._entry_points = dict(sorted(by_name.items()))
        self._classes: dict[str, type[Writer[Any]]] = {}  # Any: each plugin has its own Options

    def names(self) -> list[str]:
        return list(self._entry_points)

    def origin(self, name: str) -> str:
        """The distribution that declares the writer ``name`` (this package for the built-ins)."""
        return _package(self._entry_points[name])

    def version(self, name: str) -> str:
        """The version of the distribution that declares the writer ``name`` ("" if unknown)."""
        dist = getattr(self._entry_points[name], "dist", None)
        return str(dist.version) if dist is not None else ""

    def get(self, name: str) -> type[Writer[Any]]:
        if name in self._classes:
            return self._classes[name]
        ep = self._entry_points.get(name)
        if ep is None:
            available = ", ".join(self.names()) or "none (is codeartifact-refresher installed?)"
            raise RegistryError(f"unknown writer {name!r}; available writers: {available}")
        try:
            cls = ep.load()
        except Exception as e:  # a plugin's import can fail in any way
            raise RegistryError(
                f"writer {name!r} from {_package(ep)} failed to load from {ep.value}: {type(e).__name__}: {e}"
            ) from None
        if not (inspect.isclass(cls) and issubclass(cls, Writer)):
            raise RegistryError(
                f"writer {name!r} ({ep.value}) is not a subclass of codeartifact_refresher.writers.base.Writer"
            )
        self._classes[name] = cls
        return cls
