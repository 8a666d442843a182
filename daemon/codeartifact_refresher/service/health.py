"""The optional HTTP listener: ``/healthz`` for probes, ``/metrics`` for Prometheus.

``/healthz`` answers 200 while every domain holds a token that has not expired (a failing refresh
with a live token is still serving builds; its failures show in the metrics and in ``status``),
503 otherwise, with one line per domain. ``/metrics`` is the Prometheus text format. Neither ever
shows a token: they read only the :class:`~.state.State`.
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


def _labels(key: str, entry) -> str:
    pairs = {"domain": entry.domain, "owner": entry.owner or "", "key": key}
    escaped = {k: v.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n") for k, v in pairs.items()}
    return ",".join(f'{k}="{v}"' for k, v in escaped.items())


METRICS = (
    (
        "token_expiry_seconds",
        "gauge",
        "Seconds until the domain's current token expires (negative once it has).",
        lambda e, now: None if e.expires_at is None else e.expires_at - now,
    ),
    (
        "refresh_success_total",
        "counter",
        "Refreshes that wrote or confirmed every target.",
        lambda e, now: e.successes_total,
    ),
    (
        "refresh_failure_total",
        "counter",
        "Refreshes that failed, in whole or in part.",
        lambda e, now: e.failures_total,
    ),
    ("consecutive_failures", "gauge", "Failed refreshes in a row (0 after a success).", lambda e, now: e.failures),
    (
        "last_success_timestamp_seconds",
        "gauge",
        "When the last successful refresh finished.",
        lambda e, now: e.last_success,
    ),
)


def metrics(state: State, now: float) -> str:
    out = []
    entries = sorted(state.domains.items())
    for name, kind, help, value in METRICS:
        out += [f"# HELP {PREFIX}_{name} {help}", f"# TYPE {PREFIX}_{name} {kind}"]
        for key, entry in entries:
            v = value(entry, now)
            if v is not None:
                out.append(f"{PREFIX}_{name}{{{_labels(key, entry)}}} {f'{v:.3f}' if isinstance(v, float) else v}")
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
