"""The config's ``agent:`` section: the credential socket the daemon serves (:mod:`..agent`).

``enabled`` (default true) turns it off; ``socket`` moves it (an absolute path, or one under ``~``);
``group`` names a group whose members may ask as well as this user and root (a system daemon's build
users): the socket's directory is then 0750 and that group's.
"""

from __future__ import annotations

import grp
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from .checker import Checker
from .model import Agent
from .yamlfile import Map

KEYS = ("enabled", "socket", "group")
GROUP_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$")
#: a Unix socket's path is at most 107 bytes on Linux (103 on macOS)
SOCKET_MAX = 103


def parse(
    check: Checker,
    top: Map,
    environ: Mapping[str, str],
    path: Callable[[Checker, Map, Mapping[str, str], str], Path | None],
) -> Agent:
    """The ``agent:`` section of ``top`` (the defaults without one); ``path`` reads a path key as
    the loader reads every other."""
    if "agent" not in top:
        return Agent()
    a = check.mapping(top["agent"], "agent", top.line_of("agent"))
    check.keys(a, KEYS, "agent")
    socket = path(check, a, environ, "socket")
    if socket is not None and len(str(socket).encode()) > SOCKET_MAX:
        raise check.fail(
            f"socket: the path is {len(str(socket).encode())} bytes long; a Unix socket's is at most {SOCKET_MAX}",
            a.line_of("socket"),
        )
    group = check.string(a, "group", GROUP_RE, "a group name")
    if group is not None:
        try:
            grp.getgrnam(group)
        except KeyError:
            raise check.fail(f"group: there is no group {group!r} on this host", a.line_of("group")) from None
    return Agent(check.boolean(a, "enabled", True), socket, group)
