"""Per tool family, whether the tool reads what a target writes, for the user who runs it.

:data:`CHECKS` maps a writer's name to its checks, each a function ``check(target, facts)`` that
returns findings (see :mod:`..facts` and :mod:`..findings`). To cover another tool, write a module
with such a function and add a row; a writer without one still gets the checks every file gets
(:mod:`..access`, :mod:`..leftovers`).
"""

from __future__ import annotations

from collections.abc import Callable

from ..facts import Facts
from ..findings import Finding
from ..targets import TargetView
from . import netrc, npm, pip, poetry, twine, uv, yarn

Check = Callable[[TargetView, Facts], list[Finding]]

CHECKS: dict[str, tuple[Check, ...]] = {
    "pip": (pip.check, netrc.check),
    "uv": (uv.check, netrc.check),
    "netrc": (netrc.check,),
    "swift": (netrc.check,),
    "npm": (npm.check,),
    "pnpm": (npm.check,),
    "yarn-classic": (npm.check,),
    "yarn": (yarn.check,),
    "twine": (twine.check,),
    "poetry": (poetry.check,),
}

__all__ = ["CHECKS", "Check"]
