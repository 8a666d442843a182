"""``init``: a config made from the CodeArtifact URLs the user's files already hold.

It reads every installed writer's default files (:mod:`..survey`: what ``aws codeartifact login``
and hand edits left), proposes one target per repository URL a tool's file names, asks for what
is missing when stdin is a terminal (:mod:`..survey.answers`; ``--yes`` asks nothing and fails on
what it cannot have), loads the text with the real loader, and writes it (mode 0644, atomically)
to ``--output`` or the user's config path, never over an existing file. Tokens in those files are
never kept: only repository locations, file paths and entry names reach the output and the config.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..discovery import REGION
from ..survey.answers import ENDPOINT_URL
from .common import EXIT_OK

MODE = 0o644  # a config holds no secret; only its owner may change what the service runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-y", "--yes", action="store_true", help="ask nothing: keep every repository found, take the flags"
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write the config here (default: $CODEARTIFACT_REFRESHER_CONFIG, else "
        "~/.config/codeartifact-refresher/config.yaml); an existing file is never replaced",
    )
    parser.add_argument("--profile", metavar="P", help="AWS profile for every domain (default: the AWS default chain)")
    parser.add_argument(
        "--region",
        metavar="R",
        type=_matching(REGION, "an AWS region such as us-east-1"),
        help="AWS region, for the domains whose URLs do not name one",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        type=_matching(ENDPOINT_URL, "an http(s):// URL without user:password@"),
        help="CodeArtifact API endpoint, for the domains whose URLs do not name one (a VPC endpoint's)",
    )
    parser.add_argument(
        "--duration-seconds",
        metavar="N",
        type=_duration,
        help="token lifetime to ask for: 0 or 900..43200 (default 43200)",
    )


def _matching(pattern: str, expected: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise argparse.ArgumentTypeError(f"expected {expected}")
        return value

    return check


def _duration(value: str) -> int:
    if not (value.isdigit() and (int(value) == 0 or 900 <= int(value) <= 43200)):
        raise argparse.ArgumentTypeError("expected 0 (as long as the AWS session) or 900..43200 seconds")
    return int(value)


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    ask = None if args.yes or not sys.stdin.isatty() else input
    return init(args, clock, ask, os.environ)


def init(args: argparse.Namespace, clock: Callable[[], float], ask: Callable[[str], str] | None, environ) -> int:
    from .. import survey
    from ..config import generator, locations
    from ..platform.paths import home
    from ..survey.answers import Flags, InitError, choose, profile
    from ..writers.registry import Registry

    output = Path(args.output).expanduser() if args.output else locations.user_path(environ)
    if os.path.lexists(output):
        raise InitError(_exists(output))
    registry, where = Registry(), home(environ)
    found = survey.survey(registry, environ)
    proposal = survey.propose(found, registry, environ)
    print(_shown(_report(found, proposal), where))
    if not proposal.candidates:
        raise InitError(_shown(_nothing(found, output), where))
    kept = [proposal.candidates[i] for i in choose(ask, len(proposal.candidates))]
    if not kept:
        raise InitError("no repository kept; nothing written")
    flags = Flags(args.profile, args.region, args.endpoint_url, args.duration_seconds)
    flags = Flags(profile(ask, flags, _profiles), flags.region, flags.endpoint_url, flags.duration)
    domains = _domains(proposal, kept, flags, ask, where)
    header = _header(kept, flags, clock, where)
    text = generator.render(domains, flags.defaults(), header, where)
    _check(text, registry, environ)
    _write(output, text)
    targets = sum(len(d.targets) for d in domains)
    print(f"Wrote {output}: {len(domains)} domain(s), {targets} target(s).")
    print(_next_steps(output, locations.default_path(environ)))
    return EXIT_OK


def _domains(proposal, kept: list, flags, ask, where: Path) -> list:
    from ..config.generator import DomainSpec, TargetSpec, shown_path
    from ..survey.answers import settle

    domains = []
    for entry in proposal.entries:
        targets = [
            TargetSpec(c.writer, c.repository, c.path, c.options, f"{shown_path(c.path, where)}: {c.where}")
            for c in entry.candidates
            if c in kept
        ]
        if targets:
            settings = settle(entry, flags, ask, lambda: _chain_region(flags.profile))
            domains.append(DomainSpec(entry.location.domain, settings, targets))
    return domains


def _report(found, proposal) -> str:
    from ..config.generator import scalar

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
    return "\n".join(lines + [f"Note: {n}" for n in found.notes])


def _nothing(found, output: Path) -> str:
    from .. import __file__ as package

    read = ", ".join(map(str, found.read)) or "none of them exists"
    example = Path(package).parent / "examples" / "laptop.yaml"
    return (
        f"no CodeArtifact repository URL in the files the installed writers use ({read}); run "
        "`codeartifact-refresher login --tool TOOL --domain D --repository R --keep-fresh`, or start "
        f"from an example config: cp {example} {output}"
    )


def _exists(output: Path) -> str:
    return f"{output} already exists: give --output FILE for a new file, or edit that one (check it with `check`)"


def _header(kept: list, flags, clock: Callable[[], float], where: Path) -> list[str]:
    from ..config.generator import shown_path

    day = datetime.fromtimestamp(clock(), timezone.utc).date().isoformat()
    aws = ", ".join(f"{k} {v}" for k, v in flags.defaults().items()) or "none: the AWS default chain's"
    sources = dict.fromkeys(shown_path(c.path, where) for c in kept)
    return [
        f"codeartifact-refresher config, made by `codeartifact-refresher init` on {day}",
        "from the CodeArtifact repository URLs in:",
        *(f"  {s}" for s in sources),
        f"AWS settings for every domain (init's flags and answers): {aws}",
        "Check it with `codeartifact-refresher check`; the README's config reference lists every key.",
    ]


def _check(text: str, registry, environ: Mapping[str, str]) -> None:
    """Load ``text`` with the real loader, as ``check`` would, before it is written anywhere."""
    from .. import config
    from ..errors import ConfigError

    with tempfile.TemporaryDirectory(prefix="codeartifact-refresher-init-") as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(text)
        try:
            config.load(path, registry, environ)
        except ConfigError as e:
            sys.stderr.write(text)
            raise ConfigError(
                f"the config above does not pass check (line {e.line}: {e.message}); not written"
            ) from None


def _write(output: Path, text: str) -> None:
    from ..outputs import files
    from ..survey.answers import InitError

    def render(current: str | None) -> str:
        if current is not None:  # it appeared since we looked
            raise InitError(_exists(output))
        return text

    files.update(output, render, wanted=MODE)


def _next_steps(output: Path, default: Path) -> str:
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


def _shown(text: str, where: Path) -> str:
    return text.replace(f"{where}/", "~/")


def _profiles() -> list[str]:
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        return sorted(botocore.session.Session().available_profiles)
    except BotoCoreError:
        return []


def _chain_region(profile: str | None) -> Any:
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        return botocore.session.Session(profile=profile).get_config_variable("region")
    except BotoCoreError:
        return None
