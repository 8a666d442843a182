"""The agent's socket against hostile lines both ways: a request (or a planted socket's reply)
nested deeper than the JSON parser's recursion limit is a one-line refusal, not a handler thread
dying with a traceback or a helper (pip's keyring lookup, cargo's provider) crashing."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from codeartifact_refresher.agent import client, protocol
from codeartifact_refresher.agent.server import AgentServer

from .test_agent_socket import FakeSource, base, raw  # noqa: F401 - base is a fixture

NESTED = b"[" * 50_000 + b"\n"  # within MAX_LINE


def test_a_deeply_nested_line_is_a_protocol_error():
    assert len(NESTED) < protocol.MAX_LINE
    with pytest.raises(protocol.ProtocolError, match="not one line of JSON"):
        protocol.decode(NESTED)


def test_the_daemon_refuses_a_deeply_nested_request_and_serves_on(base):  # noqa: F811 - the fixture
    agent = AgentServer(base / "d" / "agent.sock", FakeSource()).start()
    try:
        assert raw(agent.path, NESTED)["error"] == "the request is not one line of JSON"
        assert client.credentials(domain="acme", path=agent.path).domain == "acme"
    finally:
        agent.stop()


def test_a_planted_socket_answering_a_deeply_nested_reply_is_an_agent_error(base):  # noqa: F811 - the fixture
    path = Path(base) / "planted.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(NESTED)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        with pytest.raises(client.AgentError, match="not one line of JSON"):
            client.credentials(domain="acme", path=path, timeout=5)
    finally:
        thread.join(5)
        listener.close()
