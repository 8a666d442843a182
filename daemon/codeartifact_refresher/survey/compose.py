"""From the candidates kept and the answers to the generator's input (:mod:`..config.generator`):
one domain entry per proposal entry that keeps a target, its settings settled
(:func:`.answers.settle`; ``endpoint_type: dualstack`` when every URL kept for it is a dualstack
one), each target commented with where it was found (and given
``follow_symlinks: true`` when that file is a symlink, as a dotfile manager leaves it: the file it
points to is what the tool reads), and a header saying what made the file, from which files, and
with which AWS settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..config.generator import DomainSpec, TargetSpec, shown_path
from ..discovery import DUALSTACK
from .answers import Ask, Flags, settle
from .proposal import Candidate, Proposal


def domains(
    proposal: Proposal,
    kept: list[Candidate],
    flags: Flags,
    ask: Ask | None,
    chain_region: Callable[[], str | None],
    home: Path,
) -> list[DomainSpec]:
    """The domain entries of the config, in the proposal's order."""
    found = []
    for entry in proposal.entries:
        chosen = [c for c in entry.candidates if c in kept]
        if chosen:
            settings = settle(entry, flags, ask, chain_region)
            if {c.location.kind for c in chosen} == {DUALSTACK}:
                settings["endpoint_type"] = "dualstack"  # the endpoints the API gives match the files'
            found.append(DomainSpec(entry.location.domain, settings, [_target(c, home) for c in chosen]))
    return found


def _target(c: Candidate, home: Path) -> TargetSpec:
    link = c.path.is_symlink()
    options = (*c.options, ("follow_symlinks", True)) if link else c.options
    comment = f"{shown_path(c.path, home)}: {c.where}" + (" (a symlink: written through it)" if link else "")
    return TargetSpec(c.writer, c.repository, c.path, options, comment)


def header(kept: list[Candidate], flags: Flags, day: str, home: Path) -> list[str]:
    aws = ", ".join(f"{k} {v}" for k, v in flags.defaults().items()) or "none: the AWS default chain's"
    sources = dict.fromkeys(shown_path(c.path, home) for c in kept)
    return [
        f"codeartifact-refresher config, made by `codeartifact-refresher init` on {day}",
        "from the CodeArtifact repository URLs in:",
        *(f"  {s}" for s in sources),
        f"AWS settings for every domain (init's flags and answers): {aws}",
        "Check it with `codeartifact-refresher check`; the README's config reference lists every key.",
    ]
