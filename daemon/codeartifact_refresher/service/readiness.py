"""What the daemon tells systemd about itself: ``READY=1`` once every domain has had its first
refresh, then a new ``STATUS=`` line whenever it changes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .notify import Notifier

logger = logging.getLogger(__package__ + ".daemon")  # its lines are the daemon's, as they always were


class Announcer:
    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.ready = False
        self.last_status = ""  # as last sent to systemd

    def update(self, first_round_done: bool, status_line: Callable[[], str]) -> None:
        """Announce readiness after the first round, and any new status after that."""
        if not self.ready and first_round_done:
            self.ready, self.last_status = True, status_line()
            self.notifier.ready(self.last_status)
            logger.info("ready: %s", self.last_status)
        elif self.ready and (line := status_line()) != self.last_status:
            self.last_status = line
            self.notifier.status(line)
