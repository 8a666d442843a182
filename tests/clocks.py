"""Clocks that tests move by hand: wall time, elapsed time (counts sleep) and monotonic time
(stops during sleep), like :class:`codeartifact_refresher.service.planner.Clock`."""

from __future__ import annotations

import time
from datetime import datetime, timezone


class Clocks:
    def __init__(self, wall: float | None = None) -> None:
        self._wall = time.time() if wall is None else wall
        self._elapsed = 1000.0
        self._monotonic = 1000.0

    def wall(self) -> float:
        return self._wall

    def elapsed(self) -> float:
        return self._elapsed

    def monotonic(self) -> float:
        return self._monotonic

    def __call__(self) -> float:  # the stand-in's clock is the wall clock
        return self._wall

    def utcnow(self) -> datetime:  # tokens.Clients' clock
        return datetime.fromtimestamp(self._wall, timezone.utc)

    @property
    def now(self) -> float:
        return self._wall

    def run(self, seconds: float) -> None:
        """Time passes with the machine awake."""
        self._wall += seconds
        self._elapsed += seconds
        self._monotonic += seconds

    advance = run

    def sleep(self, seconds: float) -> None:
        """The machine is suspended: monotonic time stands still."""
        self._wall += seconds
        self._elapsed += seconds

    def jump_wall(self, seconds: float) -> None:
        self._wall += seconds

    def set_wall_back(self, seconds: float) -> None:
        self._wall -= seconds
