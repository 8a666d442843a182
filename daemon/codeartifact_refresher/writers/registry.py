"""The writer registry: entry points in the group ``codeartifact_refresher.writers``.

Each entry point names a writer class. Names are listed sorted; a class is loaded only when a
config uses it, so a broken plugin only matters to configs that name it, and then the error names
its module.

A *built-in* writer is one loaded from this installation's files: its entry point names a module
``codeartifact_refresher.writers.NAME`` that resolves to this very directory. The distribution
name in a package's metadata proves nothing (any package may say ``Name: codeartifact-refresher``).
Every installed distribution's entry points are read, not only the first distribution of each
name (which ``importlib.metadata.entry_points`` keeps), so a package claiming our name cannot hide
ours. Two entry points of one name that load different objects are an error naming both packages
(name and location); the same entry point seen twice (one package reachable twice on the path)
is one writer.
A class that leaves an abstract method of :class:`~.base.Writer` unimplemented is refused when
it is loaded, naming the methods (not at its first refresh).
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from ..errors import RegistryError
from .base import Writer

GROUP = "codeartifact_refresher.writers"
#: this package's writer modules: the only modules a built-in writer's entry point may name
_BUILT_IN_MODULE = re.compile(r"codeartifact_refresher\.writers\.[A-Za-z_][A-Za-z0-9_]*")
_HERE = Path(__file__).resolve().parent


class EntryPoint(Protocol):
    """What the registry needs of an entry point (``importlib.metadata``'s; its ``dist`` is read
    when there is one)."""

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...

    def load(self) -> Any: ...  # whatever the plugin's module holds under that name


def _package(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else "an unknown package"


def _location(ep: EntryPoint) -> str:
    """Where the distribution that declares ``ep`` is installed (its metadata's directory)."""
    locate = getattr(getattr(ep, "dist", None), "locate_file", None)
    return str(locate("")) if locate is not None else "an unknown location"


def _installed() -> list[EntryPoint]:
    """The group's entry points of every installed distribution, duplicates of a name included."""
    return [ep for dist in metadata.distributions() for ep in dist.entry_points if ep.group == GROUP]


def is_built_in(value: str) -> bool:
    """Whether the entry point ``value`` (``module:attribute``) loads one of this package's writer
    modules, from this installation's files (found, not imported)."""
    module = value.partition(":")[0].strip()
    if not _BUILT_IN_MODULE.fullmatch(module):
        return False
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin is not None and Path(spec.origin).resolve().parent == _HERE


def _describe(ep: EntryPoint) -> str:
    built_in = ", built in" if is_built_in(ep.value) else ""
    return f"{_package(ep)} at {_location(ep)} ({ep.value}{built_in})"


def _by_name(entry_points: Iterable[EntryPoint]) -> dict[str, EntryPoint]:
    by_name: dict[str, EntryPoint] = {}
    for ep in entry_points:
        other = by_name.get(ep.name)
        if other is not None and other.value.replace(" ", "") != ep.value.replace(" ", ""):
            raise RegistryError(
                f"two packages declare the writer {ep.name!r}: {_describe(other)} and {_describe(ep)}; "
                "uninstall the one you do not want"
            )
        by_name.setdefault(ep.name, ep)
    return dict(sorted(by_name.items()))


class Registry:
    def __init__(self, entry_points: Iterable[EntryPoint] | None = None) -> None:
        self._entry_points = _by_name(_installed() if entry_points is None else entry_points)
        self._classes: dict[str, type[Writer[Any]]] = {}

    def names(self) -> list[str]:
        return list(self._entry_points)

    def origin(self, name: str) -> str:
        """The distribution that declares the writer ``name``, as its metadata names it."""
        return _package(self._entry_points[name])

    def built_in(self, name: str) -> bool:
        """Whether the writer ``name`` is loaded from this installation's own files (see the module doc)."""
        return is_built_in(self._entry_points[name].value)

    def location(self, name: str) -> str:
        """Where the distribution that declares the writer ``name`` is installed."""
        return _location(self._entry_points[name])

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
        if inspect.isabstract(cls):
            missing = ", ".join(sorted(cls.__abstractmethods__))
            raise RegistryError(
                f"writer {name!r} from {_package(ep)} ({ep.value}) does not implement {missing}: "
                "see 'Writing a third-party writer' in docs/writers/README.md"
            )
        self._classes[name] = cls
        return cls
