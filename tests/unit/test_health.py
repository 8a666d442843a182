import re
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from codeartifact_refresher.service.assessment import LIVE_WITHIN
from codeartifact_refresher.service.health import HealthServer, healthz, metrics
from codeartifact_refresher.service.listener import DEADLINE, MAX_CONNECTIONS, MAX_REQUEST, Listener
from codeartifact_refresher.state import DomainState, State

NOW = 1_800_000_000.0


def state_with(*entries) -> State:
    state = State(path=Path("/nonexistent/state.json"))
    for key, entry in entries:
        state.domains[key] = entry
    return state


def live(label="acme", **kw):
    return DomainState(
        label, label, "111122223333", expires_at=NOW + 3600, last_success=NOW - 60, successes_total=3, **kw
    )


def test_healthz_is_200_while_every_token_lives_even_if_a_refresh_failed():
    state = state_with(("acme", live()), ("beta", live("beta", failures=2, failures_total=2)))
    status, body = healthz(state, NOW)
    assert status == 200 and body.startswith("ok\n")
    assert "beta: expires in 1h 00m, 2 failure(s) in a row" in body


@pytest.mark.parametrize("entry", [DomainState("acme"), DomainState("acme", expires_at=NOW - 1)])
def test_healthz_is_503_when_a_token_is_missing_or_expired(entry):
    status, body = healthz(state_with(("acme", live()), ("x", entry)), NOW)
    assert status == 503 and body.startswith("unhealthy\n") and "acme: no live token" in body


def test_healthz_is_503_before_anything_is_known():
    assert healthz(State(path=Path("/nonexistent/state.json")), NOW)[0] == 503


def test_metrics_are_prometheus_text():
    text = metrics(state_with(("acme (111122223333)", live())), NOW)
    labels = 'domain="acme",owner="111122223333"'
    assert f"codeartifact_refresher_token_expiry_seconds{{{labels}}} 3600.000" in text
    assert f"codeartifact_refresher_refresh_success_total{{{labels}}} 3" in text
    assert f"codeartifact_refresher_refresh_failure_total{{{labels}}} 0" in text
    assert "# TYPE codeartifact_refresher_refresh_success_total counter" in text
    sample = re.compile(r'^[a-z_]+\{(\w+="(?:[^"\\]|\\.)*",?)+\} -?[0-9.]+$')
    for line in text.splitlines():
        assert line.startswith("# ") or sample.match(line), line


def test_label_values_are_escaped():
    text = metrics(state_with(("k", DomainState("x", 'we"ird\\dom', expires_at=NOW))), NOW)
    assert 'domain="we\\"ird\\\\dom",owner=""' in text


def test_metrics_are_labelled_by_domain_and_owner_only_one_series_per_domain():
    """The state's key (profile, region, role ARN, endpoint) is no label: it changes with the
    config and multiplies series. A domain listed twice, with two profiles, is one series."""
    soon = live()
    soon.expires_at = NOW + 60
    state = state_with(
        ("acme (111122223333) profile=a endpoint=https://vpce-1.example/", live(failures=2, failures_total=5)),
        ("acme (111122223333) profile=b role=arn:aws:iam::111122223333:role/r", soon),
        ("beta", DomainState("beta", "beta", None, successes_total=1)),
    )
    text = metrics(state, NOW)
    samples = [line for line in text.splitlines() if not line.startswith("#")]
    assert {tuple(re.findall(r'(\w+)="', line)) for line in samples} == {("domain", "owner")}
    assert "profile" not in text and "vpce" not in text and "arn:" not in text
    acme = '{domain="acme",owner="111122223333"}'
    assert f"codeartifact_refresher_token_expiry_seconds{acme} 60.000" in samples  # the soonest
    assert f"codeartifact_refresher_refresh_success_total{acme} 6" in samples  # summed
    assert f"codeartifact_refresher_refresh_failure_total{acme} 5" in samples
    assert f"codeartifact_refresher_consecutive_failures{acme} 2" in samples  # the worst
    assert 'codeartifact_refresher_refresh_success_total{domain="beta",owner=""} 1' in samples
    assert len({line.rsplit(" ", 1)[0] for line in samples}) == len(samples)  # no series twice


def test_the_listener_serves_both_paths_on_loopback():
    server = HealthServer(state_with(("acme", live())), "127.0.0.1", 0, clock=lambda: NOW).start()
    try:
        base = f"http://{server.address}"
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            assert r.status == 200 and r.read().startswith(b"ok\n")
        with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert b"codeartifact_refresher_token_expiry_seconds" in r.read()
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + "/other", timeout=5)
        assert e.value.code == 404
    finally:
        server.stop()


