"""The daemon lock: one daemon per state file."""

import os

import pytest

from codeartifact_refresher.errors import Error
from codeartifact_refresher.service.instance import DaemonLock, lock_path


def test_the_lock_is_held_for_the_block_names_its_holder_and_is_then_free(tmp_path):
    state = tmp_path / "new" / "state.json"
    with DaemonLock.hold(state) as lock:
        assert lock.path == lock_path(state) == tmp_path / "new" / "state.json.lock"
        assert os.stat(lock.path).st_mode & 0o777 == 0o600
        with pytest.raises(Error, match=rf"daemon \(pid {os.getpid()}\) already runs for the state file {state}"):
            DaemonLock.take(state)
    DaemonLock.take(state).release()  # free again; the file stays
    assert lock_path(state).exists()


def test_a_lock_file_of_another_user_is_refused(tmp_path):
    """Whoever can open the lock file can take the lock and keep the daemon from starting."""
    path = lock_path(tmp_path / "state.json")
    path.write_text("")
    os.chown(path, 65534, 65534)
    with pytest.raises(Error, match="not a file of our own"):
        DaemonLock.take(tmp_path / "state.json")


def test_a_symlink_as_lock_file_is_refused(tmp_path):
    os.symlink(tmp_path / "elsewhere", lock_path(tmp_path / "state.json"))
    with pytest.raises(Error, match="cannot open the daemon lock"):
        DaemonLock.take(tmp_path / "state.json")
    assert not (tmp_path / "elsewhere").exists()
