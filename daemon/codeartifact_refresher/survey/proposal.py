"""From what the files say to what a config could hold: a :class:`Proposal`.

A *candidate* is one target the config could hold: a writer (the tool whose file held the URL), a
repository, the file (kept as the target's ``path``, so that a service without the user's
``PIP_CONFIG_FILE`` or ``NETRC`` writes the file the tool reads) and the options the file showed
that differ from the writer's defaults. An *entry* is one config domain entry: a (domain, owner,
region, endpoint_url) and its candidates. The rules, in order:

- each repository URL a tool's file names is a candidate of that tool: the same repository in
  several tools' files gives one candidate per tool; pip (or any writer with a ``credentials``
  option that the file did not show) gets ``credentials: netrc`` when its URL carries no token and
  the netrc file holds its host;
- the first candidate to claim an entry of a file (:meth:`~..writers.base.Writer.claims`: pip's
  ``[global] index-url``, npm's ``registry``) keeps it; a later one is *skipped*, with the reason,
  as is a URL whose options the writer refuses, or one the reader marked (an npm auth line that
  no registry line names);
- a *hint* (a netrc ``machine``, Bundler's ``BUNDLE_<HOST>``) whose host is that of an entry's
  candidate, and whose file none of that entry's candidates writes, becomes a candidate of its
  tool, with a repository of that entry (one of the tool's format first), so that the token there
  stays fresh too; a hint whose host no candidate has is *unplaced*: its repository is unknown.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..discovery import Location
from ..writers import options as writer_options
from ..writers.base import MAIN, Writer
from ..writers.formats import netrc
from ..writers.registry import Registry
from .files import Finding, Survey
from .readers import Hint, Seen


@dataclass(frozen=True)
class Candidate:
    writer: str
    repository: str
    path: Path
    options: tuple[tuple[str, Any], ...]
    location: Location  # of the URL it came from (a hint's: the entry's candidate it took it from)
    where: str  # the entry in the file: "registry", "[global] index-url"


@dataclass
class Entry:
    location: Location  # the first candidate's: domain, owner, region, endpoint_url, kind
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class Proposal:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "FILE ENTRY: reason"
    unplaced: list[Finding] = field(default_factory=list)

    @property
    def candidates(self) -> list[Candidate]:
        return [c for e in self.entries for c in e.candidates]


class _Builder:
    def __init__(self, registry: Registry, environ: Mapping[str, str], netrc_hosts: set[str]) -> None:
        self.registry, self.environ, self.netrc_hosts = registry, environ, netrc_hosts
        self.proposal = Proposal()
        self.entries: dict[tuple[object, ...], Entry] = {}
        self.claimed: dict[
            tuple[object, ...], tuple[object, ...]
        ] = {}  # (path, claim, shared host) or a target -> its entry's key

    def add_seen(self, finding: Finding, seen: Seen) -> None:
        where = f"{finding.source} {seen.where}"
        if finding.tool is None:
            return self.skip(where, "no writer's own file (its repository URLs are not kept)")
        if seen.skip:
            return self.skip(where, seen.skip)
        cls = self.registry.get(finding.tool)
        options, problem = _options(cls, self._with_credentials(cls, seen))
        if problem:
            return self.skip(where, f"the {finding.tool} writer takes no {problem}")
        location = seen.location
        self.add(Candidate(finding.tool, location.repository, finding.source, options, location, seen.where))

    def _with_credentials(self, cls: type[Writer[Any]], seen: Seen) -> dict[str, Any]:
        options = dict(seen.options)
        choices = writer_options.choices(cls.Options, "credentials") if _has(cls, "credentials") else None
        clean = "credentials" not in options and not seen.location.credentials
        if clean and choices and "netrc" in choices and _host(seen.location) in self.netrc_hosts:
            options["credentials"] = "netrc"
        return options

    def add(self, candidate: Candidate) -> None:
        key = candidate.location.domain_key
        same = (candidate.path, candidate.writer, candidate.repository, candidate.options, key)
        if same in self.claimed:
            return  # the same target again ([DEFAULT]'s index-url, which every pip section shows)
        writer = self.registry.get(candidate.writer)(**dict(candidate.options))
        paths = {**writer.default_paths(self.environ), MAIN: candidate.path}
        host = _host(candidate.location)  # a shared claim (netrc's machine line) is the host's
        claims = [((paths[c.role], c.entry, host if c.shared else None), c.entry) for c in writer.all_claims()]
        for slot, entry in claims:
            if slot in self.claimed and not (slot[2] is not None and self.claimed[slot] == key):
                return self.skip(f"{candidate.path} {candidate.where}", f"another target has {entry} in that file")
        self.claimed.update({slot: key for slot, _ in claims})
        self.claimed[same] = key
        self.entries.setdefault(key, Entry(candidate.location)).candidates.append(candidate)

    def add_hint(self, finding: Finding, hint: Hint) -> None:
        entry = next((e for e in self.entries.values() if _host(e.location) == hint.host), None)
        if entry is None or finding.tool is None:
            self.proposal.unplaced.append(finding)
            return
        if any(finding.source in self._paths(c) for c in entry.candidates):
            return  # a target of the entry already keeps this file's entry for the host fresh
        fmt = self.registry.get(finding.tool)().repository_format()
        model = min(entry.candidates, key=lambda c: c.location.format != fmt)
        self.add(Candidate(finding.tool, model.repository, finding.source, (), model.location, hint.where))

    def _paths(self, candidate: Candidate) -> set[Path]:
        writer = self.registry.get(candidate.writer)(**dict(candidate.options))
        defaults = writer.default_paths(self.environ)
        return {candidate.path, *(defaults[role] for role in writer.roles() if role != MAIN)}

    def skip(self, where: str, why: str) -> None:
        self.proposal.skipped.append(f"{where}: {why}")


def _has(cls: type[Writer[Any]], name: str) -> bool:
    return name in writer_options.names(cls.Options)


def _host(location: Location) -> str:
    return netrc.machine_name(location.endpoint)


def _options(cls: type[Writer[Any]], seen: Mapping[str, Any]) -> tuple[tuple[tuple[str, Any], ...], str]:
    """The options that differ from the writer's defaults, each validated; or a problem."""
    defaults = {f.name: f.default for f in dataclasses.fields(cls.Options)}
    kept = {}
    for name, value in seen.items():
        if name not in defaults or value == defaults[name]:
            continue
        try:
            kept[name] = writer_options.validate(cls.Options, name, value)
        except ValueError as e:
            return (), f"{name} like this one ({e})"
    return tuple(sorted(kept.items())), ""


def propose(survey: Survey, registry: Registry, environ: Mapping[str, str] = os.environ) -> Proposal:
    """The proposal for what ``survey`` found (see the module doc)."""
    hosts = {f.found.host for f in survey.findings if f.tool == "netrc" and isinstance(f.found, Hint)}
    builder = _Builder(registry, environ, hosts)
    for finding in _of(survey.findings, Seen):
        builder.add_seen(finding, finding.found)  # type: ignore[arg-type]  # a Seen, by _of
    for finding in _of(survey.findings, Hint):
        builder.add_hint(finding, finding.found)  # type: ignore[arg-type]  # a Hint, by _of
    builder.proposal.entries = list(builder.entries.values())
    return builder.proposal


def _of(findings: Iterable[Finding], kind: type) -> list[Finding]:
    return [f for f in findings if isinstance(f.found, kind)]
