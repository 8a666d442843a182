"""Refresh a domain: one token, the endpoints its targets need, then every target.

The *outcome* of a target is ``written``, ``unchanged`` (the file already said this), ``would
write`` (a dry run) or ``failed``. A failure in one target never stops the others; a domain whose
token cannot be had fails all its targets and leaves their files as they were. Each domain
yields a :class:`DomainReport`; :func:`summary` turns a round of them into one line.
"""
from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from . import files, log
from .config import Config, Domain, Target
from .errors import Error, WriterError
from .registry import Registry
from .tokens import Clients, Token
from .writers.base import Credentials

logger = logging.getLogger(__name__)

WRITTEN, UNCHANGED, WOULD_WRITE, FAILED = "written", "unchanged", "would write", "failed"


@dataclass
class TargetResult:
    target: Target
    outcome: str
    error: str | None = None
    diff: str = ""  # dry runs only; secrets redacted


@dataclass
class DomainReport:
    domain: Domain
    expires_at: datetime | None = None
    error: str | None = None
    targets: list[TargetResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and all(t.outcome != FAILED for t in self.targets)


def refresh_domain(domain: Domain, clients: Clients, registry: Registry, dry_run: bool = False) -> DomainReport:
    try:
        token = clients.token(domain)
    except Error as e:
        logger.error("%s", e)
        failed = [TargetResult(t, FAILED, "no token") for t in domain.targets]
        return DomainReport(domain, error=str(e), targets=failed)
    log.forget_later(token.value)
    logger.debug("%s: token expires at %s", domain.label, token.expires_at.isoformat())
    results = [_refresh_target(domain, t, token, clients, registry, dry_run) for t in domain.targets]
    return DomainReport(domain, token.expires_at, targets=results)


def refresh_all(config: Config, clients: Clients, registry: Registry, dry_run: bool = False) -> list[DomainReport]:
    return [refresh_domain(d, clients, registry, dry_run) for d in config.domains]


def _refresh_target(domain: Domain, target: Target, token: Token, clients: Clients, registry: Registry, dry_run: bool) -> TargetResult:
    what = f"{domain.label}: {target.writer} {target.path}"
    try:
        result = _apply(domain, target, token, clients, registry, dry_run)
    except Error as e:
        logger.error("%s: %s", what, e)
        return TargetResult(target, FAILED, str(e))
    except Exception as e:  # a bug, most likely in a writer plugin: report it, go on with the rest
        logger.exception("%s: internal error (please report this bug)", what)
        return TargetResult(target, FAILED, f"internal error: {type(e).__name__}")
    logger.info("%s: %s", what, result.outcome)
    return result


def _apply(domain, target, token, clients, registry, dry_run) -> TargetResult:
    writer = registry.get(target.writer)(**dict(target.options))
    endpoint = clients.endpoint(domain, target.repository, writer.format)
    creds = Credentials(endpoint, token.value, target.repository, token.expires_at)
    current = files.read(target.path, target.follow_symlinks)
    try:
        new = writer.render(current.text, creds)
    except WriterError as e:
        raise WriterError(f"cannot parse {current.path} as a {target.writer} config: {e}; left as it is") from None
    mode = files.target_mode(current, target.mode)
    changed = new != current.text or mode != current.mode
    if dry_run:
        secrets = [token.value, *writer.find_secrets(new), *writer.find_secrets(current.text or "")]
        diff = redacted_diff(current, new, mode, secrets)
        return TargetResult(target, WOULD_WRITE if changed else UNCHANGED, diff=diff)
    if not changed:
        return TargetResult(target, UNCHANGED)
    files.write_atomic(current, new, mode)
    return TargetResult(target, WRITTEN)


def redacted_diff(current: files.Current, new: str, mode: int, secrets) -> str:
    old_lines = (current.text or "").splitlines()
    name = str(current.path)
    lines = list(difflib.unified_diff(
        old_lines, new.splitlines(), "/dev/null" if current.text is None else name, name, lineterm=""
    ))
    if mode != current.mode:
        old = "none" if current.mode is None else f"{current.mode:04o}"
        lines.insert(0, f"# mode {old} -> {mode:04o}: {name}")
    return log.redact("\n".join(lines) + "\n", secrets) if lines else ""


def summary(reports: list[DomainReport]) -> str:
    counts: dict[str, int] = {}
    for report in reports:
        for t in report.targets:
            counts[t.outcome] = counts.get(t.outcome, 0) + 1
    parts = [f"{n} {outcome}" for outcome, n in counts.items()]
    failed_domains = sum(1 for r in reports if not r.ok)
    tail = f"; {failed_domains} of {len(reports)} domains had failures" if failed_domains else ""
    return f"{len(reports)} domain(s): {', '.join(parts) or 'no targets'}{tail}"
