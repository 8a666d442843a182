"""Refresh a domain: one token, the endpoints its targets need, then every target.

A target's *outcome* and the reports are :mod:`.outcomes`' (re-exported here). A failure in one target
never stops the others; a domain whose token cannot be had fails all its targets and leaves their
files as they were. Each domain yields a :class:`DomainReport`; :func:`summary` turns a round of
them into one line. Domains are refreshed in parallel on a bounded pool of threads; a
:class:`Gate` lets a stopping program finish the writes in flight and start no new ones, and ends
the hooks running. After a domain's files changed, its hooks run (:mod:`.hooks`), with those
it still owes from an earlier refresh; a hook that fails fails the report (``hooks_failed``) and
is owed until it succeeds.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from . import hooks, log, redaction
from .aws.endpoints import EndpointLookup, endpoint_account_and_region
from .aws.tokens import Clients, Token
from .config import Config, Domain, Target, hosts
from .errors import Error, NotFoundError, WriterError, WriterRefusedError
from .hooks import output as hook_output
from .outcomes import FAILED, NOT_LEADER, SKIPPED, UNCHANGED, WOULD_WRITE, WRITTEN, DomainReport, TargetResult
from .outputs import Output, Snapshot
from .outputs.base import Context, Guard, Render
from .writers.base import MAIN, Credentials, Writer
from .writers.formats import netrc, references
from .writers.registry import Registry

__all__ = [
    "FAILED",
    "NOT_LEADER",
    "SKIPPED",
    "UNCHANGED",
    "WOULD_WRITE",
    "WRITTEN",
    "DomainReport",
    "Gate",
    "Leading",
    "NotLeader",
    "Stopping",
    "TargetResult",
    "leader_only",
    "refresh_all",
    "refresh_domain",
    "summary",
]
logger = logging.getLogger(__name__)


class Stopping(Exception):
    """The gate is closed: the program is shutting down."""


class NotLeader(Stopping):
    """A leader-only target's write was about to start on a replica that does not lead (now)."""


class Leading(Protocol):
    """What a refresh asks of the daemon's leader election (:mod:`.service.leadership`)."""

    @property
    def leader(self) -> str | None: ...

    def leading(self) -> bool: ...


def leader_only(target: Target) -> bool:
    """Whether only the elected leader may write ``target`` (an output of it says so)."""
    return any(output.leader_only for _, output in target.outputs)


def _not_leader(leader: Leading) -> str:
    return f"{NOT_LEADER} (leader: {leader.leader or 'none yet'})"


def _guard(gate: Gate, target: Target, leader: Leading | None) -> Guard:
    """What wraps each write of ``target``: the gate, and for a leader-only target a check that we
    still lead as the write starts (never one after the renew deadline passed)."""
    if leader is None or not leader_only(target):
        return gate.hold

    @contextlib.contextmanager
    def hold() -> Iterator[None]:
        with gate.hold():
            if not leader.leading():
                raise NotLeader(_not_leader(leader))
            yield

    return hold


def _followed(domain: Domain, leader: Leading) -> DomainReport:
    """A follower's report of a domain whose every target is leader-only: all skipped, no token fetched."""
    why = _not_leader(leader)
    logger.info("%s: %s: %s", domain.label, SKIPPED, why)
    return DomainReport(domain, targets=[TargetResult(t, SKIPPED, why) for t in domain.targets])


class Gate:
    """Lets file writes through until closed; closing waits for the writes in flight."""

    def __init__(self, hook_grace: float = hooks.STOP_GRACE) -> None:
        self._cond = threading.Condition()
        self._busy = 0
        self._closed = False
        self.hooks, self._hook_grace = hooks.Running(), hook_grace

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._cond:
            if self._closed:
                raise Stopping
            self._busy += 1
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def close(self, timeout: float | None = None) -> bool:
        """Refuse new writes and hooks, end the hooks running (:meth:`.hooks.Running.stop`); True
        once no write is in flight (False if ``timeout`` passed first)."""
        with self._cond:
            self._closed = True
        self.hooks.stop(self._hook_grace)
        with self._cond:
            return self._cond.wait_for(lambda: self._busy == 0, timeout)


