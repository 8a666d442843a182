"""Who receives a rewritten file: its owner and group are kept, and root gives a token only to
whoever could not have planted the file.

A rewrite replaces the file with a new one, so the new one is given the old one's owner and group
(root can give both; another user keeps the group when it is one of theirs). That hands the token
to the file's owner: as root, :func:`check_recipient` first makes sure that owner is the file's
intended reader. A directory is *shared* when users other than its owner can write it: writable by
everyone (a sticky ``/tmp`` too), or by a group other than root's or its owner's private group.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from ..errors import TargetError, UnsafeFileError
from ..platform.accounts import private_group, user_name


def check_recipient(path: Path, uid: int | None) -> None:
    """As root, refuse to write a token to ``path`` (owned by ``uid``, None if missing) unless no
    one but its owner could have planted or redirected it: in a shared directory only a new file
    or one that root owns; anywhere, only a file of root's or of its directory's owner."""
    if os.geteuid() != 0 or uid is None or uid == 0:
        return
    directory = path.parent
    try:
        st = os.stat(directory)
    except OSError as e:
        raise TargetError(f"cannot use directory {directory}: {e.strerror}") from None
    if is_shared(st):
        why = f"{directory} is writable by other users, and there root writes only a new file or one of its own"
    elif uid != st.st_uid:
        why = f"neither root nor {directory}'s owner, {user(st.st_uid)}, owns it"
    else:
        return
    raise UnsafeFileError(f"{path} belongs to {user(uid)}: {why}; refusing to give that user a token, left as it is")


def is_shared(st: os.stat_result) -> bool:
    """Whether a directory (as stat'ed) can be written by users other than its owner."""
    if st.st_mode & stat.S_IWOTH:
        return True
    return bool(st.st_mode & stat.S_IWGRP) and st.st_gid != 0 and not private_group(st.st_gid, st.st_uid)


def keep_owner(fd: int, uid: int | None, gid: int | None) -> None:
    """Give the new file ``fd`` the owner and group of the file it replaces (None: a new file,
    which stays ours). Without root, only the group, and only one we belong to."""
    if uid is None or gid is None:
        return
    if os.geteuid() == 0:
        os.fchown(fd, uid, gid)
    elif os.fstat(fd).st_gid != gid:
        with contextlib.suppress(PermissionError):  # not a group of ours: it stays our own
            os.fchown(fd, -1, gid)


def user(uid: int) -> str:
    """A user for a message: ``name (uid N)``, or ``uid N`` for one the system does not know."""
    name = user_name(uid)
    return name if name == f"uid {uid}" else f"{name} (uid {uid})"
