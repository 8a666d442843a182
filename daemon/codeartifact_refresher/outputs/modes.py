"""The mode a rewritten file gets.

A target's config may give a ``mode``: a new file gets it, an existing one keeps its own mode where
that is narrower (a refresh never widens a mode). Without one, the *default mode policy*
(:func:`target_mode` with ``wanted`` None) applies: a new file is created :data:`DEFAULT_MODE`; an
existing one loses every access of *others* (users neither its owner nor in its group) and its
group's write access, and keeps its group's read access when the owner gave it on purpose, to a
group that is not the owner's own private group (:func:`..platform.accounts.private_group`): a
``root:builders 0640`` file stays ``0640``, ``root:builders 0644`` becomes ``0640``,
``alice:alice 0644`` becomes ``0600``. Whenever a mode is tightened, :func:`lost_access` makes the
one line that says who lost what.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Protocol

from ..platform.accounts import group_name, private_group

DEFAULT_MODE = 0o600  # a new file's mode


class Found(Protocol):
    """What :func:`target_mode` reads of a file as found (a :class:`.files.Current`); None: missing."""

    @property
    def mode(self) -> int | None: ...
    @property
    def uid(self) -> int | None: ...
    @property
    def gid(self) -> int | None: ...


def target_mode(current: Found, wanted: int | None = DEFAULT_MODE) -> int:
    """The mode to write ``current`` with; never wider than it was, nor than ``wanted`` (a mode the
    config gave). ``wanted`` None: the *default mode policy*: a new file is :data:`DEFAULT_MODE`;
    an existing one loses every access of other users and its group's write access, and keeps its
    group's read access when the owner gave it to a group of others on purpose, that is, a group
    that is not the owner's own private group (``root:builders 0640`` stays ``0640``; ``0644``
    becomes ``0640``, or ``0600`` in the owner's private group)."""
    if current.mode is None:
        return DEFAULT_MODE if wanted is None else wanted
    if wanted is None:
        shared = current.gid is not None and current.uid is not None and not private_group(current.gid, current.uid)
        wanted = DEFAULT_MODE | (stat.S_IRGRP if shared else 0)
    return current.mode & wanted


def lost_access(path: Path, old: int, new: int, gid: int | None) -> str:
    """The line that says a mode was tightened, and who lost what: ``/etc/pip.conf: mode 0644 ->
    0640: others can no longer read it``."""
    said = []
    for who, shift in (
        ("its owner", 6),
        (f"group {group_name(gid)}" if gid is not None else "its group", 3),
        ("others", 0),
    ):
        lost = [
            verb
            for bit, verb in ((4, "read"), (2, "write"), (1, "run"))
            if (old >> shift) & bit and not (new >> shift) & bit
        ]
        if lost:
            said.append(f"{who} can no longer {' or '.join(lost)} it")
    return f"{path}: mode {old:04o} -> {new:04o}: {'; '.join(said) or 'special bits removed'}"