def refresh_domain(
    domain: Domain,
    clients: Clients,
    registry: Registry,
    dry_run: bool = False,
    gate: Gate | None = None,
    pending: hooks.Pending | None = None,
    keep: Callable[[Domain, Token], None] | None = None,
    leader: Leading | None = None,
) -> DomainReport:
    """Refresh one domain; ``pending`` holds the hooks it owes from earlier refreshes (the daemon
    keeps one for all its refreshes); ``keep`` takes the new token in (the daemon's live tokens,
    which its credential socket serves); with a ``leader`` election, its leader-only targets only
    while we lead (a domain with only those: no token either)."""
    if leader is not None and domain.targets and all(map(leader_only, domain.targets)) and not leader.leading():
        return _followed(domain, leader)
    # every endpoint lookup starts now and runs beside the token call: one round trip, not three
    lookup = clients.endpoints(domain, _needs(domain, registry))
    try:
        token = clients.token(domain)
    except Error as e:
        logger.error("%s", e)
        failed = [TargetResult(t, FAILED, "no token") for t in domain.targets]
        return DomainReport(
            domain,
            error=_error_text(e),
            targets=failed,
            retryable=getattr(e, "retryable", False),
            endpoints=lookup.known,
            retry_after=getattr(e, "retry_after", None),
        )
    if keep is not None and not dry_run:
        keep(domain, token)
    with log.secret(token.value):  # forgotten when this block ends, with the token itself
        logger.debug("%s: token expires at %s", domain.label, token.expires_at.isoformat())
        gate = gate or Gate()
        try:
            results = [
                _refresh_target(domain, t, token, lookup, registry, dry_run, gate, leader) for t in domain.targets
            ]
            report = DomainReport(
                domain,
                token.expires_at,
                targets=results,
                lifetime=token.lifetime,
                retryable=all(t.retryable for t in results if t.outcome == FAILED),
                endpoints=lookup.known,
            )
            if not dry_run:
                hook_output.LIVE.remember(token.value, token.expires_at.timestamp())
                _run_hooks(report, registry, pending or hooks.Pending(), gate.hooks)
                _tell_listeners(domain, token, lookup)
        except Exception:  # a bug; logged while the token is still known, so it is redacted
            logger.exception("%s: internal error (please report this bug)", domain.label)
            return DomainReport(
                domain,
                error="internal error",
                retryable=False,
                targets=[TargetResult(t, FAILED, "internal error") for t in domain.targets],
            )
    return report


#: called after each refresh that got a token, with the domain, the token and its endpoints
#: (``run --session-environment``'s pusher: :mod:`.helpers.session`); one that fails is logged
LISTENERS: list[Callable[[Domain, Token, EndpointLookup], None]] = []


def _tell_listeners(domain: Domain, token: Token, lookup: EndpointLookup) -> None:
    for listener in LISTENERS:
        try:
            listener(domain, token, lookup)
        except Exception:  # a bug in one listener: the refresh went well all the same
            logger.exception("%s: internal error in %r (please report this bug)", domain.label, listener)


def _error_text(e: Exception) -> str:
    """An error as the report (and so the state file and ``status``) keeps it: one bounded line."""
    return log.one_line(e, log.MAX_ERROR)


def _needs(domain: Domain, registry: Registry) -> list[tuple[str, str]]:
    """The (repository, format) pairs the domain's targets need endpoints for."""
    needs = []
    for target in domain.targets:
        try:
            needs.append((target.repository, _writer(target, registry).repository_format()))
        except Exception:  # noqa: S112 - a plugin's writer may fail in any way
            continue  # the target fails on its own, with this error, when it is applied
    return needs


def _writer(target: Target, registry: Registry) -> Writer[Any]:
    """The target's writer: the one the config built, else (a target made by hand) a new one."""
    return target.instance if target.instance is not None else registry.get(target.writer)(**dict(target.options))


def refresh_all(
    config: Config, clients: Clients, registry: Registry, dry_run: bool = False, gate: Gate | None = None
) -> list[DomainReport]:
    """Refresh every domain, at most ``config.workers`` at once; reports in config order."""
    with ThreadPoolExecutor(min(config.workers, len(config.domains)), "refresh") as pool:
        return list(pool.map(lambda d: refresh_domain(d, clients, registry, dry_run, gate), config.domains))


def _run_hooks(report: DomainReport, registry: Registry, pending: hooks.Pending, running: hooks.Running) -> None:
    """The hooks of the changed targets and of the domain, and those it owes (:func:`.hooks.jobs`);
    each that fails is owed again and named in the report."""
    domain = report.domain
    jobs = hooks.jobs(domain, [t.target for t in report.changed], pending.take(domain))
    finders = _secret_finders(domain, registry) if jobs else []
    for argv, targets in jobs.items():
        env = hooks.environment(domain, report.expires_at, targets)
        failure = hooks.run(argv, domain.hook_timeout, env, domain.label, running, finders)
        if failure:
            report.hooks_failed.append(failure)
            pending.owe(domain, argv, targets)


def _secret_finders(domain: Domain, registry: Registry) -> list[hook_output.SecretFinder]:
    """Each file role's ``find_file_secrets`` of the writers the domain's targets use."""
    finders: list[hook_output.SecretFinder] = []
    for target in domain.targets:
        try:
            writer = _writer(target, registry)
        except Exception:  # noqa: S112 - the target failed on its own already
            continue
        finders.extend(functools.partial(writer.find_file_secrets, role) for role in writer.roles())
    return finders


