"""Throw-away users and groups (real ``useradd``/``groupadd``, unique names), removed afterwards
even when the test fails; and running our own CLI as one of them.

Our venv's Python lives under ``/root`` (pyenv), where other users cannot run it, so a process of
another user runs the CLI with the system's ``python3`` of the same version and our venv's
``site-packages`` on ``PYTHONPATH``: the same code, the same installed libraries.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


class User:
    """A real user made with ``useradd`` (a private group of the same name, no home)."""

    def __init__(self, name: str, groups: tuple[str, ...] = (), make: bool = True) -> None:
        if make:
            extra = ["-G", ",".join(groups)] if groups else []
            subprocess.run(["useradd", "--no-create-home", "--user-group", *extra, name], check=True)
        entry = pwd.getpwnam(name)
        self.name, self.uid, self.gid = name, entry.pw_uid, entry.pw_gid

    @classmethod
    def existing(cls, name: str) -> User:
        """A user made by someone else (the code under test); not removed by this module."""
        return cls(name, make=False)

    def run(self, argv: list[str], env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
        """``argv`` as this user (a new process, with exactly ``env``); its result."""
        return subprocess.run(
            ["runuser", "-u", self.name, "--", "env", "-i", *[f"{k}={v}" for k, v in (env or {}).items()], *argv],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=cwd,
        )

    def can_read(self, path: Path) -> bool:
        return self.run(["cat", str(path)], {"PATH": "/usr/bin:/bin"}).returncode == 0


@contextmanager
def users(*specs: tuple[str, tuple[str, ...]]) -> Iterator[list[User]]:
    """Users named ``(prefix, groups)`` each, made now and removed (with their private groups) after."""
    made: list[User] = []
    try:
        for prefix, groups in specs:
            made.append(User(unique(prefix), groups))
        yield made
    finally:
        for user in made:
            subprocess.run(["userdel", user.name], check=False, capture_output=True)
            remove_group(user.name)


@contextmanager
def group(prefix: str) -> Iterator[str]:
    name = unique(prefix)
    subprocess.run(["groupadd", name], check=True)
    try:
        yield name
    finally:
        remove_group(name)


def remove_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        return
    subprocess.run(["groupdel", name], check=False, capture_output=True)


def remove_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    subprocess.run(["userdel", name], check=False, capture_output=True)


def cli_as_another_user() -> tuple[list[str], dict]:
    """The argv prefix and environment that run our CLI in a process of another user."""
    if not SYSTEM_PYTHON.exists():
        pytest.fail(f"{SYSTEM_PYTHON} is needed to run the CLI as another user", pytrace=False)
    require_reachable()
    version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True
    ).stdout.split()
    if version != [str(sys.version_info[0]), str(sys.version_info[1])]:
        pytest.fail(f"{SYSTEM_PYTHON} is Python {'.'.join(version)}, not ours: its libraries would not load")
    site = sysconfig.get_path("purelib")
    path = os.pathsep.join([str(ROOT / "daemon"), site, sysconfig.get_path("platlib")])
    return [str(SYSTEM_PYTHON), "-m", "codeartifact_refresher"], {"PYTHONPATH": path, "PATH": "/usr/bin:/bin"}


def skip_unless_root() -> pytest.MarkDecorator:
    return pytest.mark.skipif(os.geteuid() != 0, reason="making throw-away users needs root (CI runs as root)")


def outcome_as(uid: int, gid: int, fn: Callable[[], str]) -> str:
    """What ``fn`` returns, run in a forked child that has become ``uid``:``gid`` (no other groups)."""
    require_reachable()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            result = fn()
        except BaseException as e:  # noqa: BLE001 - the parent reports it
            result = f"child failed: {type(e).__name__}: {e}"
        os.write(write, result.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        result = f.read().decode()
    os.waitpid(pid, 0)
    return result


def require_reachable(*paths: Path) -> None:
    """Fail, saying what to do, when a process of another user could not reach ``paths`` (our
    checkout, our venv): a directory above one lets no one else search it (a clone made in a
    ``mktemp -d`` directory, or below a private home). ``.ci/run`` opens the way for its run."""
    for path in paths or (ROOT, Path(sysconfig.get_path("purelib"))):
        for directory in (path, *path.parents):
            if directory.exists() and not os.stat(directory).st_mode & 0o001:
                pytest.fail(
                    f"other users cannot reach {path}: {directory} is not searchable by them (mode "
                    f"{os.stat(directory).st_mode & 0o7777:04o}); run the tests from a checkout they can reach, "
                    f"`chmod o+x {directory}`, or through .ci/run, which does that for its run",
                    pytrace=False,
                )
