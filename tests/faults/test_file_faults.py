"""Target files under faults: a file that changes while it is rewritten, a second writer, a full
disk, a read-only directory, a killed writer's leftovers, links into someone else's directory.

Every test runs under both ways of putting the new file in place (tests/renames.py): the
``renameat2`` exchange and the ``os.replace`` fallback; those that make sense under one only say so.
"""

import errno
import fcntl
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from codeartifact_refresher.errors import FileBusyError, TargetError, UnsafeFileError
from codeartifact_refresher.outputs import files, locks
from codeartifact_refresher.platform import linux

from .. import renames
from ..privileges import in_child_as
from ..renames import only

rename_strategy = renames.rename_strategy  # the fixture, found by pytest in this module

NOBODY = 65534


@pytest.fixture
def d(tmp_path):
    """A directory of the test's own (the autouse HOME lives beside it in tmp_path)."""
    d = tmp_path / "d"
    d.mkdir()
    return d


@pytest.fixture(autouse=True)
def strategy(rename_strategy):
    return rename_strategy


def listing(directory):
    return sorted(p.name for p in directory.iterdir())


def append_line(line):
    """A pure render: the file plus our line (once)."""
    return lambda text: (text or "") if line in (text or "") else (text or "") + line


def in_place(monkeypatch, strategy, path):
    """Every version of ``path`` that our renames put in place, even for an instant."""
    seen = []
    if strategy == "rename":
        real_replace = os.replace

        def replace(src, dst):
            real_replace(src, dst)
            if Path(src).name.startswith(f".{path.name}."):  # ours, not an editor's save
                seen.append(path.read_text())

        monkeypatch.setattr(os, "replace", replace)
        return seen
    real = linux.renameat2()
    assert real is not None, "the exchange strategy runs only where renameat2 is"

    def renameat2(*args):
        result = real(*args)
        seen.append(path.read_text())
        return result

    monkeypatch.setattr(linux, "renameat2", lambda: renameat2)
    return seen


def write_in_place(path):
    """As some editors and `echo >>` save: the same file, written again."""
    path.write_text(path.read_text() + "# user edit\n")


@pytest.mark.parametrize("edit", [write_in_place, "save_by_rename"], ids=["in place", "by rename"])
def test_an_edit_made_while_we_render_is_re_read_and_kept(d, monkeypatch, strategy, edit):
    """Seen by the final re-read, before our rename, under both strategies: no version without the
    edit is ever in place."""
    edit = save_by_rename if edit == "save_by_rename" else edit
    path = d / "pip.conf"
    path.write_text("[global]\n")
    versions = in_place(monkeypatch, strategy, path)
    calls = []

    def render(text):
        calls.append(text)
        if len(calls) == 1:  # the user saves the file while we are busy
            edit(path)
        return text + "ours = 1\n"

    assert files.update(path, render)
    assert path.read_text() == "[global]\n# user edit\nours = 1\n" and listing(d) == ["pip.conf"]
    assert calls == ["[global]\n", "[global]\n# user edit\n"]
    assert versions == ["[global]\n# user edit\nours = 1\n"]


def racing(monkeypatch, strategy, edit):
    """Run ``edit(path)`` once, right before our rename: through ``renameat2`` (strategy
    "exchange") or, as where the system lacks it, ``os.replace`` (strategy "rename")."""
    done: list[int] = []
    if strategy == "rename":
        real_replace = os.replace

        def replace(src, dst):
            if not done:
                edit(Path(dst))
                done.append(1)
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        return
    real = linux.renameat2()
    assert real is not None, "renameat2 is missing here: the exchange path is untested"

    def renameat2(dirfd, src, dirfd2, dst, flags):
        if not done:
            edit(Path(os.fsdecode(dst)))
            done.append(1)
        return real(dirfd, src, dirfd2, dst, flags)

    monkeypatch.setattr(linux, "renameat2", lambda: renameat2)


def append_in_place(path):
    with open(path, "a") as f:
        f.write("# user edit\n")


def save_by_rename(path):
    """As vim and most editors save: a new file renamed over the old one."""
    new = path.with_name(".editor-save")
    new.write_text(path.read_text() + "# user edit\n")
    os.replace(new, path)


