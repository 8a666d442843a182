"""``run``: the long-lived daemon.

The main thread owns the *loop*: it sleeps on a :class:`~.wakeup.Wakeup` for at most a *tick*,
then, in :meth:`Daemon.loop_once`, acts on what the signal handlers asked for (stop, reload,
refresh now; handlers only add a word to a set, and the interpreter writes the wake-up byte), looks
at the clocks, kicks any domain whose refresh is overdue, and pings systemd's watchdog (and the
health listener's ``/livez``). APScheduler's threads run the refreshes themselves
(:meth:`Daemon.refresh_job`), each of which plans the domain's next run (:mod:`.planner` decides
when). A domain is one APScheduler job. The daemon keeps one :class:`DomainRecord` per domain, by
:attr:`~.config.Domain.key`: its settings, plan, whether it runs (which keeps two runs of one domain
from overlapping) and the hooks it owes; a reload that removes a domain removes its record, and so
all the daemon knew of it. :func:`run` loads the config and the state; the :class:`Daemon`
is given them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import config as configuration
from ..agent.live import LiveTokens
from ..config import hosts
from ..errors import ConfigError, Error
from ..hooks import Pending
from ..outputs import locks
from ..refresh import DomainReport, Gate, refresh_domain
from ..state import State, default_path
from .assessment import Assessment
from .instance import DaemonLock
from .notify import Notifier
from .planner import (
    MANUAL_EVERY,
    OVERDUE,
    TICK,
    Clock,
    Clocks,
    Plan,
    Watch,
    bare_target,
    duration,
    failures_after,
    next_delay,
    overdue,
    tick_seconds,
)
from .readiness import Announcer
from .saving import SAVE_EVERY, StateSaver
from .wakeup import Wakeup
from .watchdog import Watchdog, refreshing

if TYPE_CHECKING:
    from ..agent.server import AgentServer
    from ..aws.tokens import Clients
    from ..config import Config, Domain
    from ..writers.registry import Registry
    from .health import HealthServer
    from .scheduler import JobScheduler

__all__ = ["OVERDUE", "SAVE_EVERY", "STOP_GRACE", "TICK", "Daemon", "run"]

logger = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds to wait at exit for writes in flight and for refreshes to finish


@dataclass
class DomainRecord:
    """What the daemon knows of one domain of its config."""

    domain: Domain
    plan: Plan | None = None  # its next refresh, once one ended
    started: float | None = None  # monotonic: when its last refresh started
    running: bool = False
    kicked: bool = False  # found overdue and handed to the scheduler, not yet started
    manual: bool = False  # a manual refresh (SIGUSR1) planned and not yet started
    failures: int = 0  # in a row, this process: the backoff starts afresh at start-up
    first_round: bool = True  # its first refresh has not ended yet
    hooks: Pending = field(default_factory=Pending)  # hooks that failed, run again on its next refresh


class Daemon:
    """The loop and the refresh jobs, given a loaded ``config`` and ``state``; ``loader`` reads the
    config again for a reload (SIGHUP)."""

    def __init__(
        self,
        config: Config,
        state: State,
        registry: Registry,
        clients: Clients | None = None,
        *,
        loader: Callable[[], Config],
        clock: Clocks | None = None,
        notifier: Notifier | None = None,
        scheduler: JobScheduler | None = None,
        rng: random.Random | None = None,
        health_factory: Callable[..., HealthServer] | None = None,
    ) -> None:
        self.config, self.state, self.registry, self.loader = config, state, registry, loader
        self.clock, self.notifier, self.rng = clock or Clock(), notifier or Notifier(), rng or random.Random()  # noqa: S311 - jitter
        if clients is None:
            from ..aws.tokens import Clients, utc_clock

            clients = Clients(utc_clock(self.clock.wall), connections=config.workers)
        for domain in config.domains:
            state.get(domain)  # an entry from the start: /healthz counts a domain not yet refreshed
            clients.remember(domain, state.endpoints_of(domain))  # one AWS call per domain, not three
            hosts.OWNERS.seed(domain, registry, state.endpoints_of(domain))  # who owned a host last time
        self.clients, self.scheduler, self.health_factory = clients, scheduler, health_factory
        self.health: HealthServer | None = None
        self.saver, self.announcer = StateSaver(state, self.clock), Announcer(self.notifier)
        self.tick_seconds = tick_seconds(self.notifier.watchdog_seconds)
        self.gate, self.watch, self.wake = Gate(), Watch.start(self.clock), Wakeup()
        self.watchdog = Watchdog(state, self.clock, self.saver.changed)  # refreshes running far too long
        self.requests: set[str] = set()  # what the signal handlers asked for since the loop last looked
        self.alive_at: float | None = None  # monotonic: when the loop last found itself alive
        self.stop_requested = self.stopping = False
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # notified whenever a refresh ends
        self.records = {d.key: DomainRecord(d) for d in config.domains}
        self.live = LiveTokens()  # each domain's newest token, in memory only: the agent serves it
        self.agent: AgentServer | None = None
        self.leaving: dict[str, DomainRecord] = {}  # removed by a reload while refreshing: gone when done

    @property
    def domains(self) -> dict[str, Domain]:
        """The config's domains, by key."""
        return {key: record.domain for key, record in self.records.items()}

    @property
    def dirty(self) -> bool:
        return self.saver.dirty

    # -- the main thread -----------------------------------------------------------------------

    def request(self, what: str) -> None:
        """Ask the loop to ``stop``, ``reload`` or ``refresh`` (as a signal does)."""
        self.requests.add(what)
        self.wake.set()

    def install_signals(self) -> None:
        actions = {signal.SIGTERM: "stop", signal.SIGINT: "stop", signal.SIGHUP: "reload", signal.SIGUSR1: "refresh"}
        self.wake.on_signals(actions, self.requests)

    @property
    def _jobs(self) -> JobScheduler:
        """The scheduler, which :meth:`start` makes (unless given) before anything is scheduled."""
        if self.scheduler is None:
            raise RuntimeError("the daemon schedules nothing before start()")
        return self.scheduler

    def start(self) -> None:
        if self.scheduler is None:
            from .scheduler import Scheduler

            self.scheduler = Scheduler(self.refresh_job, self.config.workers)
        self.alive_at = self.clock.monotonic()  # /livez vouches from the start; the loop keeps it up
        self.health = _start_health(self.config, self.state, self.health_factory, self.loop_age)
        self.agent, agent = _start_agent(self)
        self.state.daemon = {
            "pid": os.getpid(),
            "config": str(self.config.path.resolve()),
            "health": self.health.address if self.health else None,
            "agent": agent,
        }
        logger.info("starting: %d domain(s) from %s; state in %s", len(self.domains), self.config.path, self.state.path)
        self.state.sweep(self.config, self.registry)  # targets that left the config while we were away
        self.scheduler.start()
        now = self.clock.wall()
        for key in self.domains:
            self.scheduler.at(key, now)

    def loop(self) -> None:
        """Until asked to stop: wait for a request or a tick, then :meth:`loop_once`."""
        while not self.stop_requested:
            self.wake.wait(self.saver.wait(self.tick_seconds))
            self.loop_once()

    def loop_once(self) -> None:
        """Act on the requests (a stop ends the loop), then :meth:`tick`."""
        self.wake.clear()
        requests = set()
        while self.requests:  # emptied in place: the signal handlers hold this very set
            requests.add(self.requests.pop())
        if "stop" in requests:
            self.stop_requested = True
            return
        if "reload" in requests:
            self.reload()
        if "refresh" in requests:
            self.refresh_now()
        self.tick()

    def tick(self) -> None:
        for event in self.watch.look(self.clock):
            logger.warning("%s; checking every token now", event)
        with self._lock:
            plans = {k: r.plan for k, r in self.records.items() if r.plan is not None}
            due = overdue(plans, [k for k, r in self.records.items() if r.running or r.kicked], self.clock)
            for key in due:
                self.records[key].kicked = True
            labels = {key: self.records[key].domain.label for key in due}
            first_round = any(r.first_round for r in self.records.values())
        for key in due:
            logger.info("%s: refresh is due now", labels[key])
            self._jobs.at(key, self.clock.wall())
        self.announcer.update(not first_round, self.status_line)
        self.saver.save_if_due()
        if self.alive():
            self.alive_at = self.clock.monotonic()
            self.notifier.watchdog()

    def alive(self) -> bool:
        """What the watchdog vouches for: this loop runs (or it would not ask) and so does the
        scheduler, and stuck refreshes do not hold every worker (:meth:`.Watchdog.wedged`). A failing
        refresh is not unhealthy: a restart would not mend an AWS outage."""
        # a domain removed while its refresh runs is still one the workers may be held by
        wedged = self.watchdog.wedged(self.config.workers, len(self.records) + len(self.leaving))
        return self.scheduler is not None and self.scheduler.running and not self.stopping and not wedged

    def loop_age(self) -> float | None:
        """Seconds since the loop last found itself :meth:`alive` (None: never)."""
        return None if self.alive_at is None else self.clock.monotonic() - self.alive_at

    def assessment(self) -> Assessment:
        now = self.clock.wall()
        with self._lock:
            entries = [self.state.get(r.domain) for r in self.records.values()]
        return Assessment.of(entries, now, self.loop_age(), refreshing(self.state, now))

    def status_line(self) -> str:
        return self.assessment().status_line()

    def refresh_now(self) -> None:
        """Refresh every domain now (SIGUSR1), each no sooner than :data:`MANUAL_EVERY` seconds
        after its last refresh started: a request sooner than that is put off to then, and every
        request until that refresh starts is the same one (so is one while the domain runs)."""
        now, wall = self.clock.monotonic(), self.clock.wall()
        with self._lock:
            keys = [k for k, r in self.records.items() if not r.running and not r.manual]
            delays = {}
            for key in keys:
                record = self.records[key]
                record.manual = True
                started = float("-inf") if record.started is None else record.started
                delays[key] = max(0.0, started + MANUAL_EVERY - now)
        for key, delay in delays.items():
            self._jobs.at(key, wall + delay)
        if keys:
            logger.info("refreshing %d domain(s) (SIGUSR1), within %s", len(keys), duration(max(delays.values())))

    def reload(self) -> None:
        try:
            new = self.loader()
        except ConfigError as e:
            logger.error("reload refused, still running the previous config: %s", e)
            return
        fresh = {d.key: d for d in new.domains}
        with self._lock:
            old, old_config = self.records, self.config
            removed = [k for k in old if k not in fresh]
            changed = [k for k, d in fresh.items() if k not in old or _sans_lines(d) != _sans_lines(old[k].domain)]
            # a domain kept keeps its record (plan, backoff, hooks owed) with its new settings
            self.records = {k: _renewed(old.get(k) or self.leaving.pop(k, None), d) for k, d in fresh.items()}
            self.leaving.update({k: old[k] for k in removed if old[k].running})
            self.config = new
            renewed = [k for k in changed if k in old]  # kept, with other settings (targets) now
            changed = [k for k in changed if not self.records[k].running]  # a running one re-runs when done
        self.state.sweep(new, self.registry)  # targets that left the config, before the changed ones are written
        for key in changed:  # its endpoints are looked up afresh too
            self.clients.forget_endpoints(fresh[key])
        for key in removed:
            self._jobs.remove(key)
        # their host entries may go to another domain now; a domain kept with other targets
        # holds only those its targets still reach (as at start: from the endpoints known)
        hosts.OWNERS.release([*removed, *renewed])
        for key in renewed:
            hosts.OWNERS.seed(fresh[key], self.registry, self.state.endpoints_of(fresh[key]))
        for key in changed:
            self._jobs.at(key, self.clock.wall())
        self.state.keep_only(new)
        self.live.keep_only(set(fresh))
        for domain in new.domains:
            self.state.get(domain)
        self.saver.save()
        for setting in ("workers", "health", "state_file", "agent"):
            if getattr(new, setting) != getattr(old_config, setting):
                logger.warning("reload: %s changed; it takes effect when the daemon restarts", setting)
        logger.info(
            "reloaded %s: %d domain(s); %d added or changed, %d removed",
            new.path,
            len(fresh),
            len(changed),
            len(removed),
        )

    def stop(self) -> bool:
        """Finish the writes in flight, start nothing new; True when no refresh was left running."""
        self.stopping = True
        self.notifier.stopping()
        logger.info("stopping")
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.gate.close(STOP_GRACE)
        with self._idle:
            self._idle.wait_for(lambda: not self._running(), STOP_GRACE)
            busy = self._running()
        if self.health:
            self.health.stop()
        if self.agent:
            self.agent.stop()
        self.saver.save()
        if busy:
            logger.warning("left %d refresh(es) waiting on AWS; no file write was in progress", len(busy))
        return not busy

    def _running(self) -> set[str]:
        return {key for key, record in [*self.records.items(), *self.leaving.items()] if record.running}

    # -- APScheduler's threads -------------------------------------------------------------------

    def refresh_job(self, key: str) -> None:
        with self._lock:
            record = self.records.get(key)
            if record is None or self.stopping or record.running:
                return  # gone, stopping, or being refreshed now (that run plans the next)
            record.running, record.kicked, record.manual = True, False, False
            record.started = self.clock.monotonic()
            domain = record.domain
            self.watchdog.began(key, domain)
        try:
            report = refresh_domain(
                domain, self.clients, self.registry, gate=self.gate, pending=record.hooks, keep=self.live.keep
            )
        except Exception:  # a bug: log it, and keep the domain scheduled
            logger.exception("%s: internal error (please report this bug)", domain.label)
            report = DomainReport(domain, error="internal error", retryable=False)
        finally:
            with self._lock:
                record.running = False
                self.watchdog.ended(key)
                if self.leaving.get(key) is record:
                    del self.leaving[key]
                self._idle.notify_all()
        self._plan_next(key, domain, report)

    def _plan_next(self, key: str, domain: Domain, report: DomainReport) -> None:
        now = self.clock.wall()
        with self._lock:
            record = self.records.get(key)
            if self.stopping or record is None:
                return
            reloaded = _sans_lines(record.domain) != _sans_lines(domain)  # a SIGHUP alone changes nothing
            if not reloaded:
                failures = record.failures = failures_after(record.failures, report.ok)
                entry = self.state.get(domain)
                held_until = entry.expires_at  # the token before this refresh
                bare = bare_target(report, entry.outcome, held_until, now)
                delay = next_delay(report, failures, now, self.rng, held_until, bare)
                record.plan = Plan.after(self.clock, delay)
                self.state.record(report, now, record.plan.wall)
                record.first_round = False
        if reloaded:  # changed by a reload while it ran: run again now, with the new settings
            self._jobs.at(key, now)
            return
        self._jobs.at(key, now + delay)
        self.saver.changed()
        self.wake.set()  # the loop writes the state file, and announces readiness after the first round
        if report.ok:
            logger.info("%s: next refresh in %s", domain.label, duration(delay))
        else:
            logger.warning("%s: %d failure(s) in a row; trying again in %s", domain.label, failures, duration(delay))


