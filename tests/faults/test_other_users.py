"""Attacks by another local user, made by a real throw-away user (``useradd``, then ``runuser``):
one who plants a target file for root to fill with a token, and one who holds a ``flock`` on a
directory we write into. Their actions are shell tools run as them (our Python lives where they
cannot run it); our side runs as root, or as an unprivileged user of ours in a forked child.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.errors import UnsafeFileError
from codeartifact_refresher.outputs import files, locks
from codeartifact_refresher.state import State

from ..conftest import write_config
from ..privileges import in_child_as

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="making throw-away users needs root (CI runs as root)")

TOKEN_LINE = "token = secret\n"


class User:
    """A throw-away user (with a group of its own of the same name), removed afterwards."""

    def __init__(self, extra_group: str | None = None) -> None:
        self.name = f"i10-files-{secrets.token_hex(4)}"
        groups = ["-G", extra_group] if extra_group else []
        subprocess.run(["useradd", "--no-create-home", "--user-group", *groups, self.name], check=True)
        entry = pwd.getpwnam(self.name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid

    def run(self, script: str) -> str:
        """``sh -c script`` as this user; its output."""
        done = subprocess.run(
            ["runuser", "-u", self.name, "--", "sh", "-c", script], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self, *argv: str) -> subprocess.Popen:
        """``argv`` as this user, in the background, in a process group of its own."""
        return subprocess.Popen(["runuser", "-u", self.name, "--", *argv], start_new_session=True)

    def remove(self) -> None:
        subprocess.run(["userdel", self.name], check=True)


@pytest.fixture
def other():
    user = User()
    yield user
    user.remove()


@pytest.fixture
def builders():
    """A throw-away group with a throw-away user in it."""
    group = f"i10-files-g{secrets.token_hex(3)}"
    subprocess.run(["groupadd", group], check=True)
    user = User(extra_group=group)
    yield group, user
    user.remove()
    subprocess.run(["groupdel", group], check=True)


def append_token(text: str | None) -> str:
    return (text or "") + TOKEN_LINE


# item 1: root gives a token only to whoever could not have planted the file


def test_root_refuses_a_file_another_user_planted_in_a_sticky_directory(shared, other):
    os.chmod(shared, 0o1777)  # /tmp, where a CI runner's PIP_CONFIG_FILE points
    path = shared / "pip.conf"
    other.run(f"umask 022; : > {path}")
    with pytest.raises(UnsafeFileError) as e:
        files.update(path, append_token)
    assert str(e.value) == (
        f"{path} belongs to {other.name} (uid {other.uid}): {shared} is writable by other users, and there root "
        "writes only a new file or one of its own; refusing to give that user a token, left as it is"
    )
    assert path.read_text() == "" and os.stat(path).st_uid == other.uid
    assert other.run(f"cat {path}") == ""


def test_refresh_as_root_says_so_in_one_line_and_dry_run_too(shared, other, standin, tmp_path, capsys):
    os.chmod(shared, 0o1777)
    path = shared / "pip.conf"
    other.run(f": > {path}")
    targets = f"      - writer: pip\n        repository: pypi-store\n        path: {path}\n"
    config = write_config(tmp_path / "config.yaml", standin, targets)
    for extra in ([], ["--dry-run"]):
        assert cli.main(["refresh", "--config", str(config), *extra]) == 1
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line.startswith("ERROR") and str(path) in line]
        assert len(lines) == 1 and f"belongs to {other.name} (uid {other.uid})" in lines[0], err
        assert not any(token in err for token in standin.issued_tokens())
    assert path.read_text() == ""


@pytest.mark.parametrize("mode", [0o1777, 0o777])
def test_root_writes_a_new_file_or_its_own_in_a_shared_directory(shared, other, mode):
    """A root sidecar writing into a shared ``0777`` emptyDir keeps working."""
    os.chmod(shared, mode)
    new, own = shared / "pip.conf", shared / ".npmrc"
    own.write_text("mine\n")
    files.update(new, append_token)
    files.update(own, append_token)
    assert new.read_text() == TOKEN_LINE and own.read_text() == "mine\n" + TOKEN_LINE
    assert {os.stat(p).st_uid for p in (new, own)} == {0}
    assert other.run(f"cat {new} 2>/dev/null || echo refused") == "refused\n"


@pytest.mark.parametrize("mode", [0o755, 0o775])  # 0775: group-writable by the user's own group only
def test_root_writes_a_users_own_file_in_their_own_directory_and_it_stays_theirs(shared, other, mode):
    os.chmod(shared, 0o1777)
    home = shared / "home"
    other.run(
        f"mkdir {home} && chmod {mode:o} {home} && printf 'mine\\n' > {home}/pip.conf && chmod 600 {home}/pip.conf"
    )
    files.update(home / "pip.conf", append_token)
    st = os.stat(home / "pip.conf")
    assert (st.st_uid, st.st_gid) == (other.uid, other.gid)
    assert other.run(f"cat {home}/pip.conf") == "mine\n" + TOKEN_LINE


def test_root_refuses_a_users_file_in_a_directory_another_group_can_write(shared, other, builders):
    group, _ = builders
    os.chmod(shared, 0o1777)
    home = shared / "home"
    other.run(f"mkdir {home} && : > {home}/pip.conf")
    shutil.chown(home, group=group)
    os.chmod(home, 0o775)
    with pytest.raises(UnsafeFileError, match=f"{home} is writable by other users"):
        files.update(home / "pip.conf", append_token)
    assert (home / "pip.conf").read_text() == ""


# item 12: as root, a shared file keeps its group


def test_a_shared_root_file_keeps_its_group_and_its_readers(shared, builders):
    group, builder = builders
    path = shared / "pip.conf"
    path.write_text("[global]\n")
    shutil.chown(path, "root", group)
    os.chmod(path, 0o640)
    files.update(path, append_token, wanted=0o640)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, builder_gid(group), 0o640)
    assert builder.run(f"cat {path}") == "[global]\n" + TOKEN_LINE


def builder_gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


# item 6: another user's flock on the directory does not stop our writes


@pytest.fixture
def held(shared, other):
    """``shared`` (0755, ours) with another user holding ``flock`` on it; released afterwards."""
    holder = other.start("flock", str(shared), "sleep", "1000")
    try:
        wait_until_locked(shared)
        yield shared
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # the group of the process we started
        holder.wait(10)


def wait_until_locked(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            fcntl.flock(fd, fcntl.LOCK_UN)
            time.sleep(0.02)
        raise AssertionError(f"{directory} was never locked by the other user")
    finally:
        os.close(fd)


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(locks, "LOCK_WAIT", 2.0)  # without the fix, a write gives up after this


def test_another_users_flock_on_the_directory_does_not_stop_a_write(held, short_wait):
    path = held / "pip.conf"
    started = time.monotonic()
    assert files.update(path, append_token)
    assert time.monotonic() - started < locks.LOCK_WAIT
    assert sorted(os.listdir(held)) == ["pip.conf"], "no lock file in the target's directory"


def test_another_users_flock_does_not_stop_the_state_file(held, short_wait):
    """As in the system layout, where the state file lives in a 0750 directory build users can open."""
    state = State(held / "state.json")
    state.daemon["pid"] = os.getpid()  # the daemon's own part, as the daemon writes it
    state.save(time.time())
    assert f'"pid": {os.getpid()}' in (held / "state.json").read_text()


def test_an_unprivileged_user_of_ours_is_not_stopped_either(held, other, short_wait):
    """Our side as an ordinary user, as on a laptop: its home is 0755 and another user locks it."""
    ours = User()
    try:
        os.chown(held, ours.uid, ours.gid)
        home = held / "ourhome"
        home.mkdir(0o700)
        os.chown(home, ours.uid, ours.gid)

        def write() -> None:
            os.environ.pop("XDG_STATE_HOME", None)
            os.environ["HOME"] = str(home)
            files.update(held / "pip.conf", append_token)

        run_as(ours, write)
        assert (held / "pip.conf").read_text() == TOKEN_LINE and os.stat(held / "pip.conf").st_uid == ours.uid
        assert sorted(os.listdir(held)) == ["ourhome", "pip.conf"]
        assert os.listdir(home / ".local" / "state" / "codeartifact-refresher" / "locks") == []
    finally:
        ours.remove()


def run_as(user: User, fn) -> None:
    """Run ``fn`` in a forked child that has become ``user`` (our own code, as an ordinary user)."""
    in_child_as(user.uid, user.gid, fn)


# issue 16 item 10: a template is a file too


def test_root_refresh_returns_promptly_when_another_user_planted_a_fifo_at_its_template(
    shared, other, standin, tmp_path, capsys
):
    """Opening a FIFO for reading waits for a writer: without O_NONBLOCK, root's refresh would
    hang for ever in open(), and the daemon's domain with it."""
    import threading

    os.chmod(shared, 0o1777)  # /tmp
    template = shared / "pip.conf.tmpl"
    other.run(f"mkfifo -m 0644 {template}")
    targets = (
        "      - writer: template\n        repository: pypi-store\n        format: pypi\n"
        f"        template: {template}\n        path: {tmp_path / 'out.conf'}\n"
    )
    config = write_config(tmp_path / "config.yaml", standin, targets)
    status: list[int] = []
    worker = threading.Thread(target=lambda: status.append(cli.main(["refresh", "--config", str(config)])), daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():  # let the stuck open() return, so that the test process can end
        os.close(os.open(template, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("root's refresh blocked on the FIFO")
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("ERROR") and str(template) in line]
    assert status == [1] and len(lines) == 1, err
    # refused at once, before it is even opened: another user's file is no template of root's
    # (a FIFO root owns is refused unblocked too: test_a_fifo_or_a_device_as_template_is_refused_without_hanging)
    assert f"template {template}: {template} is owned by " in lines[0], err
    assert not (tmp_path / "out.conf").exists()