def test_an_edit_written_into_the_old_file_during_the_rename_is_carried_over(d, monkeypatch, strategy):
    path = d / "pip.conf"
    path.write_text("[global]\n")
    racing(monkeypatch, strategy, append_in_place)
    assert files.update(path, append_line("ours = 1\n"))
    assert path.read_text() == "[global]\n# user edit\nours = 1\n"
    assert listing(d) == ["pip.conf"]


@only("exchange")
def test_an_editor_saving_by_rename_an_instant_before_our_rename_is_kept(d, monkeypatch):
    """Closed by renameat2's exchange: what we swap out is checked, and given back if it is not
    the file we read. (Without renameat2 this microseconds-wide window remains; SECURITY.md.
    The same save a moment earlier, before the final re-read, is kept by both strategies: next test.)"""
    path = d / "pip.conf"
    path.write_text("[global]\n")
    racing(monkeypatch, "exchange", save_by_rename)
    assert files.update(path, append_line("ours = 1\n"))
    assert path.read_text() == "[global]\n# user edit\nours = 1\n"
    assert listing(d) == ["pip.conf"]


def test_a_file_created_while_we_render_a_new_one_is_kept(d, strategy):
    path = d / "pip.conf"
    calls = []

    def render(text):
        calls.append(text)
        if len(calls) == 1:
            path.write_text("# theirs\n")
        return (text or "") + "ours = 1\n"

    assert files.update(path, render)
    assert path.read_text() == "# theirs\nours = 1\n" and listing(d) == ["pip.conf"]
    assert calls == [None, "# theirs\n"]


@only("exchange")
def test_a_file_created_an_instant_before_we_create_it_is_kept(d, monkeypatch):
    """RENAME_NOREPLACE refuses to replace it. (Without renameat2 the rename would; the window
    is the same microseconds as an editor's save, above.)"""
    path = d / "pip.conf"
    racing(monkeypatch, "exchange", lambda p: p.write_text("# theirs\n"))
    assert files.update(path, append_line("ours = 1\n"))
    assert path.read_text() == "# theirs\nours = 1\n" and listing(d) == ["pip.conf"]


def test_a_file_that_never_stops_changing_is_left_to_the_user(d):
    path = d / "pip.conf"
    path.write_text("0\n")

    def render(text):
        path.write_text(f"{int(text) + 1}\n")  # someone rewrites it every time
        return "ours\n"

    with pytest.raises(FileBusyError, match="kept changing while it was being rewritten; left as it is") as e:
        files.update(path, render)
    assert e.value.retryable  # tried again soon, not in five minutes
    assert path.read_text() == f"{files.ATTEMPTS}\n" and listing(d) == ["pip.conf"]


def _increment_many(path, times):
    for _ in range(times):
        files.update(path, lambda text: f"{int(text or '0') + 1}\n")


def test_two_processes_writing_one_file_never_lose_an_update(d):
    """The flock serialises our writers: each read-render-write sees the other's result."""
    path = d / "counter"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_increment_many, args=(path, 100)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert path.read_text() == "400\n" and listing(d) == ["counter"]


def test_a_held_lock_makes_a_writer_give_up_with_a_clear_error(d, monkeypatch):
    monkeypatch.setattr(locks, "LOCK_WAIT", 0.05)
    path = d / "pip.conf"
    with files.locked(d), pytest.raises(FileBusyError, match=rf"{d} is locked by another codeartifact-refresher") as e:
        files.update(path, append_line("x\n"))
    assert e.value.retryable
    assert not path.exists()


def test_a_file_system_that_cannot_lock_a_directory_still_gets_written(d, monkeypatch):
    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    assert files.update(d / "pip.conf", append_line("x\n"))
    assert (d / "pip.conf").read_text() == "x\n"


def test_temporary_files_left_by_a_killed_writer_are_removed_and_others_kept(d):
    stale = d / ".pip.conf.ab_d1234.tmp"
    stale.write_text("half")
    others = [d / ".pip.conf.tmp", d / ".npmrc.abcd1234.tmp", d / "pip.conf.abcd1234.tmp"]
    for p in others:
        p.write_text("keep")
    files.update(d / "pip.conf", append_line("x\n"))
    assert not stale.exists() and all(p.read_text() == "keep" for p in others)


