import ctypes
import errno
import os
import stat
from pathlib import Path

import pytest

from codeartifact_refresher.errors import TargetError, UnsafeFileError
from codeartifact_refresher.outputs import files, locks, owners
from codeartifact_refresher.platform import linux, paths

from .. import renames
from ..renames import only

rename_strategy = renames.rename_strategy  # the fixture, found by pytest in this module

# the tests that write run under both ways of putting the new file in place (tests/renames.py)
both = pytest.mark.usefixtures("rename_strategy")


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write(path, text, wanted=files.DEFAULT_MODE, follow=False):
    files.update(path, lambda _: text, wanted, follow)


@pytest.fixture
def wide_umask():
    old = os.umask(0)
    yield
    os.umask(old)


@both
def test_new_file_is_0600_in_new_0700_directories_whatever_the_umask(tmp_path, wide_umask):
    path = tmp_path / "a" / "b" / "pip.conf"
    write(path, "x\n")
    assert path.read_text() == "x\n" and mode_of(path) == 0o600
    assert mode_of(tmp_path / "a") == 0o700 and mode_of(tmp_path / "a" / "b") == 0o700


@both
def test_strict_umask_does_not_narrow_a_wanted_group_read(tmp_path):
    old = os.umask(0o077)
    try:
        write(tmp_path / "f", "x", wanted=0o640)
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "f") == 0o640


@both
def test_temporary_file_is_created_with_the_final_mode(tmp_path, monkeypatch):
    opened = []
    real_open = os.open

    def spy(path, flags, mode=0o777, **kw):
        if str(path).endswith(".tmp"):
            opened.append((flags, mode))
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(os, "open", spy)
    fchmods = []
    real_fchmod = os.fchmod
    monkeypatch.setattr(
        os, "fchmod", lambda fd, mode: (fchmods.append((os.fstat(fd).st_size, mode)), real_fchmod(fd, mode))
    )
    write(tmp_path / "f", "secret", wanted=0o640)
    assert opened and opened[0][1] == 0o600 and opened[0][0] & os.O_EXCL and opened[0][0] & os.O_NOFOLLOW
    assert fchmods == [(0, 0o640)]  # the final mode is set while the file is still empty
    assert mode_of(tmp_path / "f") == 0o640


@both
def test_a_stale_temporary_name_is_never_reused_or_removed(tmp_path):
    (tmp_path / "d").mkdir()
    squatter = tmp_path / "d" / f".f.{os.getpid()}.tmp"
    squatter.write_text("not ours")
    write(tmp_path / "d" / "f", "new")
    assert squatter.read_text() == "not ours" and (tmp_path / "d" / "f").read_text() == "new"


def test_fifo_target_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(UnsafeFileError, match=r"fifo is a FIFO, not a regular file$"):
        files.read(tmp_path / "fifo")


def test_read_regular_refuses_devices_and_stops_past_its_bound(tmp_path):
    with pytest.raises(UnsafeFileError, match=r"/dev/zero is a character device, not a regular file$"):
        files.read_regular(Path("/dev/zero"), 10, follow=True)
    (tmp_path / "big").write_bytes(b"x" * 100)
    data, st = files.read_regular(tmp_path / "big", 10)
    assert data == b"x" * 11 and st.st_size == 100  # one byte past the bound: the caller says "too big"


@both
def test_existing_wide_file_is_tightened_and_narrow_one_not_widened(tmp_path):
    wide, narrow = tmp_path / "wide", tmp_path / "narrow"
    wide.write_text("a")
    narrow.write_text("a")
    os.chmod(wide, 0o644)
    os.chmod(narrow, 0o400)
    write(wide, "b")
    write(narrow, "b", wanted=0o640)
    assert mode_of(wide) == 0o600 and mode_of(narrow) == 0o400 and narrow.read_text() == "b"


@both
def test_replace_is_atomic_rename_and_leaves_no_temporary_file(tmp_path):
    tmp_path = tmp_path / "dir"
    tmp_path.mkdir()
    path = tmp_path / "f"
    path.write_text("old")
    inode = os.stat(path).st_ino
    write(path, "new")
    assert path.read_text() == "new" and os.stat(path).st_ino != inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


