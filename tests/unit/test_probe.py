"""``probe``: the health endpoint named by the config, asked as a HEALTHCHECK asks it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.service.assessment import LIVE_WITHIN
from codeartifact_refresher.service.health import HealthServer
from codeartifact_refresher.state import DomainState, State

NOW = 1_800_000_000.0
DOMAIN = 'domains:\n  - domain: acme\n    owner: "111122223333"\n    region: us-east-1\n    targets: [{writer: pip, repository: pypi-store}]\n'


def config(tmp_path: Path, health: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(health + DOMAIN)
    return path


@pytest.fixture
def daemon():
    """A health listener as the daemon runs it: one domain without a token yet, a loop of the test's age."""
    state = State(Path("/nonexistent/state.json"))
    state.domains["acme"] = DomainState("acme", expires_at=None)
    age = [1.0]
    wildcard = "0.0.0.0"  # noqa: S104 - a wildcard listener, which probe reaches on loopback
    server = HealthServer(
        state,
        wildcard,
        0,
        clock=lambda: NOW,
        loop_age=lambda: age[0],
    ).start()
    yield int(server.address.rsplit(":", 1)[1]), age
    server.stop()


def test_livez_on_the_configured_port_reached_on_loopback_exits_0(tmp_path, daemon, capsys):
    port, _ = daemon
    path = config(tmp_path, f"health: {{port: {port}, address: 0.0.0.0}}\n")
    assert cli.main(["probe", "--config", str(path)]) == 0
    assert capsys.readouterr().out == f"http://127.0.0.1:{port}/livez: 200 alive: the loop ran 1s ago\n"


def test_a_stuck_loop_or_a_domain_without_a_token_exits_1_with_the_verdict(tmp_path, daemon, capsys):
    port, age = daemon
    path = config(tmp_path, f"health: {{port: {port}, address: 0.0.0.0}}\n")
    assert cli.main(["probe", "readyz", "--config", str(path)]) == 1
    assert capsys.readouterr().out == f"http://127.0.0.1:{port}/readyz: 503 not ready\n"
    age[0] = LIVE_WITHIN + 1
    assert cli.main(["probe", "--config", str(path)]) == 1
    assert capsys.readouterr().out.startswith(f"http://127.0.0.1:{port}/livez: 503 not alive: the loop ran")


def test_no_daemon_listening_is_one_line_naming_the_url(tmp_path, capsys):
    with socket.socket() as s:  # a port that was free a moment ago, and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = config(tmp_path, f"health: {{port: {port}}}\n")
    assert cli.main(["probe", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"http://127.0.0.1:{port}/livez: Connection refused (does the daemon run with this config?)" in err


@pytest.mark.parametrize(
    ("health", "message"),
    [
        ("", "health is off: add 'health: {port: 9464}' so that probes can reach the daemon"),
        ("health: {port: 0}\n", "health: port 0 picks a free port at each start: give a fixed one to probe"),
    ],
)
def test_a_config_probe_cannot_use_is_said_in_one_line(tmp_path, health, message, capsys):
    path = config(tmp_path, health)
    assert cli.main(["probe", "--config", str(path)]) == 1
    assert capsys.readouterr().err.strip().endswith(f"{path}: {message}")


def test_a_listener_that_is_not_the_daemon_cannot_send_escape_sequences(tmp_path, capsys):
    """Another user holds the port while the daemon is down: their answer is shown as text."""
    import http.server
    import threading

    class Impostor(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = b"alive\x1b]0;owned\x07\x1b[2J" + b"x" * 5000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = config(tmp_path, f"health: {{port: {server.server_address[1]}}}\n")
        assert cli.main(["probe", "--config", str(path)]) == 0
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert "\x1b" not in out and "alive\\x1b]0;owned\\x07" in out and len(out) < 300