def stale_name(path, suffix="ab_d1234"):
    return path.with_name(f".{path.name}.{suffix}.tmp")


def test_a_killed_writers_temporary_file_is_removed_only_when_it_is_ours(d):
    """Only our own leftovers go: a file of the same name pattern that belongs to another user
    is theirs, whatever its name says."""
    if os.geteuid() != 0:
        pytest.skip("making a file that belongs to another user needs root")
    ours, theirs = stale_name(d / "pip.conf", "ours1234"), stale_name(d / "pip.conf", "them1234")
    ours.write_text("half")
    theirs.write_text("theirs")
    os.chown(theirs, 12345, 12345)
    files.update(d / "pip.conf", append_line("x\n"))
    assert not ours.exists(), "our own leftover stayed"
    assert theirs.read_text() == "theirs" and os.stat(theirs).st_uid == 12345, "another user's file was removed"
    assert listing(d) == [".pip.conf.them1234.tmp", "pip.conf"]


def test_a_link_or_directory_named_like_a_temporary_file_is_not_removed(d):
    """Only regular files are ours to clean up; a symlink of that name is removed neither
    itself nor through it, and a directory stays."""
    target = d / "elsewhere"
    target.write_text("kept")
    link, directory = stale_name(d / "pip.conf", "link1234"), stale_name(d / "pip.conf", "dire1234")
    link.symlink_to(target)
    directory.mkdir()
    (directory / "inside").write_text("kept")
    files.update(d / "pip.conf", append_line("x\n"))
    assert link.is_symlink() and os.readlink(link) == str(target) and target.read_text() == "kept"
    assert (directory / "inside").read_text() == "kept"
    assert listing(d) == sorted([".pip.conf.dire1234.tmp", ".pip.conf.link1234.tmp", "elsewhere", "pip.conf"])


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EDQUOT, errno.EIO])
def test_a_failed_write_keeps_the_old_file_removes_the_temporary_and_says_why(d, monkeypatch, err):
    path = d / "pip.conf"
    path.write_text("old\n")

    def fail(fd):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(TargetError, match=rf"^cannot write {path}: {os.strerror(err)}$"):
        files.update(path, append_line("new\n"))
    assert path.read_text() == "old\n" and listing(d) == ["pip.conf"]


