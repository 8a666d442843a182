"""The file checks for one reader: for each target, whether the tool reads its files
(:mod:`.tools`), whether the reader can open them (:mod:`.access`), and what is left over beside
them (:mod:`.leftovers`). Pure over :class:`~.facts.Facts`; the secrets of every file read are
collected in ``facts.secrets`` (each target's files through its writer's own finder)."""

from __future__ import annotations

from pathlib import Path

from ..writers.base import MAIN
from . import access, leftovers
from .facts import Facts
from .findings import Finding, note
from .targets import TargetView
from .tools import CHECKS


def check(views: list[TargetView], facts: Facts) -> list[Finding]:
    views = [v for v in views if v.path(MAIN) is not None]  # a target whose output is not a file has nothing here
    for view in views:  # each target's own files first, so their secrets are known through their writer
        for role, path in view.files:
            facts.file(path, view.finder(role))
    found: list[Finding] = []
    seen: set[Path] = set()
    for view in views:
        for tool_check in CHECKS.get(view.writer, ()):
            found += tool_check(view, facts)
        for _, path in view.files:
            if path not in seen:
                seen.add(path)
                found += access.check(view, path, facts)
        found += leftovers.check(view, facts, views)
    if views and any(v.configured and v.endpoint is None for v in views):
        found.append(
            note("some repositories' URLs are unknown (see the AWS findings): checks that compare URLs skipped them")
        )
    return found
