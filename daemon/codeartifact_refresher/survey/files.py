"""The files a survey reads, and what each one says.

A *source* is one file that at least one installed writer uses by default (``default_paths`` of
every role, in the environment given), read once however many writers share it. It is the *main*
file of the writers in :attr:`Source.writers`, and the one it is read for is its *tool*
(:attr:`Source.tool`): when several writers default to it (``~/.npmrc``: npm, pnpm, yarn-classic),
the one the others extend (npm), else the first by name. A file that is no writer's main file (a
credentials file beside a config) has no tool: the repository URLs in it are reported, never
kept. A writer whose file has no default place (``env``, ``template``) has no source.

A *finding* is what a source's reader (:mod:`.readers`) saw, with the source it came from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RegistryError, TargetError
from ..outputs import files
from ..writers.base import MAIN, NoDefaultPath
from ..writers.registry import Registry
from . import readers
from .readers import Found


@dataclass
class Source:
    path: Path
    writers: list[str] = field(default_factory=list)  # whose main file it is, by name
    classes: list[type] = field(default_factory=list)

    @property
    def tool(self) -> str | None:
        """The writer this file is read for (see the module doc)."""
        for name, cls in zip(self.writers, self.classes, strict=True):
            if all(issubclass(other, cls) for other in self.classes):
                return name
        return self.writers[0] if self.writers else None


@dataclass(frozen=True)
class Finding:
    source: Path
    tool: str | None
    found: Found


@dataclass
class Survey:
    """Every source looked at, those that exist (read), what was found, and notes on the rest."""

    looked: list[Path] = field(default_factory=list)
    read: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sources(registry: Registry, environ: Mapping[str, str], notes: list[str]) -> list[Source]:
    """Every writer's default files, each once, in the writers' order (see the module doc)."""
    found: dict[Path, Source] = {}
    for name in registry.names():
        try:
            cls = registry.get(name)
            defaults = cls().default_paths(environ)
        except NoDefaultPath:
            continue
        except RegistryError as e:
            notes.append(f"writer {name!r} not used: {e}")
            continue
        for role, path in defaults.items():
            source = found.setdefault(Path(path), Source(Path(path)))
            if role == MAIN:
                source.writers.append(name)
                source.classes.append(cls)
    return list(found.values())


def survey(registry: Registry, environ: Mapping[str, str] = os.environ) -> Survey:
    """Read every source (see the module doc) and collect what their readers find."""
    result = Survey()
    for source in sources(registry, environ, result.notes):
        result.looked.append(source.path)
        text = _text(source.path, result.notes)
        if text is None:
            continue
        result.read.append(source.path)
        for found in _read(source, text, result.notes):
            result.findings.append(Finding(source.path, source.tool, found))
    return result


def _text(path: Path, notes: list[str]) -> str | None:
    try:
        return files.read(path, follow_symlinks=True).text
    except TargetError as e:
        notes.append(f"not read: {e}")
        return None


def _read(source: Source, text: str, notes: list[str]) -> Iterable[Found]:
    read = readers.reader(source.tool) if source.tool else readers.generic
    try:
        return list(read(text))
    except readers.Unreadable as e:
        notes.append(f"{source.path}: {e}; looked for repository URLs in it line by line")
        return list(readers.generic(text))
