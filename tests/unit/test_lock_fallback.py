"""The lock directory when the home cannot be written (a container's read-only ``HOME``): beside
the state file, then in ``$TMPDIR``; each used only when it is ours, and a warning that names the
variable to set when none is."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from codeartifact_refresher.outputs import files, locks
from codeartifact_refresher.platform import paths

NAME = f".codeartifact-refresher-locks-{os.geteuid()}"
RUN = Path("/run/codeartifact-refresher")


@pytest.fixture
def read_only_home(tmp_path, monkeypatch):
    """A home whose state directory cannot be made (as root, a file in the way stands for a
    read-only file system: permission bits do not stop root), no runtime directory, a TMPDIR of
    the test's, and no state directory said yet."""
    blocked = tmp_path / "blocked"
    blocked.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked / "state"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(locks, "_beside", [])
    monkeypatch.setattr(locks, "_warned", set())
    real = paths.lock_dirs  # as a user: root's /run/codeartifact-refresher, first for root, left out
    monkeypatch.setattr(
        paths, "lock_dirs", lambda environ, euid, beside=None: [d for d in real(environ, euid, beside) if d != RUN]
    )
    return tmp_path


def lock_files_seen(directory: Path, where: Path) -> list[str]:
    """The lock files in ``where`` while a write into ``directory`` holds its lock."""
    seen: list[str] = []
    files.update(directory / "pip.conf", lambda text: seen.extend(os.listdir(where)) or "x\n")
    return seen


def test_the_fallbacks_come_after_the_home_and_the_runtime_directory_beside_then_tmpdir():
    found = paths.lock_dirs({"HOME": "/h", "TMPDIR": "/t"}, euid=1000, beside=Path("/creds"))
    assert found == [
        Path("/h/.local/state/codeartifact-refresher/locks"),
        Path("/creds/.codeartifact-refresher-locks-1000"),
        Path("/t/codeartifact-refresher-1000"),
    ]


@pytest.mark.parametrize("tmpdir", [None, "", "relative/dir"])
def test_without_an_absolute_tmpdir_the_last_resort_is_under_tmp(tmpdir):
    environ = {"HOME": "/h"} if tmpdir is None else {"HOME": "/h", "TMPDIR": tmpdir}
    assert paths.lock_dirs(environ, euid=1000)[-1] == Path("/tmp/codeartifact-refresher-1000")


def test_with_a_read_only_home_writes_are_locked_beside_the_state_file(read_only_home, caplog):
    state_dir = read_only_home / "creds"
    state_dir.mkdir()
    locks.fall_back_beside(state_dir / "state.json")
    target = read_only_home / "target"
    target.mkdir()
    seen = lock_files_seen(target, state_dir / NAME)
    st = os.stat(target)
    assert seen == [f"{st.st_dev:x}-{st.st_ino:x}.lock"]
    assert stat.S_IMODE(os.stat(state_dir / NAME).st_mode) == 0o700 and os.listdir(state_dir / NAME) == []
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_without_a_state_directory_said_the_lock_goes_to_tmpdir(read_only_home, caplog):
    target = read_only_home / "target"
    target.mkdir()
    where = read_only_home / "tmp" / f"codeartifact-refresher-{os.geteuid()}"
    assert len(lock_files_seen(target, where)) == 1
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o700
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another uid needs root")
def test_a_directory_another_user_made_first_under_our_name_is_passed_over(read_only_home):
    state_dir = read_only_home / "creds"
    (state_dir / NAME).mkdir(parents=True, mode=0o777)
    os.chmod(state_dir / NAME, 0o777)
    os.chown(state_dir / NAME, 12345, 12345)
    locks.fall_back_beside(state_dir / "state.json")
    target = read_only_home / "target"
    target.mkdir()
    theirs_seen = lock_files_seen(target, state_dir / NAME)
    ours = read_only_home / "tmp" / f"codeartifact-refresher-{os.geteuid()}"
    assert theirs_seen == [] and os.listdir(ours) == []  # the lock was taken in ours, and let go
    assert os.stat(state_dir / NAME).st_uid == 12345 and stat.S_IMODE(os.stat(state_dir / NAME).st_mode) == 0o777


def test_a_symlink_under_our_name_is_not_followed(read_only_home):
    elsewhere = read_only_home / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    state_dir = read_only_home / "creds"
    state_dir.mkdir()
    (state_dir / NAME).symlink_to(elsewhere)
    locks.fall_back_beside(state_dir / "state.json")
    target = read_only_home / "target"
    target.mkdir()
    assert lock_files_seen(target, elsewhere) == []
    assert len(lock_files_seen(target, read_only_home / "tmp" / f"codeartifact-refresher-{os.geteuid()}")) == 1


def test_when_nothing_works_the_warning_names_the_variable_to_set(read_only_home, monkeypatch, caplog):
    monkeypatch.setenv("TMPDIR", str(read_only_home / "blocked" / "tmp"))
    target = read_only_home / "target"
    target.mkdir()
    files.update(target / "pip.conf", lambda text: "x\n")
    files.update(target / "npmrc", lambda text: "y\n")
    assert (target / "pip.conf").read_text() == "x\n" and (target / "npmrc").read_text() == "y\n"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, "said once, not at every write"
    assert "no private directory for lock files" in warnings[0]
    assert warnings[0].endswith(paths.lock_dir_hint()) and "XDG_STATE_HOME" in warnings[0]
