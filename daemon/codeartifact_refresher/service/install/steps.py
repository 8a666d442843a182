"""The *steps* of installing and uninstalling: each makes one thing as wanted, or removes it.

A step's :meth:`Step.change` says in a word or two what it would do (``create``, ``update``,
``set mode 0644 -> 0600``), or None when the thing is already as wanted: that is what makes a
second run change nothing, and what ``--dry-run`` shows without doing it. :meth:`Step.apply`
does it. Files are written atomically (a temporary file in the same directory, created with its
final mode, then renamed); owners are given by name and looked up when the step runs, so a dry
run can name a service user that does not exist yet.

Nothing another user made is taken over: a directory or a kept file (the admin's config and
credentials file) that exists already must belong to root or to the owner it is meant to have,
else the step refuses (whoever made it could have put their own settings in it, which root would
then vouch for). Modes and owners are set on the thing opened without following a symlink.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...errors import Error


class InstallError(Error):
    """A step of install-service or uninstall-service failed (a command, a file it could not write)."""


@dataclass(frozen=True)
class Owner:
    user: str
    group: str

    def __str__(self) -> str:
        return f"{self.user}:{self.group}"

    def ids(self) -> tuple[int, int]:
        try:
            return pwd.getpwnam(self.user).pw_uid, grp.getgrnam(self.group).gr_gid
        except KeyError as e:
            raise InstallError(f"no such user or group: {e.args[0]}") from None


ROOT = Owner("root", "root")


class Step:
    """One thing made or removed; ``what`` names it for a person, ``shown`` is what --dry-run shows."""

    @property
    def what(self) -> str:
        raise NotImplementedError

    @property
    def shown(self) -> str | None:
        return None

    #: what a report says of a step that had nothing to do
    as_is = "unchanged"

    def change(self) -> str | None:
        raise NotImplementedError

    def apply(self) -> None:
        raise NotImplementedError


#: where the account tools live (useradd, userdel, groupadd...), searched after PATH: root's shell
#: may lack them (Debian's `su` without `-` keeps a PATH without sbin)
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def run(argv: list[str]) -> None:
    """Run a command a step needs (``useradd`` ...); InstallError naming it and its complaint."""
    program = shutil.which(argv[0], path=os.pathsep.join([os.environ.get("PATH", ""), *SBIN])) or argv[0]
    try:
        done = subprocess.run([program, *argv[1:]], capture_output=True, text=True, timeout=120)  # noqa: S603 - our steps' argv
    except OSError as e:
        raise InstallError(f"cannot run {argv[0]}: {e.strerror}") from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise InstallError(f"`{' '.join(argv)}` failed (exit {done.returncode}): {said}")


def _not_taken_over(path: Path, st: os.stat_result, owner: Owner | None) -> None:
    """Refuse ``path`` when another user made it: its owner is neither root nor ``owner``."""
    if owner is None or os.geteuid() != 0 or st.st_uid == 0:
        return
    try:
        if st.st_uid == pwd.getpwnam(owner.user).pw_uid:
            return
    except KeyError:
        pass  # the service user is made by an earlier step: nothing of theirs can be here yet
    try:
        who = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        who = f"uid {st.st_uid}"
    chown = f"chown -R {owner}" if stat.S_ISDIR(st.st_mode) else f"chown {owner}"
    raise InstallError(
        f"{path} belongs to {who}, who could have put their own settings in it: check it, then `{chown} {path}` "
        "(or move it away) and run again"
    )


def _set(path: Path, mode: int, owner: Owner | None, directory: bool = False) -> None:
    """``path``'s mode and owner (owner: as root only), on what is opened there, never through a symlink."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | (os.O_DIRECTORY if directory else 0)
    fd = os.open(path, flags)
    try:
        if not directory and not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InstallError(f"{path} is not a regular file; move it away and run again")
        os.fchmod(fd, mode)
        if owner is not None and os.geteuid() == 0:
            os.fchown(fd, *owner.ids())
    finally:
        os.close(fd)


def _differences(st: os.stat_result, mode: int, owner: Owner | None) -> list[str]:
    found = []
    if stat.S_IMODE(st.st_mode) != mode:
        found.append(f"set mode {stat.S_IMODE(st.st_mode):04o} -> {mode:04o}")
    if owner is not None and os.geteuid() == 0:
        try:
            wanted = owner.ids()
        except InstallError:
            wanted = (-1, -1)  # the service user is made by an earlier step
        if (st.st_uid, st.st_gid) != wanted:
            found.append(f"set owner to {owner}")
    return found


@dataclass
class WriteFile(Step):
    """A file with this text, mode and owner; ``keep`` (a file of the admin's): once written, its
    text is theirs, only its mode and owner are kept right."""

    path: Path
    text: str
    mode: int
    owner: Owner | None = None
    keep: bool = False

    @property
    def what(self) -> str:
        return f"{self.path} ({f'{self.owner} ' if self.owner else ''}{self.mode:04o})"

    @property
    def shown(self) -> str | None:
        return self.text

    def change(self) -> str | None:
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            return "create"
        if not stat.S_ISREG(st.st_mode):
            raise InstallError(f"{self.path} is not a regular file; move it away and run again")
        if self.keep:
            _not_taken_over(self.path, st, self.owner)
        fixes = _differences(st, self.mode, self.owner)
        if not self.keep and self.path.read_text() != self.text:
            fixes.insert(0, "update")
        return ", ".join(fixes) or None

    def apply(self) -> None:
        if self.keep and self.path.exists():
            self._fix(self.path)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                os.fchmod(f.fileno(), self.mode)
                f.write(self.text)
                f.flush()
                os.fsync(f.fileno())
            self._fix(Path(tmp))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _fix(self, path: Path) -> None:
        _set(path, self.mode, self.owner)


@dataclass
class MakeDirectory(Step):
    """A directory with this mode and owner; ``keep_mode``: one that exists is left as it is."""

    path: Path
    mode: int
    owner: Owner | None = None
    keep_mode: bool = False

    @property
    def what(self) -> str:
        return f"{self.path}/ ({f'{self.owner} ' if self.owner else ''}{self.mode:04o})"

    def change(self) -> str | None:
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            return "create"
        if not stat.S_ISDIR(st.st_mode):
            raise InstallError(f"{self.path} is not a directory; move it away and run again")
        _not_taken_over(self.path, st, self.owner)
        return None if self.keep_mode else ", ".join(_differences(st, self.mode, self.owner)) or None

    def apply(self) -> None:
        if self.keep_mode and self.path.is_dir():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        _set(self.path, self.mode, self.owner, directory=True)


@dataclass
class Remove(Step):
    """A file, a link or a whole directory, gone."""

    path: Path
    as_is = "not there"

    def __post_init__(self) -> None:
        self.directory = self.path.is_dir() and not self.path.is_symlink()

    @property
    def what(self) -> str:
        return f"{self.path}{'/' if self.directory else ''}"

    def change(self) -> str | None:
        return "remove" if os.path.lexists(self.path) else None

    def apply(self) -> None:
        if self.path.is_dir() and not self.path.is_symlink():
            shutil.rmtree(self.path)
        else:
            self.path.unlink(missing_ok=True)
