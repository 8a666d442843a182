"""Users and groups as messages name them, and a user's own private group.

A *name* is what the password or group database says (``alice``, ``builders``), or ``uid N`` /
``gid N`` for a number it does not know (a container's uid without a passwd entry). A *private
group* is a user's own: named after the user, with no one else in it (``useradd --user-group``).
"""

from __future__ import annotations

import grp
import pwd


def user_name(uid: int) -> str:
    """The user's name, or ``uid N``."""
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return f"uid {uid}"


def group_name(gid: int) -> str:
    """The group's name, or ``gid N``."""
    try:
        return grp.getgrgid(gid).gr_name
    except (KeyError, OverflowError):
        return f"gid {gid}"


def private_group(gid: int, uid: int) -> bool:
    """Whether ``gid`` is ``uid``'s own group: named after the user, with no one else in it."""
    try:
        name = pwd.getpwuid(uid).pw_name
        group = grp.getgrgid(gid)
    except (KeyError, OverflowError):
        return False
    return group.gr_name == name and set(group.gr_mem) <= {name}
