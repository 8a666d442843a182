"""Where a user's files live: the home directory, XDG directories, macOS's Application Support.

Every lookup takes the environment as a mapping (``os.environ`` by default), so a test or a
writer's ``default_path(environ)`` can ask about another user's world without touching ours.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path


def home(environ: Mapping[str, str] = os.environ) -> Path:
    """``$HOME``, else the password database's home directory."""
    return Path(environ.get("HOME") or Path.home())


def expand_user(value: str, environ: Mapping[str, str] = os.environ) -> str:
    """``~`` and ``~/x`` against :func:`home` (so ``$HOME`` from ``environ`` counts); ``~user``
    by the password database."""
    if value == "~" or value.startswith("~/"):
        return str(home(environ)) + value[1:]
    return os.path.expanduser(value)


def is_macos() -> bool:
    return sys.platform == "darwin"


def application_support(environ: Mapping[str, str] = os.environ) -> Path:
    """macOS's per-user ``~/Library/Application Support``."""
    return home(environ) / "Library" / "Application Support"


def xdg_config_home(environ: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CONFIG_HOME``, else ``~/.config`` (what Linux tools read, and pip on macOS too)."""
    return Path(environ.get("XDG_CONFIG_HOME") or home(environ) / ".config")


def user_config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where this program keeps a user's config: Application Support on macOS, else XDG's."""
    return application_support(environ) if is_macos() else xdg_config_home(environ)


def user_state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where this program keeps a user's state: Application Support on macOS (beside the
    config), else ``$XDG_STATE_HOME`` or ``~/.local/state``."""
    if is_macos():
        return application_support(environ)
    return Path(environ.get("XDG_STATE_HOME") or home(environ) / ".local" / "state")


APP = "codeartifact-refresher"


def lock_dirs(
    environ: Mapping[str, str] = os.environ, euid: int | None = None, beside: Path | None = None
) -> list[Path]:
    """Where this program may keep its lock files, best first: a directory only its user can open.

    Root: ``/run/codeartifact-refresher``. Everyone (root when ``/run`` is read-only): the user's
    state directory (:func:`user_state_dir`, ``/locks`` under this program's), which systemd units,
    cron, ``sudo -u`` and a login shell all find through ``$HOME``; so the daemon and a one-shot
    ``refresh`` of the same user lock the same files. Then, for a user whose home cannot be written
    (a container's read-only ``HOME``): ``$XDG_RUNTIME_DIR`` when it is set and private (owned by
    the user, closed to others); ``.codeartifact-refresher-locks-<uid>`` in the directory
    ``beside`` (the state file's: a daemon must be able to write there, and the daemon and a
    one-shot ``refresh`` of one config agree on it); last ``codeartifact-refresher-<uid>`` in
    ``$TMPDIR`` or ``/tmp``. Whoever uses one checks that it is the user's own (another user may
    have made one of these names first: it is then passed over, never used).
    """
    euid = os.geteuid() if euid is None else euid
    found = [Path("/run") / APP] if euid == 0 else []
    found.append(user_state_dir(environ) / APP / "locks")
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and is_private(Path(runtime), euid):
        found.append(Path(runtime) / APP)
    if beside is not None:
        found.append(beside / f".{APP}-locks-{euid}")
    found.append(temp_dir(environ) / f"{APP}-{euid}")
    return found


def temp_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$TMPDIR`` when it is an absolute path, else ``/tmp`` (never the current directory, where
    :func:`tempfile.gettempdir` may end up)."""
    value = environ.get("TMPDIR", "")
    return Path(value) if os.path.isabs(value) else Path("/tmp")  # noqa: S108 - the system's default, as for mkstemp


def lock_dir_hint() -> str:
    """The variable a user sets when none of :func:`lock_dirs` can be used, and why that one."""
    if is_macos():
        return "set TMPDIR to a directory this user can write"
    return "set XDG_STATE_HOME to a directory this user can write (the default state file goes there too)"


def is_private(directory: Path, euid: int) -> bool:
    """Whether ``directory`` is a real directory (not a link) of ``euid``'s that no one else can open."""
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == euid and not st.st_mode & 0o077
