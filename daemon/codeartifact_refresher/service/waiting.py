"""What ``wait`` waits for, read from the state file: every target *served*.

A target is *served* when its domain's current token has not expired and the target's last
outcome is ``written`` or ``unchanged`` (its file holds that token). :func:`pending` says, one
line each, what is not yet so; nothing pending means every target is served. The state file is
the daemon's (or a one-shot ``refresh``'s) record, so this is what the files hold, as of the last
refresh: the same verdict for a script, Compose's ``depends_on`` and a person.
"""

from __future__ import annotations

from .. import outcomes
from ..config import Config
from ..state import State
from .planner import duration

SERVED = outcomes.SERVED


def pending(config: Config, state: State, now: float) -> list[str]:
    """One line per domain without a live token and per target not served at ``now``."""
    lines = []
    for domain in config.domains:
        entry = state.domains.get(domain.key)
        expires_at = entry.expires_at if entry else None
        if expires_at is None:
            lines.append(f"{domain.label}: no token yet")
            continue
        if expires_at <= now:
            lines.append(f"{domain.label}: its token expired {duration(now - expires_at)} ago")
            continue
        for target in domain.targets:
            last = entry.outcome(target) if entry else {}
            if last.get("outcome") not in SERVED:
                why = last.get("outcome") or "not written yet"
                error = f" ({last['error']})" if last.get("error") else ""
                lines.append(f"{domain.label}: {target.writer} target {target.where}: {why}{error}")
    return lines


def soonest_expiry(config: Config, state: State) -> float | None:
    """When the first of the configured domains' tokens expires (None without any)."""
    times = [e.expires_at for d in config.domains if (e := state.domains.get(d.key)) and e.expires_at is not None]
    return min(times, default=None)
