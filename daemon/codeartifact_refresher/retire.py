"""Targets that left the config take their entries with them.

A *record* is what the state file keeps of a target that was written: the config file it came
from, its writer, repository, options, files (role to path) and the endpoint it wrote (never the
token). A record is *retired* when no target of its own config matches it (the same writer,
repository, options and files): a target removed, or given another ``index``, ``path`` or name.
Only the config that wrote a record retires it: a one-off ``refresh --config other.yaml`` that
shares the state file leaves the main config's targets alone.

The writer's ``retire_file`` then removes, file by file, what the target wrote (pip's index URL,
npm's registry and auth lines, twine's section), with the same lock, checks and atomic write as a
refresh, and the record is dropped. The file keeps its mode: a build host's ``0640`` file that
other targets still write stays readable by its group (narrowed to ``0600``, it would stay so,
since a refresh never widens a mode, and pip and npm would silently fall back to the public
registries). Without retirement a removed target's entry would stay with a token that lapses: pip
warns ``401 Error, Credentials not correct`` on every run, and may try it before the live one. A
writer that cannot retire (:meth:`~.writers.base.Writer.retires` is false) leaves its entries;
its record is dropped all the same, with a line saying so.

Retirement runs before a refresh writes (``refresh``; the daemon at start and after a reload), so a
target that only changed (another ``index``) is written afresh after its old entry went.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .aws.endpoints import valid_endpoint
from .config import Config, Target
from .errors import Error
from .outputs import FileOutput, files
from .outputs.base import Snapshot
from .writers.base import Credentials, Writer
from .writers.registry import Registry

logger = logging.getLogger(__name__)
KEEP_MODE = 0o7777  # what a retirement asks of a file's mode: as it is (it only ever removes a token)


@dataclass(frozen=True)
class Record:
    """A target that was written: what identifies it, and the endpoint it wrote."""

    writer: str
    repository: str
    options: tuple[tuple[str, Any], ...]  # as JSON holds them: strings, numbers, booleans, lists
    files: tuple[tuple[str, str], ...]  # (role, absolute path), in the writer's order
    endpoint: str
    config: str  # the config file (resolved) whose target this is

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.config, self.writer, self.repository, self.options, self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "writer": self.writer,
            "repository": self.repository,
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in self.options},
            "files": dict(self.files),
            "endpoint": self.endpoint,
        }

    @classmethod
    def from_json(cls, data: Any) -> Record | None:
        """A record as the state file holds it, each value checked; None for anything else."""
        if not isinstance(data, Mapping):
            return None
        writer, repository, endpoint = data.get("writer"), data.get("repository"), data.get("endpoint")
        options, paths, config = data.get("options"), data.get("files"), data.get("config")
        if not (isinstance(writer, str) and isinstance(repository, str) and valid_endpoint(endpoint)):
            return None
        if not (isinstance(config, str) and Path(config).is_absolute()):
            return None
        if not isinstance(options, Mapping) or not isinstance(paths, Mapping) or not paths:
            return None
        if not all(isinstance(r, str) and isinstance(p, str) and Path(p).is_absolute() for r, p in paths.items()):
            return None
        return cls(writer, repository, _json_options(options.items()), tuple(paths.items()), str(endpoint), config)


def _json_options(options: Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    """Options as JSON holds them, sorted: a path is its text, a tuple a list (then a tuple again)."""
    found = []
    for name, value in options:
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, (list, tuple)):
            value = tuple(str(v) for v in value)
        found.append((str(name), value))
    return tuple(sorted(found))


def record_of(target: Target, endpoint: str, config: Path) -> Record | None:
    """The record of ``target`` of the config at ``config``, written at ``endpoint``; None for a
    target that writes elsewhere than to files (retiring is editing files: other outputs keep
    their entries, as a writer that cannot retire does)."""
    if not all(isinstance(output, FileOutput) for _, output in target.outputs):
        return None
    paths = tuple((role, str(output)) for role, output in target.outputs)
    return Record(target.writer, target.repository, _json_options(target.options), paths, endpoint, _name(config))


def _name(config: Path) -> str:
    """How a record names its config: the file's resolved absolute path."""
    return str(Path(config).resolve())


def retired(records: Iterable[Record], config: Config) -> list[Record]:
    """The records of ``config`` (the same file) that none of its targets matches."""
    made = (record_of(t, "", config.path) for d in config.domains for t in d.targets)
    current = {record.key for record in made if record is not None}
    return [r for r in records if r.config == _name(config.path) and r.key not in current]


def _writer(record: Record, registry: Registry) -> Writer[Any]:
    """The record's writer, with its options (a list in JSON is a tuple option)."""
    return registry.get(record.writer)(**{k: tuple(v) if isinstance(v, list) else v for k, v in record.options})


class _Gone(Exception):
    """The file is not there: there is nothing to remove, and nothing is created."""


Change = tuple[Record, str, Snapshot, Snapshot]  # (record, role, before, after)


def retire(record: Record, registry: Registry, dry_run: bool = False) -> list[Change]:
    """Remove what ``record``'s target wrote, file by file (``dry_run``: only work out what would
    change); a :data:`Change` for each file that changes. Raises :class:`Error` for a file that
    cannot be read, parsed or written: it is left as it was."""
    writer = _writer(record, registry)
    creds = Credentials(record.endpoint, "", record.repository)
    changes: list[Change] = []
    for role, name in record.files:
        path, seen = Path(name), list[str]()

        def render(text: str | None, role: str = role, seen: list[str] = seen) -> str:
            if text is None:
                raise _Gone
            seen[:] = [text, writer.retire_file(role, text, creds)]
            return seen[1]

        encoding = functools.partial(writer.encoding, role)  # the file's, as the refresh wrote it
        try:
            if dry_run:
                render(files.read(path, encoding=encoding).text)
            elif not files.update(path, render, wanted=KEEP_MODE, encoding=encoding):
                continue
        except _Gone:
            continue
        if seen and seen[0] != seen[1]:
            changes.append((record, role, Snapshot(name, seen[0]), Snapshot(name, seen[1])))
    return changes


def diff(change: Change, registry: Registry) -> str:
    """A dry run's diff of one :data:`Change`, every credential redacted (as :func:`..refresh.redacted_diff`)."""
    from .refresh import redacted_diff

    record, role, before, after = change
    writer = _writer(record, registry)
    secrets = [s for text in (before.text, after.text) for s in writer.find_file_secrets(role, text or "")]
    return redacted_diff(before, after, secrets)


def sweep(
    records: dict[tuple[Any, ...], Record], config: Config, registry: Registry, dry_run: bool = False
) -> list[Change]:
    """Retire every record ``config`` no longer has (dropping it from ``records`` unless
    ``dry_run``); the changes, for a dry run's diff. A failure is logged and the record kept, to be
    tried again at the next sweep."""
    changes: list[Change] = []
    for record in retired(records.values(), config):
        label = f"{record.writer} {record.repository} ({', '.join(path for _, path in record.files)})"
        try:
            if not registry.get(record.writer).retires():
                logger.info("%s left the config; this writer cannot remove its entries: they stay", label)
            else:
                done = retire(record, registry, dry_run)
                changes += done
                if done and not dry_run:
                    logger.info("%s left the config: its entries were removed", label)
        except Error as e:
            logger.warning("%s left the config, but its entries could not be removed: %s", label, e)
            continue
        except Exception:  # a plugin's writer: report it, go on with the rest
            logger.exception("%s: internal error while removing its entries (please report this bug)", label)
            continue
        if not dry_run:
            records.pop(record.key, None)
    return changes
