"""The *service manager* that runs the unit: systemd (the system's or the user's) or launchd.

Each says whether it runs here (:meth:`available`), and gives the commands that bring the service
to where it should be after an install (only those needed: a second run needs none), before and
after an uninstall, and the ones a person runs by hand where the manager does not run here (in a
container, a chroot, over ``sudo -u`` without the user's session).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .layout import LABEL

Command = list[str]


def answers(argv: Command) -> bool:
    """Whether ``argv`` runs and exits 0 (a query: is it enabled, loaded...)."""
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0  # noqa: S603 - our fixed queries
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class Systemd:
    unit: str
    user: bool
    marker: Path  # exists when systemd is the running init system, as sd_booted() checks

    @property
    def name(self) -> str:
        return "the systemd user manager" if self.user else "systemd"

    def systemctl(self, *args: str) -> Command:
        return ["systemctl", *(["--user"] if self.user else []), *args]

    def available(self) -> bool:
        if not self.marker.is_dir() or shutil.which("systemctl") is None:
            return False
        return not self.user or answers(self.systemctl("show", "--property=Version"))

    def why_not(self) -> str:
        if not self.marker.is_dir():
            return f"systemd is not running here (no {self.marker})"
        return f"{self.name} does not answer here (`{' '.join(self.systemctl('show'))}` fails: no user session?)"

    def install(self, changed: bool, start: bool) -> list[Command]:
        enabled, active = answers(self.systemctl("is-enabled", "--quiet", self.unit)), self.active()
        commands = [self.systemctl("daemon-reload")] if changed else []
        if start and not (enabled and active):
            commands.append(self.systemctl("enable", "--now", self.unit))
        elif not start and not enabled:
            commands.append(self.systemctl("enable", self.unit))
        if start and changed and active:
            commands.append(self.systemctl("restart", self.unit))
        return commands

    def active(self) -> bool:
        return answers(self.systemctl("is-active", "--quiet", self.unit))

    def install_by_hand(self, start: bool) -> list[Command]:
        return [self.systemctl("daemon-reload"), self.systemctl("enable", *(["--now"] if start else []), self.unit)]

    def start_later(self) -> Command:
        return self.systemctl("start", self.unit)

    def before_removal(self) -> list[Command]:
        enabled = answers(self.systemctl("is-enabled", "--quiet", self.unit))
        return [self.systemctl("disable", "--now", self.unit)] if enabled or self.active() else []

    def after_removal(self) -> list[Command]:
        return [self.systemctl("daemon-reload")]

    def removal_by_hand(self) -> list[Command]:
        # disable, not just stop: an `enable` run by hand left a .wants/ link, which `disable`
        # removes even once the unit file is gone
        return [self.systemctl("disable", "--now", self.unit), self.systemctl("daemon-reload")]


@dataclass
class Launchd:
    plist: Path
    uid: int

    name = "launchd"

    @property
    def service(self) -> str:
        return f"gui/{self.uid}/{LABEL}"

    def available(self) -> bool:
        return shutil.which("launchctl") is not None

    def why_not(self) -> str:
        return "launchctl is not here"

    def loaded(self) -> bool:
        return answers(["launchctl", "print", self.service])

    def install(self, changed: bool, start: bool) -> list[Command]:
        loaded = self.loaded()
        commands = [["launchctl", "bootout", self.service]] if loaded and changed else []
        if start and (changed or not loaded):
            commands.append(self.bootstrap())
        return commands

    def bootstrap(self) -> Command:
        return ["launchctl", "bootstrap", f"gui/{self.uid}", str(self.plist)]

    def install_by_hand(self, start: bool) -> list[Command]:
        return [self.bootstrap()] if start else []

    def start_later(self) -> Command:
        return self.bootstrap()

    def before_removal(self) -> list[Command]:
        return [["launchctl", "bootout", self.service]] if self.loaded() else []

    def after_removal(self) -> list[Command]:
        return []

    def removal_by_hand(self) -> list[Command]:
        return [["launchctl", "bootout", self.service]]


Manager = Systemd | Launchd
