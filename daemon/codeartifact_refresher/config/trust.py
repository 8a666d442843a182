"""Who may change what this program obeys: the config (it names the commands hooks run) and each
hook's program.

Both are judged by :mod:`..ownership`'s one rule, for the user the program runs as (its effective
uid, *me*) as the reader: *trusted* when no one but *me* or root could change it. The config file
and its directory are checked (:func:`..config.yamlfile.check_owner`); a hook's program at every
step of its path (:func:`program_problem`). A *problem* is the one reason something is not trusted,
worded for a message; a *fix* is the command that mends it.
"""

from __future__ import annotations

from pathlib import Path

from ..ownership import MAX_LINKS as MAX_LINKS
from ..ownership import Problem as Problem
from ..ownership import allowed as allowed
from ..ownership import is_read_only as is_read_only
from ..ownership import path_problem
from ..ownership import problem as problem
from ..platform.accounts import user_name as user_name


def program_problem(program: Path, euid: int) -> Problem | None:
    """The reason the hook program at ``program`` (after PATH lookup) could be changed by someone
    other than ``euid`` or root, looked for everywhere on the way to it
    (:func:`..ownership.path_problem`). A path that cannot be walked (missing, a loop) has no
    problem here: the existence check reports it."""
    return path_problem(program, euid)


def program_refusal(found: Problem, euid: int) -> str:
    """What is said of a hook program that ``found`` refuses, after the program's name."""
    return (
        f"{found.problem}; running as {user_name(euid)}, a hook's program must be writable by "
        f"{allowed(euid)} ({found.fix})"
    )
