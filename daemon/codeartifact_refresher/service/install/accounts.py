"""The system service's *account*: its user and group, made with the system's own tools.

The user is a system user whose home is :data:`~.layout.NO_HOME` (``/nonexistent``, never made)
and whose shell refuses logins. Its home is NOT the state directory: that directory is readable by
the service group, which build users join, so whatever was put in the home (a root-written
``~/.aws/credentials``) was readable by every build user. An account made that way by an earlier
release is moved out of it.
"""

from __future__ import annotations

import grp
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from .layout import NO_HOME
from .steps import Step, run

SHELLS = ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false")


def nologin() -> str:
    return next((s for s in SHELLS if os.path.exists(s)), SHELLS[0])


def _user(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


@dataclass
class ServiceAccount(Step):
    user: str
    group: str
    state_dir: Path

    @property
    def what(self) -> str:
        return f"user {self.user} in group {self.group} (home {NO_HOME}, not created; no login shell)"

    @property
    def shown(self) -> str | None:
        return "\n".join(" ".join(argv) for argv in self.commands()) or None

    def commands(self) -> list[list[str]]:
        existing = _user(self.user)
        if existing is not None:
            if Path(existing.pw_dir) == self.state_dir:
                return [["usermod", "--home", str(NO_HOME), self.user]]
            return []
        made = ["useradd", "--system", "--home-dir", str(NO_HOME), "--no-create-home", "--shell", nologin()]
        if self.group == self.user and not _group_exists(self.group):
            return [[*made, "--user-group", self.user]]
        group = [] if _group_exists(self.group) else [["groupadd", "--system", self.group]]
        return [*group, [*made, "--gid", self.group, self.user]]

    def change(self) -> str | None:
        existing = _user(self.user)
        if existing is None:
            return "create"
        if Path(existing.pw_dir) == self.state_dir:
            return f"move its home out of the state directory, to {NO_HOME}"
        return None

    def apply(self) -> None:
        for argv in self.commands():
            run(argv)


@dataclass
class RemoveAccount(Step):
    user: str
    group: str
    as_is = "not there"

    @property
    def what(self) -> str:
        return f"user {self.user} and group {self.group}"

    def change(self) -> str | None:
        return "remove" if _user(self.user) is not None or _group_exists(self.group) else None

    def apply(self) -> None:
        if _user(self.user) is not None:
            run(["userdel", self.user])  # also its private group, unless build users are in it
        if _group_exists(self.group):
            run(["groupdel", self.group])


def existing(user: str, group: str) -> bool:
    return _user(user) is not None or _group_exists(group)