def settles(predicate, within: float = 5.0) -> bool:
    """Whether ``predicate`` becomes true within ``within`` seconds: for state that another
    thread changes (the listener's), which no injected clock can hurry."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def get(address: str, path: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.timing
def test_hundreds_of_idle_connections_neither_starve_the_probes_nor_spend_threads(capfd):
    """300 connections opened and left silent (anyone on the pod network can): /healthz still
    answers well before a silent connection's deadline (5 s) would free a place, no thread is
    started per connection, and nothing goes to stderr. (Within a second on a quiet machine; the
    bound leaves room for CI running real clients beside it.)"""
    server = HealthServer(state_with(("acme", live())), "127.0.0.1", 0, clock=lambda: NOW).start()
    idle = []
    try:
        threads = threading.active_count()
        host, port = server.address.rsplit(":", 1)
        for _ in range(300):
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        idle[-1].sendall(b"GET /healthz HTTP/1.1\r\n")  # and one that never finishes its request
        started = time.monotonic()
        assert get(server.address, "/healthz", timeout=3)[0] == 200
        assert time.monotonic() - started < 3
        assert threading.active_count() <= threads
        assert server._listener.connections <= MAX_CONNECTIONS
    finally:
        for sock in idle:
            sock.close()
        server.stop()
    assert "Traceback" not in capfd.readouterr().err


def test_a_silent_connection_is_closed_at_its_deadline():
    """A connection gets DEADLINE seconds from its accept, on the listener's clock, then it is
    closed (a slow client cannot hold a place for long)."""
    now = [0.0]
    listener = Listener("127.0.0.1", 0, lambda method, path: (200, "text/plain", "ok\n"), clock=lambda: now[0])
    listener.start()
    try:
        silent = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
        assert get(f"127.0.0.1:{listener.port}", "/")[0] == 200
        # the silent one is still waited for (the probe's own connection goes once the listener's
        # thread sees it closed, a moment after the answer: wait for that, not for the clock)
        assert settles(lambda: listener.connections == 1)
        now[0] += DEADLINE
        assert get(f"127.0.0.1:{listener.port}", "/")[0] == 200  # the listener looks at its clock again
        assert silent.recv(100) == b""  # closed by the listener
        silent.close()
    finally:
        listener.stop()


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /healthz HTTP/1.1\r\n\r\n", 405),
        (b"nonsense\r\n\r\n", 400),
        (b"GET /" + b"x" * (MAX_REQUEST + 10), 431),
        (b"HEAD /healthz HTTP/1.0\n\n", 200),
    ],
    ids=["post", "garbage", "huge", "head"],
)
def test_odd_requests_get_a_status_and_a_close(request_bytes, status):
    server = HealthServer(state_with(("acme", live())), "127.0.0.1", 0, clock=lambda: NOW).start()
    try:
        host, port = server.address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(request_bytes)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(f"HTTP/1.1 {status} ".encode())
        if request_bytes.startswith(b"HEAD"):
            assert answer.endswith(b"\r\n\r\n")  # headers only
    finally:
        server.stop()


def test_livez_follows_the_loop_and_readyz_the_tokens():
    """/livez: the loop ran lately, whatever AWS does (an outage must not get the daemon
    restarted); /readyz: every domain holds a live token; /healthz unchanged."""
    age: list[float | None] = [0.0]
    state = state_with(("acme", live()), ("beta", DomainState("beta", expires_at=NOW - 1)))
    server = HealthServer(state, "127.0.0.1", 0, clock=lambda: NOW, loop_age=lambda: age[0]).start()
    try:
        assert get(server.address, "/livez") == (200, "alive: the loop ran 0s ago\n")
        status, body = get(server.address, "/readyz")
        assert status == 503 and body.startswith("not ready\n") and "beta: no live token" in body
        assert get(server.address, "/healthz")[0] == 503
        state.domains["beta"] = live("beta")
        assert get(server.address, "/readyz")[0] == 200 and get(server.address, "/healthz")[0] == 200
        age[0] = LIVE_WITHIN + 1  # the loop is stuck
        assert get(server.address, "/livez")[0] == 503 and get(server.address, "/readyz")[0] == 200
        age[0] = None
        assert get(server.address, "/livez") == (503, "not alive: the loop has not run\n")
    finally:
        server.stop()
