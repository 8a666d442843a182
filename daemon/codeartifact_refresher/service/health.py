"""The optional HTTP listener: ``/healthz``, ``/livez`` and ``/readyz`` for probes, ``/metrics``
for Prometheus.

``/healthz`` answers 200 while every domain holds a token that has not expired (a failing refresh
with a live token is still serving builds; its failures show in the metrics and in ``status``),
503 otherwise, with one line per domain; ``/readyz`` is the same verdict for a readiness probe,
and also 503 while a refresh is stuck (:mod:`.watchdog`). ``/livez`` answers 200 while the
daemon's loop runs, whatever AWS does, and stuck refreshes do not hold every worker: a liveness
probe on it restarts a stuck daemon, never one riding out an outage. ``/metrics`` is the Prometheus text
format, labelled by domain and owner only (see :func:`metrics`); its counters count this
process's refreshes. None ever shows a token: they read only the
:class:`~.state.State` and the loop's age.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from ..state import DomainState, State
from . import leadership
from .assessment import Assessment
from .listener import Listener
from .watchdog import refreshing

logger = logging.getLogger(__name__)
PREFIX = "codeartifact_refresher"


def healthz(state: State, now: float) -> tuple[int, str]:
    """``/healthz``: the :class:`~.assessment.Assessment` of every domain the state knows."""
    return Assessment.of(list(state.domains.values()), now).healthz()


LABELS = ("domain", "owner")  # and nothing else: a series is a domain, whatever its AWS settings


def _labels(domain: str, owner: str) -> str:
    pairs = {"domain": domain, "owner": owner}
    escaped = {k: v.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n") for k, v in pairs.items()}
    return ",".join(f'{k}="{v}"' for k, v in escaped.items())


def _worst(values: list[float | None], pick: Callable[[list[float]], float]) -> float | None:
    known = [v for v in values if v is not None]
    return pick(known) if known else None


#: (name, kind, help, an entry's value at a time, how the entries of one series combine)
Metric = tuple[str, str, str, Callable[[DomainState, float], float | None], Callable[[list[float]], float]]
METRICS: tuple[Metric, ...] = (
    (
        "token_expiry_seconds",
        "gauge",
        "Seconds until the domain's current token expires (negative once it has).",
        lambda e, now: None if e.expires_at is None else e.expires_at - now,
        min,  # the soonest to expire
    ),
    (
        "refresh_success_total",
        "counter",
        "Refreshes that wrote or confirmed every target.",
        lambda e, now: e.successes_total,
        sum,
    ),
    (
        "refresh_failure_total",
        "counter",
        "Refreshes that failed, in whole or in part.",
        lambda e, now: e.failures_total,
        sum,
    ),
    (
        "credentials_expiry_seconds",
        "gauge",
        "Seconds until the domain's AWS credentials run out for good: an SSO login's end, temporary keys "
        "nothing renews (negative once they have); absent for credentials that renew themselves or never expire.",
        lambda e, now: (
            None if (found := e.credential_lifetime) is None or found.ends_at is None else found.ends_at - now
        ),
        min,  # the soonest to run out
    ),
    ("consecutive_failures", "gauge", "Failed refreshes in a row (0 after a success).", lambda e, now: e.failures, max),
    (
        "last_success_timestamp_seconds",
        "gauge",
        "When the last successful refresh finished.",
        lambda e, now: e.last_success,
        min,  # the oldest
    ),
)


def election_metrics(state: State) -> list[str]:
    """The leader election's series, when the daemon elects one: whether this replica leads, the
    term (the Lease's transitions) and who leads (an info series labelled with both identities)."""
    found = leadership.of_state(state.daemon)
    if found is None:
        return []
    labels = ",".join(f'{k}="{_escaped(str(found.get(k) or ""))}"' for k in ("leader", "identity"))
    out = [
        f"# HELP {PREFIX}_leader Whether this replica is the elected leader (1) or follows (0).",
        f"# TYPE {PREFIX}_leader gauge",
        f"{PREFIX}_leader {1 if found.get('leading') else 0}",
        f"# HELP {PREFIX}_leader_info The elected leader and this replica's identity.",
        f"# TYPE {PREFIX}_leader_info gauge",
        f"{PREFIX}_leader_info{{{labels}}} 1",
    ]
    if isinstance(found.get("term"), int):
        out += [
            f"# HELP {PREFIX}_leader_term The Lease's leaseTransitions: the term of the current leader.",
            f"# TYPE {PREFIX}_leader_term gauge",
            f"{PREFIX}_leader_term {found['term']}",
        ]
    return out


def _escaped(value: str) -> str:
    return value.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")


def metrics(state: State, now: float) -> str:
    """The Prometheus text of every domain, labelled by :data:`LABELS` only. A domain that the
    config lists twice (with other AWS settings) is one series: the worst of its entries for a
    gauge, the sum for a counter."""
    series: dict[tuple[str, str], list[DomainState]] = {}
    for _, entry in sorted(state.domains.items()):
        series.setdefault((entry.domain or entry.label, entry.owner or ""), []).append(entry)
    out = []
    for name, kind, help, value, combine in METRICS:
        out += [f"# HELP {PREFIX}_{name} {help}", f"# TYPE {PREFIX}_{name} {kind}"]
        for (domain, owner), entries in sorted(series.items()):
            v = _worst([value(e, now) for e in entries], combine)
            if v is not None:
                out.append(f"{PREFIX}_{name}{{{_labels(domain, owner)}}} {f'{v:.3f}' if isinstance(v, float) else v}")
    return "\n".join([*out, *election_metrics(state)]) + "\n"


class HealthServer:
    """The listener (:class:`~.listener.Listener`) with the routes: ``/healthz``, ``/readyz`` and
    ``/metrics`` read the ``state``; ``/livez`` asks ``loop_age`` (the daemon's
    :meth:`~.daemon.Daemon.loop_age`) how long ago the loop last ran."""

    def __init__(
        self,
        state: State,
        address: str,
        port: int,
        clock: Callable[[], float] = time.time,
        loop_age: Callable[[], float | None] = lambda: None,
        **limits: Any,
    ) -> None:
        self.state, self.clock, self.loop_age = state, clock, loop_age
        self._listener = Listener(address, port, self.respond, **limits)
        host = f"[{address}]" if ":" in address else address
        self.address = f"{host}:{self._listener.port}"

    def start(self) -> HealthServer:
        self._listener.start()
        logger.info("health endpoint on http://%s/healthz, /livez, /readyz and /metrics", self.address)
        return self

    def stop(self) -> None:
        self._listener.stop()

    def respond(self, method: str, path: str) -> tuple[int, str, str]:
        """(HTTP status, content type, body) for a GET of ``path``."""
        now, text = self.clock(), "text/plain; charset=utf-8"
        if path == "/metrics":
            return 200, "text/plain; version=0.0.4; charset=utf-8", metrics(self.state, now)
        views = {"/healthz": Assessment.healthz, "/readyz": Assessment.readyz, "/livez": Assessment.livez}
        if path not in views:
            return 404, text, "not found: try /healthz, /livez, /readyz or /metrics\n"
        entries = leadership.led(list(self.state.domains.values()), self.state.daemon)
        assessment = Assessment.of(entries, now, self.loop_age(), refreshing(self.state, now))
        status, body = views[path](assessment)
        if path != "/livez":
            status, body = _with_election(status, body, self.state, bool(entries), path == "/readyz")
        return status, text, body


def _with_election(status: int, body: str, state: State, judged: bool, ready: bool) -> tuple[int, str]:
    """``/healthz`` and ``/readyz`` of a daemon that elects a leader: a line saying whom it follows
    (or that it leads). A follower with no domain of its own to judge is healthy and ready: it can
    take over."""
    found = leadership.of_state(state.daemon)
    if found is None:
        return status, body
    line = leadership.describe(found)
    if not judged and not found.get("leading"):
        return 200, f"{'ready' if ready else 'ok'}\n{line}\n"
    return status, f"{body}{line}\n"
