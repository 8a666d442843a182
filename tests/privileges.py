"""Running a piece of a test as another user: a forked child that drops root's privileges."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable


def in_child_as(uid: int, gid: int, fn: Callable[[], object], groups: Iterable[int] = ()) -> None:
    """Run ``fn`` in a forked child that has become ``uid``:``gid`` with exactly ``groups`` as its
    supplementary groups (none of root's kept); the test fails, with the child's traceback above,
    if ``fn`` raised."""
    from .users import require_reachable

    require_reachable()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setgroups(list(groups))
            os.setgid(gid)
            os.setuid(uid)
            fn()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, (
        "the check failed in the child (its traceback is above)"
    )
