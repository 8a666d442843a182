"""What ``init`` tells the user, as text: what the survey read and found, why nothing could be
made, and what to run next. Paths under the home directory are shown ``~/...``; nothing here
holds a token (only locations, paths and entry names reach it)."""

from __future__ import annotations

from pathlib import Path

from ..config.generator import scalar
from .files import Survey
from .proposal import Proposal


def shown(text: str, home: Path) -> str:
    return text.replace(f"{home}/", "~/")


def summary(found: Survey, proposal: Proposal, home: Path) -> str:
    """The files read, each domain entry and its numbered candidates, what was skipped and why."""
    lines = [f"Read {len(found.read)} of the {len(found.looked)} files the installed writers use."]
    number = 0
    for entry in proposal.entries:
        where = entry.location
        region = f", {where.region}" if where.region else ""
        lines.append(f"Domain {where.domain} (owner {where.owner}{region}) at {where.host}:")
        for c in entry.candidates:
            number += 1
            options = "".join(f" {k}={scalar(v)}" for k, v in c.options)
            lines.append(f"  {number}. {c.writer} {c.repository}{options}  ({c.path} {c.where})")
    lines += [f"Skipped: {s}" for s in proposal.skipped]
    for finding in proposal.unplaced:
        lines.append(f"Not used: {finding.source} {finding.found.where}: no repository URL names this host")
    return shown("\n".join(lines + [f"Note: {n}" for n in found.notes]), home)


def nothing(found: Survey, output: Path, home: Path) -> str:
    """Why no config can be made, and the two other ways to one."""
    from .. import __file__ as package

    read = ", ".join(map(str, found.read)) or "none of them exists"
    example = Path(package).parent / "examples" / "laptop.yaml"
    return shown(
        f"no CodeArtifact repository URL in the files the installed writers use ({read}); run "
        "`codeartifact-refresher login --tool TOOL --domain D --repository R --keep-fresh`, or start "
        f"from an example config: cp {example} {output}",
        home,
    )


def exists(output: Path) -> str:
    return f"{output} already exists: give --output FILE for a new file, or edit that one (check it with `check`)"


def next_steps(output: Path, default: Path) -> str:
    """The commands to run next (with ``--config`` when the config is not where they look)."""
    config = "" if output == default else f" --config {output}"
    lines = [
        "Next:",
        f"  codeartifact-refresher refresh --dry-run{config}   # what each file would get (tokens redacted)",
        f"  codeartifact-refresher refresh{config}             # get the tokens and write them",
        "  codeartifact-refresher install-service --user   # keep them fresh from now on",
    ]
    if config:
        lines.append(f"  (the service reads {default}: move the config there first)")
    return "\n".join(lines)
