"""What a refresh tells: the vocabulary that refresh, the state file, ``status`` and the daemon share.

The *outcome* of a target is ``written``, ``unchanged`` (its outputs already said this), ``would
write`` (a dry run), ``skipped`` (the program is stopping) or ``failed``. A :class:`TargetResult`
is one target's outcome; a :class:`DomainReport` is one domain's refresh: its token's expiry, the
endpoints known, each target's result and the hooks that failed. :mod:`.refresh` makes them; the
state file (:mod:`.state`) and the daemon's planner read them, and import this module, never
:mod:`.refresh` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .aws.endpoints import Endpoint
from .config import Domain, Target

WRITTEN, UNCHANGED, WOULD_WRITE, SKIPPED, FAILED = "written", "unchanged", "would write", "skipped", "failed"
#: the outcomes after which a target holds the current token
SERVED = (WRITTEN, UNCHANGED)
#: why a replica that does not lead skips a leader-only target (a Secret): the error starts so
NOT_LEADER = "not the leader"


@dataclass
class TargetResult:
    target: Target
    outcome: str
    error: str | None = None
    diff: str = ""  # dry runs only; secrets redacted
    retryable: bool = False  # whether trying again soon may mend a failure
    endpoint: str = ""  # the repository endpoint written (state's record of the target, for retiring it)


@dataclass
class DomainReport:
    domain: Domain
    expires_at: datetime | None = None
    error: str | None = None
    lifetime: float | None = None  # seconds the new token lives, from issue to expiry
    targets: list[TargetResult] = field(default_factory=list)
    retryable: bool = True
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # known for certain, for the state file
    hooks_failed: list[str] = field(default_factory=list)  # one line per failed hook, redacted
    retry_after: float | None = None  # seconds: AWS's retryAfterSeconds, or our own pace's, when throttled

    @property
    def ok(self) -> bool:
        return self.error is None and all(t.outcome != FAILED for t in self.targets) and not self.hooks_failed

    @property
    def failure(self) -> str | None:
        """The first thing that went wrong, as one line; None when nothing did."""
        errors = [self.error, *(t.error for t in self.targets), *self.hooks_failed]
        return next((e for e in errors if e), None)

    @property
    def changed(self) -> list[TargetResult]:
        return [t for t in self.targets if t.outcome == WRITTEN]