def test_a_real_file_size_limit_mid_write_keeps_the_old_file(d, strategy):
    """The kernel refuses the write (RLIMIT_FSIZE; as a full disk would), in a process of its own."""
    path = d / "pip.conf"
    path.write_text("old\n")
    script = textwrap.dedent(f"""
        import resource, signal, sys
        from pathlib import Path
        from codeartifact_refresher.outputs import files, locks
        from codeartifact_refresher.platform import linux
        from codeartifact_refresher.errors import TargetError
        if {strategy!r} == "rename":
            linux.renameat2 = lambda: None
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            files.update(Path({str(path)!r}), lambda text: text + "x" * 100000)
        except TargetError as e:
            print(e)
            sys.exit(1)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stdout.strip() == f"cannot write {path}: File too large"
    assert path.read_text() == "old\n" and listing(d) == ["pip.conf"]
    assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] == resource.RLIM_INFINITY  # the limit stayed there


def _as_nobody(fn):
    """Run ``fn`` in a child that is not root (root ignores directory permissions)."""
    if os.geteuid() != 0:
        return fn()
    in_child_as(NOBODY, NOBODY, fn)


def test_a_read_only_directory_gives_a_clear_error_and_keeps_the_old_file(shared):
    directory = shared / "ro"
    directory.mkdir()
    path = directory / "pip.conf"
    path.write_text("old\n")
    os.chmod(path, 0o644)
    if os.geteuid() == 0:
        os.chown(directory, NOBODY, NOBODY)
        os.chown(path, NOBODY, NOBODY)
    os.chmod(directory, 0o555)

    def check():
        with pytest.raises(TargetError, match=rf"^cannot create a temporary file beside {path}: Permission denied$"):
            files.update(path, append_line("new\n"))

    _as_nobody(check)
    assert path.read_text() == "old\n" and listing(directory) == ["pip.conf"]


def test_an_ordinary_user_keeps_the_group_of_a_file_when_it_is_one_of_theirs(shared):
    """A ``0640`` file of ours shared with a group we are in stays that group's (root: test_files)."""
    if os.geteuid() != 0:
        pytest.skip("making a user of a second group needs root")
    directory = shared / "ours"
    directory.mkdir()
    path = directory / "pip.conf"
    path.write_text("old\n")
    os.chown(directory, NOBODY, NOBODY)
    os.chown(path, NOBODY, 23456)
    os.chmod(path, 0o640)
    in_child_as(NOBODY, NOBODY, lambda: files.update(path, append_line("new\n"), wanted=0o640), groups=[23456])
    st = os.stat(path)
    assert path.read_text() == "old\nnew\n" and (st.st_uid, st.st_gid, st.st_mode & 0o777) == (NOBODY, 23456, 0o640)


def test_a_symlink_into_another_users_directory_is_refused_even_when_following(d):
    if os.geteuid() == 0:  # make a directory that belongs to somebody else
        theirs, owner = d / "theirs", NOBODY
        theirs.mkdir()
        (theirs / "pip.conf").write_text("theirs\n")
        os.chown(theirs, NOBODY, NOBODY)
        os.chown(theirs / "pip.conf", NOBODY, NOBODY)
    else:  # not root: root's directories are somebody else's
        theirs, owner = Path("/etc"), 0
    link = d / "pip.conf"
    link.symlink_to(theirs / "pip.conf")
    before = (theirs / "pip.conf").read_bytes() if (theirs / "pip.conf").exists() else None
    with pytest.raises(
        UnsafeFileError,
        match=rf"^{link} is a symlink to {theirs}/pip.conf, in a place owned by another user \(uid {owner}\); refusing",
    ):
        files.update(link, append_line("x\n"), follow_symlinks=True)
    after = (theirs / "pip.conf").read_bytes() if (theirs / "pip.conf").exists() else None
    assert after == before


def test_a_symlink_into_our_own_directory_is_written_through_when_following(d):
    ours = d / "dotfiles"
    ours.mkdir()
    (ours / "pip.conf").write_text("mine\n")
    link = d / "pip.conf"
    link.symlink_to(ours / "pip.conf")
    assert files.update(link, append_line("x\n"), follow_symlinks=True)
    assert link.is_symlink() and (ours / "pip.conf").read_text() == "mine\nx\n"


def test_a_dangling_symlink_is_refused_and_followed_only_when_asked(d):
    link = d / "pip.conf"
    link.symlink_to(d / "missing" / "pip.conf")
    with pytest.raises(UnsafeFileError, match="is a symlink; refusing to replace it"):
        files.update(link, append_line("x\n"))
    assert not (d / "missing").exists()
    assert files.update(link, append_line("x\n"), follow_symlinks=True)
    assert link.is_symlink() and (d / "missing" / "pip.conf").read_text() == "x\n"


def test_a_file_larger_than_a_config_can_be_is_refused_untouched(d):
    path = d / "pip.conf"
    path.write_bytes(b"#" * (files.MAX_BYTES + 1))
    with pytest.raises(TargetError, match="is larger than 16 MiB, too big for a config file; left as it is"):
        files.update(path, append_line("x\n"))
    assert path.stat().st_size == files.MAX_BYTES + 1


def test_temporary_file_is_0600_before_its_first_byte_and_directories_0700(d, monkeypatch):
    seen = []
    real_mkstemp, real_fsync = tempfile.mkstemp, os.fsync

    def at_creation(*a, **kw):
        fd, name = real_mkstemp(*a, **kw)
        st = os.fstat(fd)
        seen.append(("created", st.st_size, st.st_mode & 0o777))
        return fd, name

    def at_fsync(fd):
        st = os.fstat(fd)
        seen.append(("written", st.st_size, st.st_mode & 0o777))
        return real_fsync(fd)

    monkeypatch.setattr(tempfile, "mkstemp", at_creation)
    monkeypatch.setattr(os, "fsync", at_fsync)
    old = os.umask(0)
    try:
        files.update(d / "new" / "dir" / "pip.conf", append_line("x\n"))
    finally:
        os.umask(old)
    assert seen[:2] == [("created", 0, 0o600), ("written", 2, 0o600)]
    assert (d / "new").stat().st_mode & 0o777 == 0o700 == (d / "new" / "dir").stat().st_mode & 0o777
