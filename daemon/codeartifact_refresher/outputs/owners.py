"""Who receives a rewritten file: its owner and group are kept, and root gives a token only to
whoever could not have planted the file.

A rewrite replaces the file with a new one, so the new one is given the old one's owner and group
(root can give both; another user keeps the group when it is one of theirs). That hands the token
to the file's owner: as root, :func:`check_recipient` first makes sure that owner is the file's
intended reader, and :func:`check_path` that no step on the way to it lets another user choose
where the token goes. A directory is *shared* when users other than its owner and root can write
it: writable by everyone (a sticky ``/tmp`` too), or by a group that others are in. Both rules
are :mod:`..ownership`'s.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import TargetError, UnsafeFileError
from ..ownership import is_shared as is_shared  # handed on: what a shared directory is
from ..ownership import recipient_problem
from ..ownership import user as user


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


def check_path(path: Path) -> None:
    """As root, refuse to give a token to ``path`` (as the config names it, symlinks and all)
    when a step on the way lets another user choose where it goes: a symlink or directory of
    theirs in a directory others can write (a sticky ``/tmp`` too) or in another user's, or a
    directory others can write that is not sticky (:func:`..ownership.recipient_problem`)."""
    if os.geteuid() != 0:
        return
    found = recipient_problem(path)
    if found is not None:
        where = "" if found.target == path else f"{path}: "
        raise UnsafeFileError(
            f"{where}{found.target} {found.problem}; refusing to give a token through a path another user "
            "controls, left as it is"
        )


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