@only("rename")
def test_failed_replace_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
    """os.replace failing: the fallback's own failure (the exchange's is the test further down)."""
    tmp_path = tmp_path / "dir"
    tmp_path.mkdir()
    path = tmp_path / "f"
    path.write_text("old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(TargetError, match=rf"cannot write {path}: No space left on device"):
        write(path, "new")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["f"]


@both
def test_symlink_is_refused_unless_followed(tmp_path):
    real = tmp_path / "real.conf"
    real.write_text("old")
    link = tmp_path / "link.conf"
    link.symlink_to(real)
    with pytest.raises(UnsafeFileError, match="is a symlink; refusing to replace it \\(set follow_symlinks: true"):
        write(link, "new")
    assert real.read_text() == "old"
    write(link, "new", follow=True)
    assert link.is_symlink() and real.read_text() == "new"


def test_directory_target_is_refused(tmp_path):
    with pytest.raises(UnsafeFileError, match="is a directory, not a file"):
        files.read(tmp_path)


def test_non_utf8_file_is_refused_and_says_where(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"[global]\n\xff\n")
    with pytest.raises(TargetError, match=r"is not UTF-8 text \(byte 9\); left as it is"):
        files.read(path)


@both
def test_bom_and_crlf_survive_a_rewrite(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"\xef\xbb\xbfa\r\n")
    current = files.read(path)
    assert current.bom and current.text == "a\r\n"
    files.write_atomic(current, current.text + "b\r\n", 0o600)
    assert path.read_bytes() == b"\xef\xbb\xbfa\r\nb\r\n"


def test_unreadable_parent_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(TargetError, match=r"cannot use .*/file/sub/pip.conf: Not a directory"):
        write(blocker / "sub" / "pip.conf", "x")


def test_a_failed_exchange_keeps_old_file_and_removes_temporary(tmp_path, monkeypatch):
    """renameat2 failing, as only the exchange strategy calls it."""
    tmp_path = tmp_path / "dir"
    tmp_path.mkdir()
    path = tmp_path / "f"
    path.write_text("old")

    def fail(*args):
        ctypes.set_errno(errno.EIO)
        return -1

    monkeypatch.setattr(linux, "renameat2", lambda: fail)
    with pytest.raises(TargetError, match=rf"cannot write {path}: Input/output error"):
        write(path, "new")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["f"]


@pytest.mark.parametrize("err", [errno.ENOSYS, errno.EINVAL])
def test_a_system_without_renameat2_falls_back_to_rename(tmp_path, monkeypatch, err):
    def unsupported(*args):
        ctypes.set_errno(err)
        return -1

    monkeypatch.setattr(linux, "renameat2", lambda: unsupported)
    path = tmp_path / "f"
    path.write_text("old")
    write(path, "new")
    assert path.read_text() == "new"


@both
def test_the_directory_is_fsynced_after_the_new_file_is_in_place(tmp_path, monkeypatch):
    """The rename is only durable once the directory is on disk: the file's data first, then,
    with the new file in place, the directory."""
    directory = tmp_path / "dir"
    directory.mkdir()
    path = directory / "f"
    path.write_text("old")
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        st = os.fstat(fd)
        kind = "directory" if stat.S_ISDIR(st.st_mode) else "file"
        if kind == "directory":
            assert st.st_ino == os.stat(directory).st_ino, "fsynced some other directory"
        synced.append((kind, path.read_text()))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write(path, "new")
    assert synced == [("file", "old"), ("directory", "new")]


def as_root():
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user (the suite runs as root in CI)")


@both
def test_root_rewriting_a_users_file_in_their_own_directory_keeps_its_owner_and_group(tmp_path):
    as_root()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    path = theirs / "f"
    path.write_text("old")
    os.chown(theirs, 12345, 23456)
    os.chown(path, 12345, 23456)
    write(path, "new")
    st = os.stat(path)
    assert path.read_text() == "new" and (st.st_uid, st.st_gid) == (12345, 23456)


@both
def test_root_writing_a_new_file_or_its_own_keeps_it_roots(tmp_path):
    as_root()
    path = tmp_path / "f"
    write(path, "new")
    write(path, "newer")
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (0, 0)


@both
def test_root_keeps_the_group_of_its_own_shared_file(tmp_path):
    """A ``root:builders 0640`` file stays ``root:builders 0640``, so the build users still read it."""
    as_root()
    path = tmp_path / "pip.conf"
    path.write_text("old")
    os.chown(path, 0, 23456)
    os.chmod(path, 0o640)
    write(path, "new", wanted=0o640)
    st = os.stat(path)
    assert path.read_text() == "new" and (st.st_uid, st.st_gid, mode_of(path)) == (0, 23456, 0o640)


@both
def test_root_refuses_a_file_owned_by_neither_root_nor_its_directorys_owner(tmp_path):
    as_root()
    path = tmp_path / "pip.conf"  # in root's own 0700 directory
    path.write_text("old")
    os.chown(path, 12345, 12345)
    with pytest.raises(
        UnsafeFileError,
        match=rf"^{path} belongs to uid 12345: neither root nor {tmp_path}'s owner, root \(uid 0\), owns it; "
        "refusing to give that user a token, left as it is$",
    ):
        write(path, "token")
    assert path.read_text() == "old" and os.stat(path).st_uid == 12345


@pytest.mark.parametrize(
    ("mode", "gid", "shared"),
    [(0o755, 23456, False), (0o1777, 0, True), (0o777, 0, True), (0o775, 0, False), (0o775, 23456, True)],
)
def test_a_directory_is_shared_when_others_than_its_owner_and_root_can_write_it(tmp_path, mode, gid, shared):
    as_root()
    os.chown(tmp_path, 12345, gid)
    os.chmod(tmp_path, mode)
    assert owners.is_shared(os.stat(tmp_path)) is shared


def test_lock_directories_root_first_under_run_then_the_state_directory():
    environ = {"HOME": "/home/u", "XDG_RUNTIME_DIR": "relative"}
    assert paths.lock_dirs(environ, euid=0) == [
        Path("/run/codeartifact-refresher"),
        Path("/home/u/.local/state/codeartifact-refresher/locks"),
        Path("/tmp/codeartifact-refresher-0"),
    ]
    assert paths.lock_dirs({**environ, "XDG_STATE_HOME": "/s"}, euid=1000)[:1] == [
        Path("/s/codeartifact-refresher/locks")
    ]


@pytest.mark.parametrize(("mode", "used"), [(0o700, True), (0o755, False)])
def test_the_runtime_directory_comes_after_the_home_and_only_when_private(tmp_path, mode, used):
    runtime = tmp_path / "run"
    runtime.mkdir(mode)
    os.chmod(runtime, mode)
    euid = os.geteuid()
    found = paths.lock_dirs({"HOME": "/h", "XDG_RUNTIME_DIR": str(runtime)}, euid=euid)
    home = found.index(Path("/h/.local/state/codeartifact-refresher/locks"))
    assert found[home + 1] == (
        runtime / "codeartifact-refresher" if used else Path(f"/tmp/codeartifact-refresher-{euid}")
    )


@pytest.fixture
def lock_dir(tmp_path, monkeypatch):
    """Our lock directory, where a test can see it."""
    where = tmp_path / "locks"
    monkeypatch.setattr(paths, "lock_dirs", lambda environ, euid, beside=None: [where])
    return where


@both
def test_no_lock_file_is_left_in_the_target_directory_or_ours(tmp_path, lock_dir):
    directory = tmp_path / "d"
    directory.mkdir()
    seen = []
    files.update(directory / "pip.conf", lambda text: seen.append(sorted(os.listdir(lock_dir))) or "x\n")
    st = os.stat(directory)
    assert seen == [[f"{st.st_dev:x}-{st.st_ino:x}.lock"]], "the lock file is named by the directory's device and inode"
    assert os.listdir(directory) == ["pip.conf"] and os.listdir(lock_dir) == []
    assert mode_of(lock_dir) == 0o700


def test_a_lock_directory_open_to_others_is_closed(lock_dir):
    lock_dir.mkdir(0o755)
    os.chmod(lock_dir, 0o755)
    with files.locked(lock_dir.parent):
        assert mode_of(lock_dir) == 0o700


def test_a_lock_directory_of_another_users_is_passed_over(tmp_path, monkeypatch):
    as_root()
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    theirs.mkdir(0o700)
    os.chown(theirs, 12345, 12345)
    monkeypatch.setattr(paths, "lock_dirs", lambda environ, euid, beside=None: [theirs, ours])
    with files.locked(tmp_path):
        assert os.listdir(theirs) == [] and len(os.listdir(ours)) == 1


def test_without_any_lock_directory_writes_go_on_unlocked_with_one_warning(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setattr(paths, "lock_dirs", lambda environ, euid, beside=None: [blocked / "locks"])
    monkeypatch.setattr(locks, "_warned", set())
    write(tmp_path / "one", "x")
    write(tmp_path / "two", "y")
    assert (tmp_path / "one").read_text() == "x" and (tmp_path / "two").read_text() == "y"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and f"no private directory for lock files (tried {blocked / 'locks'})" in warnings[0]
