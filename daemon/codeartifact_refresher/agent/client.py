"""The agent's client: find the daemon's socket, ask it, read the reply. Standard library only
(with :mod:`.protocol` and :mod:`...redaction`): a keyring backend loads this on every lookup.
A refusal's text is shown with its control characters escaped: whoever listens at the socket wrote it.

:func:`socket_path` finds the socket the way ``status`` finds the daemon: ``$CODEARTIFACT_REFRESHER_SOCKET``;
else the config's ``agent: socket:``; else, for a user's daemon, ``$XDG_RUNTIME_DIR/codeartifact-refresher/agent.sock``
and without a runtime directory ``agent.sock`` beside the state file; for the system service's config
(``/etc/codeartifact-refresher/config.yaml``), ``agent.sock`` in its state directory
(``/var/lib/codeartifact-refresher``), whatever the asking user's runtime directory. Without a
config given, the config's place is found as ``status`` finds it (``$CODEARTIFACT_REFRESHER_CONFIG``,
the user's, the system's) but the file is not read: a socket or state file it moves elsewhere needs
``$CODEARTIFACT_REFRESHER_SOCKET`` (or the config passed in).
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..redaction import escape_controls
from . import protocol

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["AgentCredentials", "AgentError", "AgentUnavailable", "ask", "credentials", "socket_path"]

ENV_VAR = "CODEARTIFACT_REFRESHER_SOCKET"
CONFIG_ENV_VAR = "CODEARTIFACT_REFRESHER_CONFIG"
APP = "codeartifact-refresher"
NAME = "agent.sock"
SYSTEM_CONFIG = Path("/etc") / APP / "config.yaml"
SYSTEM_STATE_DIR = Path("/var/lib") / APP
#: seconds of a client's timeout kept back from the one it gives the server, so the reply arrives in time
SLACK = 0.5


class AgentUnavailable(Exception):
    """No daemon answers on the socket (none runs, or this user may not reach it)."""


class AgentError(Exception):
    """The daemon answered ``ok: false`` (the message is its error), or broke the protocol."""


@dataclass(frozen=True)
class AgentCredentials:
    domain: str
    owner: str
    region: str
    username: str
    token: str = field(repr=False)
    expires_at: float


def socket_path(config: Config | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """Where the daemon of ``config`` (None: of the config at its default place) listens."""
    if environ.get(ENV_VAR):
        return _expand(environ[ENV_VAR], environ)
    if config is None:
        return default_socket(_is_system(_default_config(environ)), None, environ)
    if config.agent.socket is not None:
        return config.agent.socket
    return default_socket(_is_system(config.path), config.state_file, environ)


def default_socket(system: bool, state_file: Path | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The socket's default place (see the module doc): ``system`` for the system service's config."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if not system and os.path.isabs(runtime):
        return Path(runtime) / APP / NAME
    if state_file is not None:
        return state_file.parent / NAME
    if environ.get("STATE_DIRECTORY"):  # systemd's StateDirectory=
        return Path(environ["STATE_DIRECTORY"].split(":")[0]) / NAME
    if system:
        return SYSTEM_STATE_DIR / NAME
    return _state_dir(environ) / APP / NAME


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HOME") or Path.home())


def _expand(value: str, environ: Mapping[str, str]) -> Path:
    """``~`` and ``~/x`` against ``$HOME`` of ``environ`` (as the config's paths are expanded)."""
    if value == "~" or value.startswith("~/"):
        return Path(str(_home(environ)) + value[1:])
    return Path(value).expanduser()


def _state_dir(environ: Mapping[str, str]) -> Path:
    if sys.platform == "darwin":
        return _home(environ) / "Library" / "Application Support"
    return Path(environ.get("XDG_STATE_HOME") or _home(environ) / ".local" / "state")


def _default_config(environ: Mapping[str, str]) -> Path:
    """The config's default place, as ``commands.common.load_config`` finds it (not read here)."""
    if environ.get(CONFIG_ENV_VAR):
        return _expand(environ[CONFIG_ENV_VAR], environ)
    if sys.platform == "darwin":
        base = _home(environ) / "Library" / "Application Support"
    else:
        base = Path(environ.get("XDG_CONFIG_HOME") or _home(environ) / ".config")
    user = base / APP / "config.yaml"
    try:
        if user.exists() or not SYSTEM_CONFIG.exists():
            return user
    except OSError:
        return user
    return SYSTEM_CONFIG


def _is_system(config: Path) -> bool:
    try:
        return config == SYSTEM_CONFIG or (config.exists() and os.path.samefile(config, SYSTEM_CONFIG))
    except OSError:
        return False


def ask(request: dict[str, Any], path: Path | None = None, timeout: float = protocol.DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Send ``request`` (``"v"`` added; ``"timeout"`` too, a little under ours, unless given) and
    return the reply's object when it says ``ok``."""
    path = socket_path() if path is None else path
    deadline = time.monotonic() + timeout
    message = {"v": protocol.VERSION, **request}
    message.setdefault("timeout", max(0.1, timeout - SLACK))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError as e:
            raise AgentUnavailable(_unavailable(path, e)) from None
        _trust(sock, path)
        try:
            # the daemon closed early (a refusal): its reply may still be there to read
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(protocol.encode(message))
            reply = protocol.decode(protocol.read_line(sock, deadline, "reply"), "reply")
        except protocol.ProtocolError as e:
            raise AgentError(f"the daemon at {path}: {e}") from None
        except OSError as e:
            raise AgentError(f"the daemon at {path}: {e.strerror or e}") from None
    if reply.get("ok") is not True:
        error = reply.get("error")  # shown by pip, cargo, a terminal: whoever answers, no control sequence
        raise AgentError(
            escape_controls(error) if isinstance(error, str) and error else f"the daemon at {path} refused the request"
        )
    return reply


#: the system service's user (``install-service --system``): a build user's client trusts its daemon
SERVICE_USER = APP


def trusted_uids() -> set[int]:
    """Whose socket a client asks: its own user's, root's, and the system service user's."""
    import pwd

    found = {os.geteuid(), 0}
    with contextlib.suppress(KeyError):
        found.add(pwd.getpwnam(SERVICE_USER).pw_uid)
    return found


def _trust(sock: socket.socket, path: Path) -> None:
    """The daemon at the other end is one we trust (by the kernel's word, :mod:`.peer`), not a
    socket another user planted where ours was looked for: such a one would learn the URLs we ask
    about and could answer with a token of its own. AgentUnavailable otherwise."""
    from . import peer

    try:
        uid = peer.of(sock).uid
    except (OSError, ValueError) as e:
        raise AgentUnavailable(f"cannot tell who serves the socket at {path}: {e}") from None
    if uid not in trusted_uids():
        raise AgentUnavailable(
            f"the socket at {path} is served by uid {uid}, not by this user, root or the service user "
            f"{SERVICE_USER}: not asked"
        )


def _unavailable(path: Path, e: OSError) -> str:
    if e.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTSOCK):
        return f"no daemon is listening at {path}"
    if e.errno in (errno.EACCES, errno.EPERM):
        return f"this user may not reach the daemon's socket at {path} (permission denied)"
    return f"cannot reach the daemon at {path}: {e.strerror or e}"


def credentials(
    url: str | None = None,
    domain: str | None = None,
    owner: str | None = None,
    timeout: float = protocol.DEFAULT_TIMEOUT,
    path: Path | None = None,
) -> AgentCredentials:
    """The daemon's live token for ``url`` (or ``domain`` and ``owner``)."""
    request: dict[str, Any] = {"op": "credentials"}
    for key, value in (("url", url), ("domain", domain), ("owner", owner)):
        if value is not None:
            request[key] = value
    reply = ask(request, path, timeout)
    try:
        domain_, owner_, region, username, token = (
            _text(reply, k) for k in ("domain", "owner", "region", "username", "token")
        )
        return AgentCredentials(domain_, owner_, region, username, token, float(reply["expires_at"]))
    except (KeyError, TypeError, ValueError):
        raise AgentError("the daemon's reply lacks a credential field") from None


def _text(reply: dict[str, Any], key: str) -> str:
    value = reply[key]
    if not isinstance(value, str):
        raise TypeError(key)
    return value
