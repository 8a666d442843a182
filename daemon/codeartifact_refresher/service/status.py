"""``status``: the state file, read for a person (a table) or a script (``--json``).

A domain is *healthy* when its current token has not expired and its last refresh succeeded;
``status`` exits 1 when any domain is not, so it doubles as a health check. A state file that
this user may not read is not news of an unhealthy daemon: :func:`unreadable` says so, and who
can read it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from ..config import Config, Target
from ..platform.accounts import group_name, user_name
from ..state import DomainState, State, iso, timestamp
from . import watchdog
from .assessment import Assessment
from .planner import duration


def _when(ts: float | None, now: float) -> str:
    if ts is None:
        return "-"
    span = duration(abs(ts - now))
    return f"in {span}" if ts >= now else f"{span} ago"


def unreadable(path: Path) -> str | None:
    """Why this user cannot read the state file at ``path``, and who can; None when it can (or
    when the file is missing, or unreadable for another reason: :meth:`State.load` reports that)."""
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW))
        return None
    except PermissionError:
        pass
    except OSError:
        return None
    me = user_name(os.geteuid())
    for place in (path, *path.parents):  # the file, or the first directory that keeps us out
        try:
            st = os.stat(place)
        except PermissionError:
            continue
        except OSError:
            return None
        if place == path:
            return f"cannot read the state file {path} as {me}: {_readers(st)} can; run status as one of them"
        return (
            f"cannot read the state file {path} as {me}: the directory {place} lets in only "
            f"{_readers(st, search=True)}; run status as one of them"
        )
    return None


def _readers(st: os.stat_result, search: bool = False) -> str:
    """Who may read a file (or, with ``search``, enter a directory) of this owner and mode."""
    owner, group, mode = user_name(st.st_uid), group_name(st.st_gid), stat.S_IMODE(st.st_mode)
    bit = stat.S_IXGRP if search else stat.S_IRGRP
    members = f", members of group {group}" if mode & bit else ""
    return f"{owner} (its owner; mode {mode:04o}){members} and root"


def _daemon(state: State) -> dict[str, Any]:
    info = dict(state.daemon)
    pid = info.get("pid")
    alive = False
    if isinstance(pid, int) and pid > 0:
        try:
            os.kill(pid, 0)
            alive = True
        except PermissionError:
            alive = True
        except OSError:
            alive = False
    info["running"] = alive
    return info


def report(config: Config, state: State, now: float) -> dict[str, Any]:
    entries = [state.domains.get(d.key) or DomainState(d.label, d.domain, d.owner) for d in config.domains]
    daemon = _daemon(state)
    running = watchdog.running(state, now) if daemon["running"] else {}  # a dead daemon's are over
    assessment = Assessment.of(
        entries, now, refreshing=[(d.label, running[d.key]) for d in config.domains if d.key in running]
    )
    domains = []
    for d, entry, facts in zip(config.domains, entries, assessment.domains, strict=True):
        domains.append(
            {
                "key": d.key,
                "label": d.label,
                "domain": d.domain,
                "owner": d.owner,
                "healthy": facts.healthy,
                "expires_at": iso(entry.expires_at),
                "expires_in": None if facts.expires_in is None else round(facts.expires_in),
                "next_refresh": iso(entry.next_refresh),
                "last_success": iso(entry.last_success),
                "last_error": entry.last_error,
                "failures": entry.failures,
                "refreshing_for": round(running[d.key].seconds) if d.key in running else None,
                "stuck": d.key in running and running[d.key].stuck,
                "targets": [_target(t, entry) for t in d.targets],
            }
        )
    return {"healthy": assessment.healthy, "state_file": str(state.path), "daemon": daemon, "domains": domains}


def agent(config: Config, state: State, timeout: float = 1.0) -> dict[str, Any]:
    """The credential socket (:mod:`..agent`): where it is (where the daemon said it listens, else
    where it would) and whether a daemon answers there now (a ``ping``), else why not."""
    from ..agent import client

    said = state.daemon.get("agent")
    said = said if isinstance(said, dict) else {}
    if not config.agent.enabled:
        return {"socket": None, "served": False, "why": "off in the config (agent: enabled: false)"}
    socket = said.get("socket")
    path = socket if isinstance(socket, str) else str(client.socket_path(config))
    try:
        client.ask({"op": "ping"}, Path(path), timeout)
    except (client.AgentUnavailable, client.AgentError) as e:
        error = said.get("error") if isinstance(said.get("error"), str) else None
        return {"socket": path, "served": False, "why": error or str(e)}
    return {"socket": path, "served": True, "why": None}


def _target(target: Target, entry: DomainState) -> dict[str, str | None]:
    """A target's line of the report: its identity, where it writes (``path`` too, as older
    versions named it) and what its last refresh recorded."""
    last = entry.outcome(target)
    return {
        "id": target.identity,
        "writer": target.writer,
        "repository": target.repository,
        "where": target.where,
        "path": target.where,
        **{k: v for k, v in last.items() if k in ("outcome", "error")},
    }


def table(data: dict[str, Any], now: float) -> str:
    daemon = data["daemon"]
    if daemon.get("running"):
        health = f", health on http://{daemon['health']}/healthz" if daemon.get("health") else ""
        head = f"daemon: running (pid {daemon['pid']}){health}"
    else:
        head = "daemon: not running" + (f" (last pid {daemon['pid']})" if daemon.get("pid") else "")
    if "agent" in data and daemon.get("running"):  # a daemon that is down serves nothing, as said
        a = data["agent"]
        served = "served" if a["served"] else f"not served: {a['why']}"
        head += f"\nagent socket: {a['socket'] or '-'} ({served})"
    rows = [("DOMAIN", "TOKEN", "NEXT REFRESH", "LAST SUCCESS", "FAILURES", "LAST ERROR")]
    for d in data["domains"]:
        exp = timestamp(d["expires_at"])
        token = (
            "none yet"
            if exp is None
            else ("expired " + _when(exp, now) if exp <= now else "expires " + _when(exp, now))
        )
        rows.append(
            (
                d["label"],
                token,
                _when(timestamp(d["next_refresh"]), now),
                _when(timestamp(d["last_success"]), now),
                str(d["failures"]),
                d["last_error"] or "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [head, ""] + ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[5] for r in rows]
    for d in data["domains"]:
        if d.get("refreshing_for") is not None:
            lines.append(f"{d['label']}: {watchdog.describe(d['refreshing_for'], d['stuck'])}")
    for d in data["domains"]:
        lines.append(f"{d['domain']} targets:" + ("" if d["targets"] else " none (served through the agent socket)"))
        for t in d["targets"]:
            outcome = t.get("outcome", "not yet") + (f": {t['error']}" if t.get("error") else "")
            rest = t["id"].removeprefix(f"{t['writer']} ")  # the identity, its writer in a column
            lines.append(f"  {t['writer']:<6} {rest}: {outcome}")
    lines.append(
        "healthy"
        if data["healthy"]
        else "UNHEALTHY: a token is missing or expired, a domain is failing, or a refresh is stuck"
    )
    return "\n".join(line.rstrip() for line in lines) + "\n"
