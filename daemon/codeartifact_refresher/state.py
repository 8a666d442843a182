"""What happened, for ``status``, the health endpoint and people: never a secret.

The *state file* is JSON, rewritten atomically after refreshes (the daemon gathers the
refreshes that end together into one write). Per domain (by
:attr:`~.config.Domain.key`) it holds when the current token *expires*, the *next refresh* the
daemon planned, the *last success*, the *last error* and the number of *failures* in a row, the
outcome for each target (by its :attr:`~.config.Target.identity`; a file written by an older
version keyed them by the target's path, which is still read), and the repository endpoints. Times are ISO 8601 in UTC. The *totals*
(refreshes that succeeded and failed, for ``/metrics``) are this process's own: kept in memory,
never written nor read back, so a Prometheus counter starts at zero with the process.

Where it lives, first that applies: ``state_file:`` in the config; ``$STATE_DIRECTORY`` (set by
systemd's ``StateDirectory=``, so ``/var/lib/codeartifact-refresher`` for the system service);
else the user's state directory (``$XDG_STATE_HOME`` or ``~/.local/state``; on macOS
``~/Library/Application Support``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import redaction, retire
from .aws import endpoints
from .config import Config, Domain, Target
from .errors import TargetError
from .kube import retire as secrets_retire
from .log import one_line
from .outcomes import SERVED, DomainReport
from .outputs import files
from .platform.paths import user_state_dir
from .writers.registry import Registry

logger = logging.getLogger(__name__)

BASENAME = Path("codeartifact-refresher") / "state.json"
VERSION = 1


def default_path(config: Config | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    if config is not None and config.state_file is not None:
        return config.state_file
    if environ.get("STATE_DIRECTORY"):
        return Path(environ["STATE_DIRECTORY"].split(":")[0]) / "state.json"
    return user_state_dir(environ) / BASENAME


def iso(ts: float | None) -> str | None:
    """Seconds since the epoch as ISO 8601 in UTC (None stays None)."""
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def timestamp(value: object) -> float | None:
    """The inverse of :func:`iso`; None for anything that is not such a string."""
    try:
        return datetime.fromisoformat(value).timestamp() if isinstance(value, str) else None
    except (ValueError, OverflowError):  # not ISO 8601, or out of range ("0001-01-01T00:00+14:00")
        return None


TIMES = ("expires_at", "next_refresh", "last_success", "last_attempt")
TOTALS = ("successes_total", "failures_total")  # counted in memory by this process only


@dataclass
class DomainState:
    label: str
    domain: str = ""
    owner: str | None = None
    expires_at: float | None = None
    next_refresh: float | None = None
    last_success: float | None = None
    last_attempt: float | None = None
    last_error: str | None = None
    failures: int = 0  # in a row
    successes_total: int = 0  # the totals: this process's, never in the file (see TOTALS)
    failures_total: int = 0
    targets: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # identity -> {"writer", "outcome", "error"...} (RECORD)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # "format/repository" -> {"url", "resolved_at"}

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: v for k, v in dataclasses.asdict(self).items() if k not in TOTALS}
        data.update({k: iso(getattr(self, k)) for k in TIMES})
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DomainState:
        """An entry as the file holds it, each value checked: what another program (or a person)
        wrote is input too, and a value of the wrong kind is dropped, not trusted."""
        values: dict[str, Any] = {k: timestamp(data.get(k)) for k in TIMES}
        values.update({k: _text(data.get(k)) or "" for k in ("label", "domain")})
        values.update({k: _text(data.get(k)) for k in ("owner", "last_error")})
        number = data.get("failures")  # the totals a file may hold (older versions wrote them) are not ours
        values["failures"] = number if isinstance(number, int) and not isinstance(number, bool) and number >= 0 else 0
        targets = data.get("targets")
        values["targets"] = {
            path: {k: _text(v) for k, v in outcome.items() if k in RECORD}
            for path, outcome in (targets.items() if isinstance(targets, dict) else ())
            if isinstance(path, str) and one_line(path, limit=None) == path and isinstance(outcome, dict)
        }
        values["endpoints"] = endpoints.to_state(endpoints.from_state(data.get("endpoints")))  # only valid ones
        return cls(**values)

    def outcome(self, target: Target) -> dict[str, str | None]:
        """What the last refresh recorded of ``target`` (empty when nothing): by its identity, or,
        in a file an older version wrote, by where it writes, if the writer is the same."""
        found = self.targets.get(target.identity)
        if found is None:
            old = self.targets.get(target.where) or {}
            found = old if old.get("writer") == target.writer and "where" not in old else {}
        return found


#: what the state file keeps of each target
RECORD = ("writer", "repository", "where", "outcome", "error")


MAX_TEXT = 1000  # characters of a message read back from the state file


def _text(value: object) -> str | None:
    """A string from the state file, cut to one bounded line, each control character shown as its
    escape (a terminal's escape sequence in a file someone else wrote is text, not a command to the
    terminal of whoever runs ``status``); None for anything else."""
    if not isinstance(value, str):
        return None
    return one_line(" ".join(value[: MAX_TEXT * 4].split()), MAX_TEXT)


def _error(text: str | None) -> str | None:
    """An error as the state file keeps it: every credential in it redacted (:mod:`.redaction`),
    whoever's (a hook's output, a server's message)."""
    return None if text is None else redaction.redact(text)


