"""What the file checks know of a target: a :class:`TargetView`.

A *view* is a target as the checks see it: its writer's name, the files it writes by role, its
repository and writer options, the repository's *endpoint* when AWS (or the state file) gave one,
and *where* it is configured, for messages. Without a config, :func:`defaults` gives views of the
files pip, npm and twine would read, with no repository: the checks that compare URLs skip them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import Config, Domain
from ..hooks.output import SecretFinder
from ..outputs import FileOutput
from ..writers.base import MAIN, Writer
from ..writers.registry import Registry

#: the writers whose default files are checked when there is no config
DEFAULT_WRITERS = ("pip", "npm", "twine")
#: the variables that move a tool's default file (npm's without case), which a service started
#: without them does not see
MOVERS = (
    "PIP_CONFIG_FILE",
    "NETRC",
    "UV_CONFIG_FILE",
    "POETRY_CONFIG_DIR",
    "YARN_RC_FILENAME",
    "NPM_CONFIG_USERCONFIG",
)


@dataclass(frozen=True)
class TargetView:
    writer: str
    files: tuple[tuple[str, Path], ...]  # (role, path), in the writer's order
    repository: str | None = None  # None: a tool's default file, checked without a config
    options: tuple[tuple[str, Any], ...] = ()
    endpoint: str | None = None
    where: str = ""
    instance: Writer[Any] | None = field(default=None, compare=False, repr=False)
    given: tuple[str, ...] = ()  # the roles whose path the config wrote (not the writer's default)

    @property
    def main(self) -> Path:
        return dict(self.files)[MAIN]

    def path(self, role: str) -> Path | None:
        return dict(self.files).get(role)

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.options).get(name, default)

    @property
    def configured(self) -> bool:
        return self.repository is not None

    def finder(self, role: str = MAIN) -> SecretFinder | None:
        """The writer's secret finder for the file of ``role`` (None without a writer)."""
        writer = self.instance
        return None if writer is None else (lambda text: writer.find_file_secrets(role, text))

    def with_endpoint(self, endpoint: str | None) -> TargetView:
        return replace(self, endpoint=endpoint)


def from_config(config: Config, registry: Registry) -> list[tuple[Domain, TargetView]]:
    """A view of each target of ``config`` (its file outputs), with its domain, in config order."""
    views = []
    for domain in config.domains:
        for target in domain.targets:
            files = tuple((role, out.path) for role, out in target.outputs if isinstance(out, FileOutput))
            where = f"line {target.line} of {domain.source}" if domain.source else f"line {target.line}"
            views.append(
                (
                    domain,
                    TargetView(
                        target.writer,
                        files,
                        target.repository,
                        target.options,
                        where=f"the {target.writer} target ({where})",
                        instance=_writer(registry, target.writer, target.options),
                        given=target.given,
                    ),
                )
            )
    return views


def defaults(registry: Registry, environ: Mapping[str, str] = os.environ) -> list[TargetView]:
    """Views of :data:`DEFAULT_WRITERS`' default files (no repository)."""
    views = []
    for name in DEFAULT_WRITERS:
        writer = _writer(registry, name, ())
        if writer is None:
            continue
        files = tuple((r, p) for r, p in writer.default_paths(environ).items() if r in writer.roles())
        views.append(TargetView(name, files, where=f"{name}'s default file", instance=writer))
    return views


def moved(view: TargetView, environ: Mapping[str, str]) -> list[tuple[Path, Path, list[str]]]:
    """Each file of ``view`` at its writer's default path here that is elsewhere for a process
    without :data:`MOVERS`: (here, there, the variables that move it). A path the config wrote is
    the same for every process: never moved."""
    movers = [name for name in environ if name.upper() in MOVERS]
    if view.instance is None or not movers:
        return []
    writer = view.instance
    plain = {k: v for k, v in environ.items() if k not in movers}
    here, there = writer.default_paths(environ), writer.default_paths(plain)
    found = []
    for role, path in view.files:
        if role in view.given or here.get(role) != path or there.get(role) in (None, path):
            continue
        names = [
            m for m in movers if writer.default_paths({k: v for k, v in environ.items() if k != m}).get(role) != path
        ]
        found.append((path, there[role], names or movers))
    return found


def _writer(registry: Registry, name: str, options: Iterable[tuple[str, Any]]) -> Writer[Any] | None:
    try:
        return registry.get(name)(**dict(options))
    except Exception:  # a plugin that fails to load: its secrets are still found by URL
        return None
