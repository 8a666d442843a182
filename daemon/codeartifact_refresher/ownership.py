"""Who may have written a file that this program reads, obeys or gives a token to: the one rule.

The *reader* is the user a file is for: the program's own user (its effective uid) for what it
obeys (the config, a hook's program, a template); for a file root writes a token into, the user
who receives it. A file or directory is *trusted* by a reader when no user but the reader and root
could have written it:

- it is owned by the reader or root;
- it is not writable by every user (a sticky directory such as ``/tmp`` aside: there others may
  add names but not replace ours);
- it is group-writable only when no user but the reader and root is in the group: neither listed
  as a member nor having it as their primary group (a group of no one else, such as the owner's own
  private group, or root's group where no one else is in it). A group the system does not know may
  have anyone in it. This is the stricter of the two rules that were here: the config accepted
  any file of group 0 (a group others may be in), the template writer no group-writable file at all;
- on a read-only file system the mode bits are not held against it (a Kubernetes ConfigMap: its
  directory says 0777, but nobody can write it); the owner still is (a user's own FUSE mount may
  say read-only while its owner changes what it serves).

A *path* is trusted when every step the kernel takes on the way is (:func:`path_problem`): ``/``,
each directory passed through (whoever can write one can rename what is in it and put their own
in its place), each symlink followed (its owner; in a sticky directory its owner may replace it)
and the file at the end, as ssh's ``secure_path`` and sudo check theirs.

Root gives a token to a file's owner (a rewrite keeps it), so the *recipient* of a file root
writes is the one user other than root that owns anything on its path: a step another user owns is
accepted only in a directory that root or that user owns and that no one else can write
(:func:`recipient_problem`; a sticky ``/tmp`` is a parent only of root's own things). The kernel's
``fs.protected_symlinks``, which is off on some hosts, is not relied on: symlinks are read here.

A *problem* is the one reason something is not trusted, worded for a message: ``is owned by
mallory (uid 1001)``; a *fix* is the command that mends it.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Callable, Collection
from pathlib import Path
from typing import NamedTuple

from .platform.accounts import group_name, user_name

MAX_LINKS = 40  # symlinks followed on one path, as the kernel's limit


class Problem(NamedTuple):
    """Why ``target`` is not trusted (``is writable by group builders``) and what mends it."""

    target: Path
    problem: str
    fix: str


def user(uid: int) -> str:
    """A user for a message: ``name (uid N)``, or ``uid N`` for one the system does not know."""
    name = user_name(uid)
    return name if name == f"uid {uid}" else f"{name} (uid {uid})"


def others_in_group(gid: int, users: Collection[int]) -> bool:
    """Whether anyone but ``users`` (and root) is in group ``gid``: listed as a member or having it
    as their primary group. A group the system does not know may have anyone in it."""
    allowed = {0, *users}
    try:
        members = grp.getgrgid(gid).gr_mem
    except (KeyError, OverflowError):
        return True
    names = set()
    for uid in allowed:
        try:
            names.add(pwd.getpwuid(uid).pw_name)
        except (KeyError, OverflowError):
            continue
    if any(member not in names for member in members):
        return True
    return any(entry.pw_gid == gid and entry.pw_uid not in allowed for entry in pwd.getpwall())


def problem(target: Path, info: os.stat_result, reader: int, read_only: bool = False) -> Problem | None:
    """The reason ``target`` (as stat'ed) could be changed by someone other than ``reader`` or root."""
    sticky = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX
    if info.st_uid not in (0, reader):
        return Problem(target, f"is owned by {user_name(info.st_uid)}", f"chown {_name(reader)}: {target}")
    if read_only:  # its mode bits say nothing: nobody can write it (its owner, checked above, could remount it)
        return None
    if info.st_mode & stat.S_IWOTH and not sticky:
        return Problem(target, "is writable by every user", f"chmod o-w {target}")
    if info.st_mode & stat.S_IWGRP and not sticky and others_in_group(info.st_gid, (reader, info.st_uid)):
        return Problem(target, f"is writable by group {group_name(info.st_gid)}", f"chmod g-w {target}")
    return None


def is_shared(info: os.stat_result) -> bool:
    """Whether a directory (as stat'ed) can be written by users other than its owner and root."""
    if info.st_mode & stat.S_IWOTH:
        return True
    return bool(info.st_mode & stat.S_IWGRP) and others_in_group(info.st_gid, (info.st_uid,))


def is_read_only(path: Path | int) -> bool:
    """Whether the file system holding ``path`` (or the open file ``path``) is mounted read-only."""
    try:
        info = os.fstatvfs(path) if isinstance(path, int) else os.statvfs(path)
    except OSError:
        return False
    return bool(info.f_flag & os.ST_RDONLY)


def allowed(reader: int) -> str:
    """Who may write what ``reader`` obeys, for a message: ``root alone`` or ``build or root alone``."""
    return "root alone" if reader == 0 else f"{user_name(reader)} or root alone"


#: judges one step of a path: the step, its lstat, the stat of the directory it is in (None for
#: ``/``) and whether it is the final step (the file itself, not a symlink to follow)
Judge = Callable[[Path, os.stat_result, "os.stat_result | None", bool], "Problem | None"]


def walk(path: Path, judge: Judge) -> Problem | None:
    """The first problem ``judge`` finds on the way to ``path``, walked as the kernel walks it:
    ``/``, each directory, each symlink (then the steps of its target) and the final step. A path
    that cannot be walked (missing, a loop) has no problem here: whoever opens it finds that."""
    here = Path("/")
    todo = list(reversed(path.parts if path.is_absolute() else (Path.cwd() / path).parts))
    todo.pop()  # "/"
    try:
        within = os.stat(here)
    except OSError:
        return None
    found, links = judge(here, within, None, not todo), 0
    while todo and found is None:
        name = todo.pop()
        try:
            if name == "..":
                here = here.parent
                within = os.stat(here)
                continue
            step = here / name
            info = os.lstat(step)
        except OSError:
            return None
        link = stat.S_ISLNK(info.st_mode)
        found = judge(step, info, within, not todo and not link)
        if not link:
            here, within = step, info
            continue
        links += 1
        if links > MAX_LINKS:
            return None
        target = Path(os.readlink(step))
        if target.is_absolute():
            here, within = Path("/"), os.stat("/")
        todo.extend(reversed([part for part in target.parts if part != "/"]))
    return found


def path_problem(path: Path, reader: int) -> Problem | None:
    """The reason ``path`` (a program, a template) could be changed by someone other than
    ``reader`` or root, looked for at every step on the way (see the module doc)."""

    def judge(step: Path, info: os.stat_result, within: os.stat_result | None, final: bool) -> Problem | None:
        if stat.S_ISLNK(info.st_mode):  # a link's own mode means nothing; its owner may replace it
            if info.st_uid in (0, reader):
                return None
            return Problem(step, f"is a symlink owned by {user_name(info.st_uid)}", f"chown -h {_name(reader)}: {step}")
        return problem(step, info, reader, is_read_only(step))

    return walk(path, judge)


def recipient_problem(path: Path) -> Problem | None:
    """Run as root: the reason a step on the way to ``path`` lets another user choose where a token
    goes (see the module doc): a directory others can write, not sticky, that a step passes
    through (they can replace the step); a symlink of another user's in a directory others can
    write; a step of another user's in a directory of a third user's, or once the path belongs to
    a third user. The file itself and the directory it is in are for
    :func:`..outputs.owners.check_recipient` to judge."""
    recipient: list[int] = []  # the one user other than root that owns steps on the way

    def judge(step: Path, info: os.stat_result, within: os.stat_result | None, final: bool) -> Problem | None:
        if within is None or final:
            return None
        owner, link = info.st_uid, stat.S_ISLNK(info.st_mode)
        sticky = within.st_mode & stat.S_ISVTX
        if is_shared(within) and not sticky and not is_read_only(step.parent):
            fix = f"chmod o-w,g-w {step.parent}"
            return Problem(step.parent, "is writable by other users, who can replace what is in it", fix)
        if owner == 0:
            return None
        kind = "a symlink" if link else "a directory"
        if link and is_shared(within):
            why = f"in {step.parent}, which other users can write"
        elif within.st_uid not in (0, owner) or recipient not in ([], [owner]):
            why = f"in a path that belongs to {user(recipient[0] if recipient else within.st_uid)}"
        else:
            recipient[:] = [owner]
            return None
        return Problem(step, f"is {kind} owned by {user(owner)}, {why}", f"chown -h root: {step}")

    return walk(path, judge)


def _name(uid: int) -> str:
    return "root" if uid == 0 else user_name(uid)
