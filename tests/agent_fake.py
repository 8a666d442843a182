"""A fake daemon socket speaking the agent protocol (one JSON line in, one out), for the helpers'
unit tests: it records each request and answers what the test says."""

from __future__ import annotations

import json
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Answer = Callable[[dict[str, Any]], dict[str, Any]]


def live(token: str = "FAKE-TOKEN-1", expires_at: float = 1765200000.0) -> Answer:
    """Answer every credentials request with ``token``."""
    return lambda request: {
        "v": 1,
        "ok": True,
        "domain": "acme",
        "owner": "111122223333",
        "region": "us-east-1",
        "username": "aws",
        "token": token,
        "expires_at": expires_at,
    }


def refusing(error: str) -> Answer:
    return lambda request: {"v": 1, "ok": False, "error": error}


class FakeAgent:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.dir = Path(tempfile.mkdtemp(prefix="agent-"))  # short: a socket path is at most 107 bytes
        self.path = self.dir / "agent.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(self.path))
        self.sock.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as stream:
                request = json.loads(stream.readline())
                self.requests.append(request)
                stream.write(json.dumps(self.answer(request)).encode() + b"\n")
                stream.flush()

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)
        self.dir.rmdir()


@contextmanager
def serving(monkeypatch: Any, answer: Answer) -> Iterator[FakeAgent]:
    """A fake daemon answering ``answer``, where the client looks (``$CODEARTIFACT_REFRESHER_SOCKET``),
    closed afterwards: the helpers' tests' ``agent`` fixture."""
    fake = FakeAgent(answer)
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_SOCKET", str(fake.path))
    try:
        yield fake
    finally:
        fake.close()
