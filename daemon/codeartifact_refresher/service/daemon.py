"""``run``: the long-lived daemon.

The main thread owns the *loop*: it sleeps on an event for at most a *tick*, then acts on what the
signal handlers asked for (stop, reload, refresh now; handlers only set a flag and the event),
looks at the clocks, kicks any domain whose refresh is overdue, and pings systemd's watchdog.
APScheduler's threads run the refreshes themselves (:meth:`Daemon.refresh_job`), each of which
plans the domain's next run: from the token's expiry after a success, after a backoff after a
failure. A domain is one APScheduler job, and the daemon's own set of running domains keeps two
runs of one domain from overlapping.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import random
import signal
import threading

from .. import config as configuration
from ..errors import ConfigError, Error
from ..refresh import DomainReport, Gate, refresh_domain
from .planner import Clock, Plan, Watch, duration, refresh_delay, retry_delay
from .state import State, default_path
from .notify import Notifier

logger = logging.getLogger(__name__)

TICK = 15.0  # seconds between looks at the clocks: a sleep is noticed well within a minute
OVERDUE = 2.0  # seconds late before the loop kicks a run APScheduler should have started
STOP_GRACE = 5.0  # seconds to wait at exit for writes in flight and for refreshes to finish
SAVE_EVERY = 1.0  # seconds: the state file is written at most this often while refreshes end


class Daemon:
    def __init__(self, config_path, registry, clients=None, *, clock=None, notifier=None, scheduler=None,
                 rng=None, state_path=None, health_factory=None) -> None:
        self.config_path, self.registry, self.clients = config_path, registry, clients
        self.clock = clock or Clock()
        self.notifier = notifier or Notifier()
        self.rng = rng or random.Random()
        self.config = configuration.load(config_path, registry)
        if self.clients is None:
            from ..aws.tokens import Clients

            self.clients = Clients(connections=self.config.workers)
        self.state = State.load(state_path or default_path(self.config))
        self.state.keep_only(self.config)
        self.scheduler = scheduler
        self.health_factory = health_factory
        self.health = None
        self.gate = Gate()
        self.watch = Watch.start(self.clock)
        self.wake = threading.Event()
        self.requests: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)  # notified whenever a refresh ends
        self.domains = {d.key: d for d in self.config.domains}
        self.plans: dict[str, Plan] = {}
        self.running: set[str] = set()
        self.kicked: set[str] = set()
        self.failures: dict[str, int] = {}  # in a row, this process: the backoff starts afresh at start-up
        self.first_round = set(self.domains)
        self.ready = self.stopping = False
        self.dirty = False  # the state changed since the state file was written
        self.saved_at = float("-inf")  # monotonic
        self.last_status = ""  # as last sent to systemd
        self.tick_seconds = min(TICK, (self.notifier.watchdog_seconds or TICK * 2) / 2)

    # -- the main thread -----------------------------------------------------------------------

    def request(self, what: str) -> None:
        """Ask the loop to ``stop``, ``reload`` or ``refresh``; safe from a signal handler."""
        self.requests.add(what)
        self.wake.set()

    def install_signals(self) -> None:
        actions = {signal.SIGTERM: "stop", signal.SIGINT: "stop", signal.SIGHUP: "reload", signal.SIGUSR1: "refresh"}
        for signum, what in actions.items():
            signal.signal(signum, lambda *_, what=what: self.request(what))

    def start(self) -> None:
        if self.scheduler is None:
            from .scheduler import Scheduler

            self.scheduler = Scheduler(self.refresh_job, self.config.workers)
        self._start_health()
        self.state.daemon = {"pid": os.getpid(), "config": str(self.config.path.resolve()),
                             "health": self.health.address if self.health else None}
        logger.info("starting: %d domain(s) from %s; state in %s", len(self.domains), self.config.path, self.state.path)
        self.scheduler.start()
        now = self.clock.wall()
        for key in self.domains:
            self.scheduler.at(key, now)

    def loop(self) -> None:
        """Until asked to stop: act on requests, then :meth:`tick`."""
        while True:
            self.wake.wait(min(self.tick_seconds, SAVE_EVERY) if self.dirty else self.tick_seconds)
            self.wake.clear()
            requests, self.requests = self.requests, set()
            if "stop" in requests:
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
            due = [k for k, p in self.plans.items()
                   if k not in self.running and k not in self.kicked and p.due(self.clock, late_by=OVERDUE)]
            self.kicked.update(due)
        for key in due:
            logger.info("%s: refresh is due now", self.domains[key].label)
            self.scheduler.at(key, self.clock.wall())
        if not self.ready and not self.first_round:
            self.ready, self.last_status = True, self.status_line()
            self.notifier.ready(self.last_status)
            logger.info("ready: %s", self.last_status)
        elif self.ready and (line := self.status_line()) != self.last_status:
            self.last_status = line
            self.notifier.status(line)
        if self.dirty and (now := self.clock.monotonic()) - self.saved_at >= SAVE_EVERY:
            self.dirty, self.saved_at = False, now  # one write for every refresh that ended since the last
            self.state.save()
        if self.healthy():
            self.notifier.watchdog()

    def healthy(self) -> bool:
        """What the watchdog vouches for: this loop runs (or it would not ask) and so does the
        scheduler. A failing refresh is not unhealthy: a restart would not mend an AWS outage."""
        return self.scheduler is not None and self.scheduler.running and not self.stopping

    def status_line(self) -> str:
        now = self.clock.wall()
        with self._lock:
            entries = [self.state.get(d) for d in self.domains.values()]
        failing = [e for e in entries if e.failures]
        live = [e for e in entries if e.expires_at and e.expires_at > now]
        soonest = min(live, key=lambda e: e.expires_at, default=None)
        parts = [f"{len(entries) - len(failing)} of {len(entries)} domain(s) OK"]
        if soonest:
            parts.append(f"soonest token expires in {duration(soonest.expires_at - now)} ({soonest.label})")
        if failing:
            parts.append(f"failing: {', '.join(e.label for e in failing)}")
        return "; ".join(parts)

    def refresh_now(self) -> None:
        logger.info("refreshing every domain now (SIGUSR1)")
        with self._lock:
            keys = [k for k in self.domains if k not in self.running]
        for key in keys:
            self.scheduler.at(key, self.clock.wall())

    def reload(self) -> None:
        try:
            new = configuration.load(self.config_path, self.registry)
        except ConfigError as e:
            logger.error("reload refused, still running the previous config: %s", e)
            return
        fresh = {d.key: d for d in new.domains}
        with self._lock:
            old, old_config = self.domains, self.config
            removed = [k for k in old if k not in fresh]
            changed = [k for k, d in fresh.items() if k not in old or _sans_lines(d) != _sans_lines(old[k])]
            self.domains, self.config = fresh, new
            for key in removed:
                self.plans.pop(key, None)
                self.failures.pop(key, None)
                self.first_round.discard(key)
            changed = [k for k in changed if k not in self.running]  # a running one re-runs when done
        for key in removed:
            self.scheduler.remove(key)
        for key in changed:
            self.scheduler.at(key, self.clock.wall())
        self.state.keep_only(new)
        self.state.save()
        for setting in ("workers", "health", "state_file"):
            if getattr(new, setting) != getattr(old_config, setting):
                logger.warning("reload: %s changed; it takes effect when the daemon restarts", setting)
        logger.info("reloaded %s: %d domain(s); %d added or changed, %d removed",
                    new.path, len(fresh), len(changed), len(removed))

    def stop(self) -> bool:
        """Finish the writes in flight, start nothing new; True when no refresh was left running."""
        self.stopping = True
        self.notifier.stopping()
        logger.info("stopping")
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.gate.close(STOP_GRACE)
        with self._idle:
            self._idle.wait_for(lambda: not self.running, STOP_GRACE)
            busy = set(self.running)
        if self.health:
            self.health.stop()
        self.state.save()
        if busy:
            logger.warning("left %d refresh(es) waiting on AWS; no file write was in progress", len(busy))
        return not busy

    # -- APScheduler's threads -------------------------------------------------------------------

    def refresh_job(self, key: str) -> None:
        with self._lock:
            domain = self.domains.get(key)
            if domain is None or self.stopping or key in self.running:
                return  # gone, stopping, or being refreshed now (that run plans the next)
            self.running.add(key)
            self.kicked.discard(key)
        try:
            report = refresh_domain(domain, self.clients, self.registry, gate=self.gate)
        except Exception:  # a bug: log it, and keep the domain scheduled
            logger.exception("%s: internal error (please report this bug)", domain.label)
            report = DomainReport(domain, error="internal error", retryable=False)
        finally:
            with self._lock:
                self.running.discard(key)
                self._idle.notify_all()
        self._plan_next(key, domain, report)

    def _plan_next(self, key: str, domain, report: DomainReport) -> None:
        now = self.clock.wall()
        with self._lock:
            if self.stopping or key not in self.domains:
                return
            reloaded = self.domains[key] is not domain
            if not reloaded:
                failures = self.failures[key] = 0 if report.ok else self.failures.get(key, 0) + 1
                delay = self._delay(domain, report, failures, now)
                self.plans[key] = Plan.after(self.clock, delay)
                self.state.record(report, now, self.plans[key].wall)
                self.first_round.discard(key)
        if reloaded:  # changed by a reload while it ran: run again now, with the new settings
            self.scheduler.at(key, now)
            return
        self.scheduler.at(key, now + delay)
        self.dirty = True
        self.wake.set()  # the loop writes the state file, and announces readiness after the first round
        if report.ok:
            logger.info("%s: next refresh in %s", domain.label, duration(delay))
        else:
            logger.warning("%s: %d failure(s) in a row; trying again in %s", domain.label, failures, duration(delay))

    def _delay(self, domain, report: DomainReport, failures: int, now: float) -> float:
        normal = None
        if report.expires_at is not None:
            remaining = report.expires_at.timestamp() - now
            normal = refresh_delay(remaining, report.lifetime or remaining, domain.refresh_at, domain.jitter, self.rng)
        if report.ok:
            return normal
        retry = retry_delay(failures, report.retryable, self.rng)
        return retry if normal is None else min(retry, normal)

    def _start_health(self) -> None:
        if self.config.health is None:
            return
        if self.health_factory is None:
            from .health import HealthServer

            self.health_factory = HealthServer
        h = self.config.health
        try:
            self.health = self.health_factory(self.state, h.address, h.port).start()
        except OSError as e:
            raise Error(f"{self.config.path}: health: cannot listen on {h.address}:{h.port}: {e.strerror or e}") from None


def _sans_lines(domain):
    """A domain without the line numbers, so that moving it in the file is not a change."""
    return dataclasses.replace(domain, line=0, targets=tuple(dataclasses.replace(t, line=0) for t in domain.targets))


def run(config_path, registry) -> tuple[int, bool]:
    """The ``run`` command: (exit status, whether every refresh finished)."""
    daemon = Daemon(config_path, registry)
    daemon.install_signals()
    daemon.start()
    try:
        daemon.loop()
    finally:
        finished = daemon.stop()
    return 0, finished
