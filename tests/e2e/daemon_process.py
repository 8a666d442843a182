"""The real ``codeartifact-refresher run`` in a subprocess, its log in a file the test can read."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    """Poll a real process's observable effect until ``condition()`` is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class DaemonProcess:
    def __init__(
        self, config: Path, log: Path, *args: str, env: dict | None = None, run_args: tuple[str, ...] = ()
    ) -> None:
        self.log_path = log
        cmd = [sys.executable, "-m", "codeartifact_refresher", "-v", *args, "run", "--config", str(config), *run_args]
        self._log = open(log, "wb")  # noqa: SIM115 - closed by close(), after the process ends
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 10) -> tuple[int, float]:
        """SIGTERM; (exit status, seconds it took)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout)
        return status, time.monotonic() - started

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


class NotifySocket:
    """A socket bound where the daemon's $NOTIFY_SOCKET points, collecting its messages as they
    come, as systemd does (an unread datagram socket fills after a few messages, and the daemon
    never blocks to send: a later STOPPING=1 would be dropped)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.messages: list[str] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, name="notify-socket", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                data = self.sock.recv(4096)
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            with self._lock:
                self.messages.extend(data.decode().split("\n"))

    def receive(self) -> list[str]:
        with self._lock:
            return list(self.messages)

    def has(self, prefix: str) -> bool:
        return any(m.startswith(prefix) for m in self.receive())

    def close(self) -> None:
        self._closed.set()
        self._reader.join(1)
        self.sock.close()
