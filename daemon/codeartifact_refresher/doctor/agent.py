"""The agent's socket, as ``doctor`` sees it: served, or why not (:mod:`...agent`)."""

from __future__ import annotations

from ..config import Config
from .findings import Finding, note, ok, problem


def check(cfg: Config) -> Finding:
    """One finding: the socket is served; the daemon said why it could not serve it (a problem);
    or no daemon answers there (a note: helpers then fall back or fail, get-token calls AWS)."""
    from ..service.status import agent
    from ..state import State, default_path

    found = agent(cfg, State.load(default_path(cfg)))
    if found["socket"] is None:
        return note(f"agent socket: {found['why']}")
    if found["served"]:
        return ok(f"agent socket {found['socket']}: a daemon serves credentials there")
    said = State.load(default_path(cfg)).daemon.get("agent")
    if isinstance(said, dict) and said.get("served") is False:
        return problem(f"agent socket: when it last started, the daemon could not serve it: {found['why']}")
    return note(
        f"agent socket {found['socket']}: not served ({found['why']}); `get-token` then calls AWS itself, "
        "and the keyring backend and cargo provider find no daemon"
    )
