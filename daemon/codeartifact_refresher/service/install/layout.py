"""Where ``install-service`` puts things, and under which names: a *layout*.

The *system layout* (:class:`Layout`, ``--system``) is the shared build host's: the unit in
``/etc/systemd/system``, the config and the AWS credentials' environment file in a root-owned
``/etc/codeartifact-refresher``, the files the daemon writes in its *state directory*
``/var/lib/codeartifact-refresher`` (mode 0750: the service group may enter it), a login snippet in
``/etc/profile.d``, and a service user and group whose home is NOT the state directory. The *user
layout* (:class:`UserLayout`, ``--user``) is a laptop's: a systemd user unit (or a launchd agent on
macOS) beside the user's own config. Tests build layouts under temporary paths with unique names and
run the real thing; the defaults are the real places.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ...config.locations import BASENAME, ENV_VAR, SYSTEM_PATH, default_path
from ...errors import ConfigError
from ...platform.paths import APP, home, user_config_dir, user_state_dir

UNIT = f"{APP}.service"
#: The launchd agent's label and file name (macOS).
LABEL = "io.github.codeartifact-refresher"
#: What ``sd_booted()`` checks: systemd is the running init system when this directory exists.
SYSTEMD_MARKER = Path("/run/systemd/system")
#: The service user's home: none at all, so no credentials can be put where build users read.
NO_HOME = Path("/nonexistent")


@dataclass(frozen=True)
class Layout:
    """The system layout; every path and name can be moved (tests do), the defaults are the real ones."""

    unit_dir: Path = Path("/etc/systemd/system")
    config_dir: Path = SYSTEM_PATH.parent
    env_file: Path = SYSTEM_PATH.parent / "environment"
    state_dir: Path = Path("/var/lib") / APP
    profile_dir: Path = Path("/etc/profile.d")
    user: str = APP
    group: str = APP
    systemd_marker: Path = SYSTEMD_MARKER

    @property
    def config(self) -> Path:
        return self.config_dir / BASENAME.name

    @property
    def unit(self) -> Path:
        return self.unit_dir / UNIT

    @property
    def profile(self) -> Path:
        return self.profile_dir / f"{APP}.sh"

    @property
    def state_directory_name(self) -> str | None:
        """The unit's ``StateDirectory=`` for this state directory, None when it is not under /var/lib."""
        return self.state_dir.name if self.state_dir.parent == Path("/var/lib") else None


@dataclass(frozen=True)
class UserLayout:
    """A user's own agent: the unit (or launchd plist), the config it runs and its state."""

    unit_dir: Path
    config: Path
    state_dir: Path
    home: Path
    launchd: bool = False
    systemd_marker: Path = SYSTEMD_MARKER

    @classmethod
    def of(cls, environ: Mapping[str, str] = os.environ, macos: bool = False) -> UserLayout:
        """This user's: ``$XDG_CONFIG_HOME/systemd/user`` (or ``~/Library/LaunchAgents``), the config
        at ``$CODEARTIFACT_REFRESHER_CONFIG`` or the user's config directory (never the system one)."""
        config = Path(environ[ENV_VAR]).expanduser() if environ.get(ENV_VAR) else user_config_dir(environ) / BASENAME
        if macos:
            unit_dir = home(environ) / "Library" / "LaunchAgents"
        else:
            unit_dir = Path(environ.get("XDG_CONFIG_HOME") or home(environ) / ".config") / "systemd" / "user"
        return cls(unit_dir, config.absolute(), user_state_dir(environ) / APP, home(environ), macos)

    @property
    def unit(self) -> Path:
        return self.unit_dir / (f"{LABEL}.plist" if self.launchd else UNIT)


#: The real system layout (tests that run commands as a build user put a temporary one here).
SYSTEM = Layout()


def foreign_system_config(path: Path, euid: int | None = None) -> bool:
    """Whether ``path`` is the system service's config and we are neither root nor its service user:
    a build user, who should ask the service (``systemctl``) rather than run it by hand."""
    euid = os.geteuid() if euid is None else euid
    if euid == 0:
        return False
    try:
        if not os.path.samefile(path, SYSTEM.config):
            return False
    except OSError:
        return False
    try:
        return pwd.getpwuid(euid).pw_name != SYSTEM.user
    except KeyError:
        return True


def system_config_hint(command: str) -> str:
    """What a build user may run instead of ``command`` with the system service's config."""
    unit = UNIT.removesuffix(".service")
    return (
        f"the system service's config (it runs as {SYSTEM.user}), not for `{command}` by a build user: "
        f"`sudo systemctl kill -s USR1 {unit}` refreshes now, `sudo systemctl reload {unit}` after an edit, "
        f"`systemctl status {unit}` shows the service, `sudo codeartifact-refresher status --config "
        f"{SYSTEM.config}` its tokens"
    )


def system_status_hint() -> str:
    """What a build user may run to see the system service's state."""
    unit = UNIT.removesuffix(".service")
    return (
        f"it is the system service's (it runs as {SYSTEM.user}): `systemctl status {unit}` shows the service, "
        f"`sudo codeartifact-refresher status --config {SYSTEM.config}` its tokens"
    )


def refuse_foreign_system_config(given: str | None, command: str) -> None:
    """ConfigError, one line, when a build user runs ``command`` with the system service's config."""
    path = Path(given) if given else default_path()
    if foreign_system_config(path):
        raise ConfigError(system_config_hint(command), path)
