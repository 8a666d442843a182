"""Calls that only some systems have, each with its fallback: ``renameat2`` (Linux 3.15+ with
glibc 2.28+), ``prctl(PR_SET_DUMPABLE)`` (Linux), and a clock that counts time asleep
(``CLOCK_BOOTTIME`` on Linux, ``CLOCK_MONOTONIC`` on macOS)."""

from __future__ import annotations

import contextlib
import functools
import resource
import sys
import time
from collections.abc import Callable

AT_FDCWD, RENAME_NOREPLACE, RENAME_EXCHANGE = -100, 1, 2  # <fcntl.h>, <linux/fs.h>
PR_SET_DUMPABLE = 4  # <linux/prctl.h>


def is_linux() -> bool:
    return sys.platform.startswith("linux")


@functools.cache
def renameat2() -> Callable[..., int] | None:
    """libc's ``renameat2`` as a ctypes function (errno kept), or None where there is none."""
    if not is_linux():
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


def protect_memory() -> None:
    """Keep the tokens a long-lived process holds out of core files and away from debuggers:
    no core dumps, and on Linux not dumpable, so other processes of the same user can neither
    ptrace it nor read its /proc/PID/mem or environ."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if is_linux():
        import ctypes

        with contextlib.suppress(OSError, AttributeError):  # no prctl in this libc: the core limit still holds
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def elapsed_clock_id() -> int | None:
    """The clock that keeps counting while the machine sleeps, or None (then ``time.monotonic``)."""
    if is_linux():
        return getattr(time, "CLOCK_BOOTTIME", None)
    if sys.platform == "darwin":
        return getattr(time, "CLOCK_MONOTONIC", None)
    return None
