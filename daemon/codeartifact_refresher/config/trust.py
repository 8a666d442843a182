"""Who may change what this program obeys: the config (it names the commands hooks run) and each
hook's program.

A file or directory is *trusted* by the user the program runs as (its effective uid, *me*) when
no one but *me* or root could change it: it is owned by *me* or root, not writable by every user
(a sticky directory such as ``/tmp`` aside: there others may add files but not replace ours), and
group-writable only when the group is root's (gid 0) or *me*'s own private group (named after *me*,
with no one else in it). On a read-only file system the mode bits are not held against it (a
Kubernetes ConfigMap: its directory says 0777, but nobody can write it); the owner still is: a
user's own mount (FUSE) may say read-only while its owner changes what it serves. A *problem* is the one reason something is not
trusted, worded for a message; a *fix* is the command that mends it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

from ..platform.accounts import group_name, private_group, user_name


class Problem(NamedTuple):
    """Why ``target`` is not trusted (``is writable by group builders``) and what mends it."""

    target: Path
    problem: str
    fix: str


def problem(target: Path, info: os.stat_result, euid: int, read_only: bool = False) -> Problem | None:
    """The reason ``target`` (as stat'ed) could be changed by someone other than ``euid`` or root."""
    sticky = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX
    if info.st_uid not in (0, euid):
        return Problem(target, f"is owned by {user_name(info.st_uid)}", f"chown {_owner(euid)}: {target}")
    if read_only:  # its mode bits say nothing: nobody can write it (its owner, checked above, could remount it)
        return None
    if info.st_mode & stat.S_IWOTH and not sticky:
        return Problem(target, "is writable by every user", f"chmod o-w {target}")
    if info.st_mode & stat.S_IWGRP and not sticky and not _own_group(info.st_gid, euid):
        return Problem(target, f"is writable by group {group_name(info.st_gid)}", f"chmod g-w {target}")
    return None


def _own_group(gid: int, euid: int) -> bool:
    return gid == 0 or private_group(gid, euid)


def is_read_only(path: Path | int) -> bool:
    """Whether the file system holding ``path`` (or the open file ``path``) is mounted read-only."""
    try:
        info = os.fstatvfs(path) if isinstance(path, int) else os.statvfs(path)
    except OSError:
        return False
    return bool(info.f_flag & os.ST_RDONLY)


def allowed(euid: int) -> str:
    """Who may write what ``euid`` obeys, for a message: ``root alone`` or ``build or root alone``."""
    return "root alone" if euid == 0 else f"{user_name(euid)} or root alone"


MAX_LINKS = 40  # symlinks followed on the way to a program, as the kernel's limit


def program_problem(program: Path, euid: int) -> Problem | None:
    """The reason the hook program at ``program`` (after PATH lookup) could be changed by someone
    other than ``euid`` or root, looked for everywhere on the way to it, as the kernel walks it:
    every directory passed through from ``/`` (whoever can write one can rename what is in it and
    put their own in its place), every symlink followed (in a sticky directory its owner may
    replace it) and the file that runs. A path that cannot be walked (missing, a loop) has no
    problem here: the existence check reports it."""
    here = Path("/")
    todo = list(reversed(program.parts if program.is_absolute() else (Path.cwd() / program).parts))
    todo.pop()  # "/"
    found = _problem_of(here, euid)
    links = 0
    while todo and found is None:
        name = todo.pop()
        if name == "..":
            here = here.parent
            continue
        step = here / name
        try:
            info = os.lstat(step)
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            links += 1
            if links > MAX_LINKS:
                return None
            if info.st_uid not in (0, euid):
                return Problem(
                    step, f"is a symlink owned by {user_name(info.st_uid)}", f"chown -h {_owner(euid)}: {step}"
                )
            target = Path(os.readlink(step))
            if target.is_absolute():
                here = Path("/")
            todo.extend(reversed([part for part in target.parts if part != "/"]))
            continue
        found = problem(step, info, euid, is_read_only(step))
        here = step
    return found


def program_refusal(found: Problem, euid: int) -> str:
    """What is said of a hook program that ``found`` refuses, after the program's name."""
    return (
        f"{found.problem}; running as {user_name(euid)}, a hook's program must be writable by "
        f"{allowed(euid)} ({found.fix})"
    )


def _problem_of(place: Path, euid: int) -> Problem | None:
    try:
        return problem(place, os.stat(place), euid, is_read_only(place))
    except OSError:
        return None


def _owner(euid: int) -> str:
    return "root" if euid == 0 else user_name(euid)
