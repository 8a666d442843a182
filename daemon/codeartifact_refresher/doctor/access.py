"""Whether the reader can open a file a target writes: its mode, owner and group, and each
directory on the way, against who the reader is.

Unix grants by the first class that matches: the owner's bits, else the group's when the file's
group is one of the reader's *current* groups (this login session's), else everyone's; root reads
anything. A reader whom the group database lists in the group but whose session lacks it has a
*stale session*: the group was added after they logged in, and counts from their next login.
pip and npm (and pnpm, Yarn 1) skip a config file they cannot read without a word, and so fetch
from the public registry instead: a dependency-confusion risk, said where it applies.
"""

from __future__ import annotations

from pathlib import Path

from .facts import Facts, FileFacts, Reader
from .findings import Finding, note, ok, problem
from .targets import TargetView

READ, SEARCH = 4, 1
FALLS_BACK = {"pip": "pip", "npm": "npm", "pnpm": "pnpm", "yarn-classic": "Yarn 1"}


def allowed(found: FileFacts, reader: Reader, bit: int) -> bool:
    if reader.uid == 0:
        return True
    if reader.uid == found.uid:
        return bool(found.mode >> 6 & bit)
    if found.gid in reader.groups:
        return bool(found.mode >> 3 & bit)
    return bool(found.mode & bit)


def stale(found: FileFacts, reader: Reader, bit: int) -> bool:
    """Whether a new login session would let ``reader`` through where this one does not."""
    return (
        reader.uid != found.uid
        and found.gid in reader.member_of
        and found.gid not in reader.groups
        and bool(found.mode >> 3 & bit)
    )


def describe(found: FileFacts, facts: Facts) -> str:
    return f"mode {found.mode:04o}, owner {facts.user_name(found.uid)}, group {facts.group_name(found.gid)}"


def check(target: TargetView, path: Path, facts: Facts) -> list[Finding]:
    found, who = facts.file(path), facts.reader.name
    if found.text is not None:
        return [ok(f"{who} can read {path} ({describe(found, facts)})")]
    if found.exists is False:
        if not target.configured:
            return [note(f"{path} does not exist")]
        return [problem(f"{path} does not exist: run `codeartifact-refresher refresh` (or start the service)")]
    if found.is_dir:
        return [problem(f"{path} is a directory, not a file: give {target.where} a file's path")]
    return [_refused(target, path, found, facts)]


def _blocker(path: Path, found: FileFacts, facts: Facts) -> tuple[FileFacts, int] | None:
    """The first directory on the way the reader may not search, else the file if they may not
    read it; None when the modes allow it all (something else refuses: an ACL, a security module)."""
    for directory in reversed(path.parents):
        step = facts.file(directory)
        if step.exists and not allowed(step, facts.reader, SEARCH):
            return step, SEARCH
    return (found, READ) if found.exists and not allowed(found, facts.reader, READ) else None


def _refused(target: TargetView, path: Path, found: FileFacts, facts: Facts) -> Finding:
    who, reader = facts.reader.name, facts.reader
    blocker = _blocker(path, found, facts)
    if blocker is None:
        return problem(f"{who} cannot read {path} ({found.error or 'refused'}): check its ACL (`getfacl {path}`)")
    step, bit = blocker
    group = facts.group_name(step.gid)
    where = "it" if step is found else f"the directory {step.path}"
    if stale(step, reader, bit):
        groups = ", ".join(sorted(facts.group_name(g) for g in reader.groups))
        return problem(
            f"{who} cannot read {path}: {where} has {describe(step, facts)}, and the group database lists {who} in "
            f"{group}, but this login session predates that (its groups: {groups}): log in again, or run `newgrp {group}`"
        )
    tool = FALLS_BACK.get(target.writer)
    consequence = f", and {tool} then silently falls back to the public registry (dependency confusion)" if tool else ""
    return problem(
        f"{who} cannot read {path} ({where} has {describe(step, facts)}){consequence}: {_advice(target, step, bit, who, group)}"
    )


def _advice(target: TargetView, step: FileFacts, bit: int, who: str, group: str) -> str:
    join = f"make {who} a member of {group} (`usermod -aG {group} {who}`, then a new login)"
    if step.mode >> 3 & bit:
        return join
    if bit == SEARCH:
        return f"let the group through (`chmod g+x {step.path}`) and {join}, or move the file"
    return f"give {target.where} `mode: 0640` and {join}, or run the refresher as {who}"
