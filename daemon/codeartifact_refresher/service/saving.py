"""When the daemon writes the state file: at most every :data:`SAVE_EVERY` seconds while refreshes
end, gathering the refreshes that end together into one write."""

from __future__ import annotations

from ..state import State
from .planner import Clocks

SAVE_EVERY = 1.0  # seconds: the state file is written at most this often while refreshes end


class StateSaver:
    def __init__(self, state: State, clock: Clocks) -> None:
        self.state, self.clock = state, clock
        self.dirty = False  # the state changed since the state file was written
        self.saved_at = float("-inf")  # monotonic

    def changed(self) -> None:
        """The state changed: write it soon (safe from any thread; the loop writes it)."""
        self.dirty = True

    def wait(self, tick: float) -> float:
        """How long the loop may sleep: a tick, or less while a write is pending."""
        return min(tick, SAVE_EVERY) if self.dirty else tick

    def save_if_due(self) -> None:
        if self.dirty and (now := self.clock.monotonic()) - self.saved_at >= SAVE_EVERY:
            self.dirty, self.saved_at = False, now  # one write for every refresh that ended since the last
            self.save()

    def save(self) -> None:
        self.state.save(self.clock.wall())