class State:
    """The state of every domain, shared by the refresh threads; :meth:`save` writes it out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.domains: dict[str, DomainState] = {}
        self.daemon: dict[str, Any] = {}
        #: the targets written, by identity (:mod:`..retire`); those a sweep dropped stay out of merges
        self.written: dict[tuple[Any, ...], retire.Record] = {}
        self.dropped: set[tuple[Any, ...]] = set()
        #: the Kubernetes Secrets written (:mod:`..kube.retire`), and those a sweep retired
        self.secrets: set[secrets_retire.Written] = set()
        self.secrets_dropped: set[secrets_retire.Written] = set()
        self.trusted = True  # whether the file read was ours (or root's): see endpoints_of
        self._lock = threading.RLock()

    @classmethod
    def load(cls, path: Path) -> State:
        state = cls(path)
        try:
            # as targets are read: O_NONBLOCK, a regular file only, bounded, so a FIFO or
            # /dev/zero at this path cannot hang `status` or the daemon
            current = files.read(path)
            if current.text is None:
                return state
            # endpoints decide where the token is sent: believe them only from a file that no one
            # but us (or root) can have written
            state.trusted = _ours(current.uid)
            data = json.loads(current.text)
            domains = data.get("domains") or {}
            state.domains = {k: DomainState.from_json(v) for k, v in domains.items() if isinstance(v, dict)}
            state.daemon = dict(data.get("daemon") or {})
            state.written = _records(data.get("written")) if state.trusted else {}
            state.secrets = secrets_retire.from_json(data.get("secrets_written")) if state.trusted else set()
        except (TargetError, OSError, ValueError, TypeError, AttributeError, RecursionError) as e:
            logger.warning("%s: cannot read the state file (%s); starting afresh", path, type(e).__name__)
        return state

    def get(self, domain: Domain) -> DomainState:
        with self._lock:
            entry = self.domains.get(domain.key)
            if entry is None:
                entry = self.domains[domain.key] = DomainState(domain.label, domain.domain, domain.owner)
            return entry

    def endpoints_of(self, domain: Domain) -> dict[str, endpoints.Endpoint]:
        """The repository endpoints recorded for ``domain``, each checked again; none from a
        state file that another user owns."""
        with self._lock:
            entry = self.domains.get(domain.key)
            return endpoints.from_state(entry.endpoints) if entry and self.trusted else {}

    def record(self, report: DomainReport, now: float, next_refresh: float | None = None) -> None:
        """Take in a :class:`~.outcomes.DomainReport` finished at ``now``."""
        with self._lock:
            entry = self.get(report.domain)
            entry.last_attempt = now
            if next_refresh is not None:  # a one-shot refresh leaves the daemon's plan alone
                entry.next_refresh = next_refresh
            if report.expires_at is not None:
                entry.expires_at = report.expires_at.timestamp()
            if report.endpoints:
                entry.endpoints = {**entry.endpoints, **endpoints.to_state(report.endpoints)}
            entry.targets = {t.target.identity: _record(t.target, t.outcome, _error(t.error)) for t in report.targets}
            for result in report.targets:
                if result.outcome in SERVED and report.domain.source:
                    found = secrets_retire.written_by(result.target, report.domain.source)
                    self.secrets |= found
                    self.secrets_dropped -= found
                if result.outcome in SERVED and result.endpoint and report.domain.source:
                    record = retire.record_of(result.target, result.endpoint, report.domain.source)
                    if record is None:
                        continue
                    self.written[record.key] = record
                    self.dropped.discard(record.key)
            if report.ok:
                entry.last_success, entry.last_error, entry.failures = now, None, 0
                entry.successes_total += 1
            else:
                entry.last_error = _error(report.failure)
                entry.failures += 1
                entry.failures_total += 1

    def keep_only(self, config: Config) -> None:
        keys = {d.key for d in config.domains}
        with self._lock:
            self.domains = {k: v for k, v in self.domains.items() if k in keys}

    def to_json(self, now: float) -> dict[str, Any]:
        """The whole state as JSON-ready data, ``updated`` at ``now``."""
        with self._lock:
            return {
                "version": VERSION,
                "updated": iso(now),
                "daemon": dict(self.daemon),
                "domains": {k: v.to_json() for k, v in sorted(self.domains.items())},
                "written": [r.to_json() for _, r in sorted(self.written.items(), key=lambda kv: repr(kv[0]))],
                "secrets_written": secrets_retire.to_json(self.secrets),
            }

    def sweep(self, config: Config, registry: Registry, dry_run: bool = False) -> list[retire.Change]:
        """Retire the written targets ``config`` no longer has (:func:`..retire.sweep`)."""
        with self._lock:
            records = dict(self.written)
        changes = retire.sweep(records, config, registry, dry_run)
        with self._lock:
            secrets = set(self.secrets)
        remaining = secrets_retire.sweep(secrets, config, dry_run)
        if not dry_run:
            with self._lock:
                self.secrets -= secrets - remaining
                self.secrets_dropped |= secrets - remaining
        if not dry_run:
            with self._lock:
                for key in set(self.written) - set(records):
                    del self.written[key]
                    self.dropped.add(key)
        return changes

    def save(self, now: float) -> None:
        """Write the state file as of ``now``, merged with what another process wrote since (see
        :meth:`merge`). Refreshes may record meanwhile: the lock is held only while the JSON is made."""
        try:
            files.update_current(self.path, lambda current: self.merge(current.text, now, _ours(current.uid)))
        except TargetError as e:
            logger.warning("state file: %s", e)

    def merge(self, text: str | None, now: float, trusted: bool = True) -> str:
        """The state as JSON at ``now``, after taking in each domain that ``text`` (the file as it is now)
        shows attempted more recently than we know: a one-shot ``refresh`` beside a running
        daemon, or a second daemon, does not have its news overwritten. Nothing is taken in from a
        file that is not ``trusted`` (not ours nor root's: someone replaced it since we read it),
        neither its endpoints nor its records of what was written, which decide what a sweep edits."""
        with self._lock:
            if not trusted:
                return json.dumps(self.to_json(now), indent=2) + "\n"
            try:
                found = json.loads(text or "{}")
                if self.daemon.get("pid") != os.getpid():  # not the daemon: its part is the file's, as it is now
                    daemon = found.get("daemon")  # (what we read may list a refresh that has ended since)
                    self.daemon = dict(daemon) if isinstance(daemon, dict) else {}
                theirs = found.get("domains") or {}
                for key, entry in theirs.items():
                    ours = self.domains.get(key)
                    if ours is not None and (timestamp(entry.get("last_attempt")) or 0) > (ours.last_attempt or 0):
                        news = DomainState.from_json(entry)
                        news.successes_total, news.failures_total = ours.successes_total, ours.failures_total
                        self.domains[key] = news
                if self.trusted:  # a target written by the other process is ours to retire too
                    for key, record in _records(found.get("written")).items():
                        if key not in self.dropped:
                            self.written.setdefault(key, record)
                    self.secrets |= secrets_retire.from_json(found.get("secrets_written")) - self.secrets_dropped
            except (ValueError, TypeError, AttributeError, RecursionError):
                pass  # unreadable: ours replaces it
            return json.dumps(self.to_json(now), indent=2) + "\n"


def _record(target: Target, outcome: str, error: str | None) -> dict[str, str | None]:
    return {
        "writer": target.writer,
        "repository": target.repository,
        "where": target.where,
        "outcome": outcome,
        "error": error,
    }


def _ours(uid: int | None) -> bool:
    """Whether a state file owned by ``uid`` (None: there is none) can only have been written by us or root."""
    return uid is None or uid in (os.geteuid(), 0)


def _records(data: object) -> dict[tuple[Any, ...], retire.Record]:
    """The written targets a state file lists, each checked (:meth:`..retire.Record.from_json`)."""
    found = [retire.Record.from_json(item) for item in (data if isinstance(data, list) else [])]
    return {r.key: r for r in found if r is not None}
