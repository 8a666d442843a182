"""The optional HTTP listener: ``/healthz`` for probes, ``/metrics`` for Prometheus.

``/healthz`` answers 200 while every domain holds a token that has not expired (a failing refresh
with a live token is still serving builds; its failures show in the metrics and in ``status``),
503 otherwise, with one line per domain. ``/metrics`` is the Prometheus text format, labelled by
domain and owner only (see :func:`metrics`). Neither ever shows a token: they read only the
:class:`~.state.State`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .assessment import Assessment
from .state import State

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


def _worst(values: list, pick) -> float | int | None:
    known = [v for v in values if v is not None]
    return pick(known) if known else None


METRICS = (
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
    ("consecutive_failures", "gauge", "Failed refreshes in a row (0 after a success).", lambda e, now: e.failures, max),
    (
        "last_success_timestamp_seconds",
        "gauge",
        "When the last successful refresh finished.",
        lambda e, now: e.last_success,
        min,  # the oldest
    ),
)


def metrics(state: State, now: float) -> str:
    """The Prometheus text of every domain, labelled by :data:`LABELS` only. A domain that the
    config lists twice (with other AWS settings) is one series: the worst of its entries for a
    gauge, the sum for a counter."""
    series: dict[tuple[str, str], list] = {}
    for _, entry in sorted(state.domains.items()):
        series.setdefault((entry.domain or entry.label, entry.owner or ""), []).append(entry)
    out = []
    for name, kind, help, value, combine in METRICS:
        out += [f"# HELP {PREFIX}_{name} {help}", f"# TYPE {PREFIX}_{name} {kind}"]
        for (domain, owner), entries in sorted(series.items()):
            v = _worst([value(e, now) for e in entries], combine)
            if v is not None:
                out.append(f"{PREFIX}_{name}{{{_labels(domain, owner)}}} {f'{v:.3f}' if isinstance(v, float) else v}")
    return "\n".join(out) + "\n"


class HealthServer:
    def __init__(self, state: State, address: str, port: int, clock=time.time) -> None:
        self.state, self.clock = state, clock
        handler = type("Handler", (_Handler,), {"health": self})
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family, "daemon_threads": True})
        self._server = server_class((address, port), handler)
        host = f"[{address}]" if ":" in address else address
        self.address = f"{host}:{self._server.server_address[1]}"

    def start(self) -> HealthServer:
        threading.Thread(target=self._server.serve_forever, args=(0.5,), name="health", daemon=True).start()
        logger.info("health endpoint on http://%s/healthz and /metrics", self.address)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    health: HealthServer

    def do_GET(self) -> None:
        now = self.health.clock()
        if self.path == "/healthz":
            status, body, ctype = *healthz(self.health.state, now), "text/plain; charset=utf-8"
        elif self.path == "/metrics":
            status, body, ctype = 200, metrics(self.health.state, now), "text/plain; version=0.0.4; charset=utf-8"
        else:
            status, body, ctype = 404, "not found: try /healthz or /metrics\n", "text/plain; charset=utf-8"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        logger.debug("health: %s", format % args)
