"""netrc: do the tools read the netrc file a target writes its token to?

requests (so pip and poetry) and uv read ``$NETRC`` when it is set, else ``~/.netrc``; curl reads
only ``~/.netrc``.
"""

from __future__ import annotations

from pathlib import Path

from ...writers import netrc as netrc_writer
from ...writers.base import MAIN
from ..facts import Facts
from ..findings import Finding, ok, problem
from ..targets import TargetView


def netrc_path(target: TargetView) -> Path | None:
    """The netrc file ``target`` writes: its ``netrc`` role's, or a netrc target's own."""
    return target.path(netrc_writer.ROLE) or (target.path(MAIN) if target.writer == "netrc" else None)


def read_path(facts: Facts) -> Path:
    given = facts.environ.get("NETRC")
    return facts.cwd / Path(given).expanduser() if given else facts.home / ".netrc"


def check(target: TargetView, facts: Facts) -> list[Finding]:
    path = netrc_path(target)
    if path is None:
        return []
    read, who = read_path(facts), facts.reader.name
    if path == read:
        return [ok(f"pip, poetry and uv read {path} for {who} (netrc)")]
    if facts.environ.get("NETRC"):
        return [
            problem(
                f"NETRC is set to {facts.environ['NETRC']} in {who}'s environment, so pip, poetry and uv read that file, "
                f"not {path}: unset it, or give {target.where} that netrc path"
            )
        ]
    return [
        problem(
            f"pip, poetry and uv read {read} for {who}, not {path}: set NETRC={path} in {who}'s login environment, "
            f"or give {target.where} that netrc path"
        )
    ]