def _renewed(record: DomainRecord | None, domain: Domain) -> DomainRecord:
    """The record of a domain after a reload: a new one, or the one it had, given its new settings
    in place (a refresh running holds it, and marks it done)."""
    if record is None:
        return DomainRecord(domain)
    record.domain = domain
    return record


def _sans_lines(domain: Domain) -> Domain:
    """A domain without the line numbers, so that moving it in the file is not a change."""
    return dataclasses.replace(domain, line=0, targets=tuple(dataclasses.replace(t, line=0) for t in domain.targets))


def _start_health(
    config: Config, state: State, factory: Callable[..., HealthServer] | None, loop_age: Callable[[], float | None]
) -> HealthServer | None:
    """The health listener that ``config`` asks for, started; None when it asks for none.
    ``loop_age`` tells ``/livez`` how long ago the loop last found itself alive."""
    if config.health is None:
        return None
    if factory is None:
        from .health import HealthServer

        factory = HealthServer
    h = config.health
    try:
        return factory(state, h.address, h.port, loop_age=loop_age).start()
    except OSError as e:
        raise Error(f"{config.path}: health: cannot listen on {h.address}:{h.port}: {e.strerror or e}") from None


def _start_agent(daemon: Daemon) -> tuple[AgentServer | None, dict[str, Any] | None]:
    """The credential socket the config asks for (:mod:`..agent`), serving; and what the state
    file says of it (``status`` shows it). One that cannot be served safely is logged: the files are
    still kept fresh."""
    settings = daemon.config.agent
    if not settings.enabled:
        return None, None
    from ..agent.client import socket_path
    from ..agent.server import AgentServer
    from .credentials import DaemonSource

    path = socket_path(daemon.config)
    try:
        server = AgentServer(path, DaemonSource(daemon), settings.group).start()
    except (Error, OSError) as e:
        why = str(e) if isinstance(e, Error) else f"agent: cannot listen on {path}: {e.strerror or e}"
        logger.error("%s; serving no credentials on a socket", why)
        return None, {"socket": str(path), "served": False, "error": why}
    return server, {"socket": str(path), "served": True, "group": settings.group}


def run(config_path: Any, registry: Registry) -> tuple[int, bool]:
    """The ``run`` command: load the config and the state, run the daemon until asked to stop;
    (exit status, whether every refresh finished)."""
    config = configuration.load(config_path, registry)
    path = default_path(config)
    locks.fall_back_beside(path)  # a read-only home: lock files beside the state file
    with DaemonLock.hold(path):  # one daemon per state file, for as long as it runs
        state = State.load(path)
        state.keep_only(config)
        daemon = Daemon(config, state, registry, loader=lambda: configuration.load(config_path, registry))
        daemon.install_signals()
        daemon.start()
        try:
            daemon.loop()
        finally:
            finished = daemon.stop()
    return 0, finished