def _refresh_target(
    domain: Domain,
    target: Target,
    token: Token,
    endpoints: EndpointLookup,
    registry: Registry,
    dry_run: bool,
    gate: Gate,
    leader: Leading | None = None,
) -> TargetResult:
    what = f"{domain.label}: {target.identity}"
    try:
        if leader is not None and leader_only(target) and not leader.leading():
            raise NotLeader(_not_leader(leader))
        result = _apply(domain, target, token, endpoints, registry, dry_run, _guard(gate, target, leader))
    except NotLeader as e:
        logger.info("%s: %s: %s", what, SKIPPED, e)
        return TargetResult(target, SKIPPED, str(e))
    except Stopping:
        logger.info("%s: skipped: stopping", what)
        return TargetResult(target, SKIPPED)
    except NotFoundError as e:  # the repository: say which line of the config names it
        where = f"{domain.source}:{target.line}" if domain.source else f"line {target.line} of the config"
        e = NotFoundError(f"{e} (the {target.writer} target at {where})")
        logger.error("%s: %s", what, e)
        return TargetResult(target, FAILED, _error_text(e))
    except Error as e:
        logger.error("%s: %s", what, e)
        return TargetResult(target, FAILED, _error_text(e), retryable=getattr(e, "retryable", False))
    except Exception as e:  # a bug, most likely in a writer plugin: report it, go on with the rest
        logger.exception("%s: internal error (please report this bug)", what)
        return TargetResult(target, FAILED, f"internal error: {type(e).__name__}")
    logger.info("%s: %s", what, result.outcome)
    return result


def _apply(
    domain: Domain,
    target: Target,
    token: Token,
    endpoints: EndpointLookup,
    registry: Registry,
    dry_run: bool,
    guard: Guard,
) -> TargetResult:
    writer = _writer(target, registry)
    endpoint = endpoints.get(target.repository, writer.repository_format())
    owner, region = endpoint_account_and_region(endpoint, domain.domain)
    creds = Credentials(
        endpoint,
        token.value,
        target.repository,
        token.expires_at,
        domain=domain.domain,
        owner=domain.owner or owner,
        region=domain.region or region,
    )
    hosts.OWNERS.claim(domain, writer.all_claims(), dict(target.outputs), netrc.machine_name(endpoint))
    context = Context(token.value, token.expires_at)  # for an output that keeps the token too (a Secret)
    outputs = [(role, output.bind(context)) for role, output in target.outputs]

    def renderer(role: str, output: Output) -> Render:
        def render(text: str | None) -> str:
            naming = contextlib.nullcontext() if dry_run else references.logging_for(str(output))
            try:
                with naming:
                    return writer.render_checked(role, text, creds)
            except WriterRefusedError as e:
                raise WriterRefusedError(f"{output}: {e}; left as it is") from None
            except WriterError as e:
                what = f"a {target.writer} config" if role == MAIN else f"the {target.writer} target's {role} file"
                raise WriterError(f"cannot parse {output} as {what}: {e}; left as it is") from None

        return render

    if dry_run:
        plans = [(role, *output.preview(renderer(role, output))) for role, output in outputs]
        secrets = [token.value]
        for role, before, after in plans:
            for text in (after.text, before.text):
                secrets.extend(writer.find_file_secrets(role, text or ""))
        diff = "".join(redacted_diff(before, after, secrets) for _, before, after in plans)
        changed = any(before != after for _, before, after in plans)
        return TargetResult(target, WOULD_WRITE if changed else UNCHANGED, diff=diff)
    # in the writer's order: credentials first, then the config that refers to them
    wrote = [output.update(renderer(role, output), guard=guard) for role, output in outputs]
    return TargetResult(target, WRITTEN if any(wrote) else UNCHANGED, endpoint=endpoint)


def redacted_diff(before: Snapshot, after: Snapshot, secrets: Iterable[str]) -> str:
    """A unified diff of one output (and a line for a mode change) with every secret redacted:
    each of ``secrets`` (the token, and what the writer's ``find_secrets`` found in either text;
    a value over several lines, line by line) and, whatever the format, the userinfo of every URL."""
    name = before.name
    lines = list(
        difflib.unified_diff(
            (before.text or "").splitlines(),
            (after.text or "").splitlines(),
            "/dev/null" if before.text is None else name,
            name,
            lineterm="",
        )
    )
    if after.mode != before.mode and after.mode is not None:
        old = "none" if before.mode is None else f"{before.mode:04o}"
        lines.insert(0, f"# mode {old} -> {after.mode:04o}: {name}")
    if not lines:
        return ""
    pieces = {piece.strip() for s in secrets if "\n" in s for piece in s.splitlines()}
    return redaction.redact_userinfo(log.redact("\n".join(lines) + "\n", [*secrets, *pieces]))


def summary(reports: list[DomainReport]) -> str:
    counts: dict[str, int] = {}
    for report in reports:
        for t in report.targets:
            counts[t.outcome] = counts.get(t.outcome, 0) + 1
    parts = [f"{n} {outcome}" for outcome, n in counts.items()]
    hooks_failed = sum(len(r.hooks_failed) for r in reports)
    if hooks_failed:
        parts.append(f"{hooks_failed} hook(s) failed")
    failed_domains = sum(1 for r in reports if not r.ok)
    tail = f"; {failed_domains} of {len(reports)} domains had failures" if failed_domains else ""
    return f"{len(reports)} domain(s): {', '.join(parts) or 'no targets'}{tail}"
