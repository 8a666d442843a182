"""sd_notify: tell systemd we are ready, how we are, that we are alive, that we are stopping.

Without ``$NOTIFY_SOCKET`` every call does nothing. A socket name starting with ``@`` is in the
abstract namespace. ``$WATCHDOG_USEC`` (for our own ``$WATCHDOG_PID``, or with no pid given)
says how often systemd wants ``WATCHDOG=1``.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

logger = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_seconds = _watchdog(environ)

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, *lines: str) -> bool:
        if not self.address:
            return False
        message = "\n".join(line.replace("\n", " ") for line in lines).encode("utf-8", "replace")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                # never block the main loop: a receiver that does not read loses a message, not us
                sock.sendto(message, socket.MSG_DONTWAIT, self.address)
        except OSError as e:
            logger.debug("sd_notify to %s failed: %s", self.address.replace("\0", "@"), e)
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.send("READY=1", f"STATUS={status}")

    def status(self, status: str) -> bool:
        return self.send(f"STATUS={status}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.send("STOPPING=1")


def _watchdog(environ: Mapping[str, str]) -> float | None:
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
        pid = environ.get("WATCHDOG_PID")
        if usec <= 0 or (pid and int(pid) != os.getpid()):
            return None
    except ValueError:
        return None
    return usec / 1e6
