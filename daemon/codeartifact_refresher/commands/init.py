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
from typing import TYPE_CHECKING, Any

from ..discovery import REGION
from ..survey.answers import ENDPOINT_URL
from .common import EXIT_OK

if TYPE_CHECKING:  # imported where used
    from ..writers.registry import Registry

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


def init(
    args: argparse.Namespace, clock: Callable[[], float], ask: Callable[[str], str] | None, environ: Mapping[str, str]
) -> int:
    """The command, with ``ask`` (None: ask nothing) and the environment given."""
    from .. import survey
    from ..config import generator, locations
    from ..platform.paths import home
    from ..survey import compose, report
    from ..survey.answers import Flags, InitError, choose, profile
    from ..writers.registry import Registry

    output = Path(args.output).expanduser() if args.output else locations.user_path(environ)
    if os.path.lexists(output):
        raise InitError(report.exists(output))
    registry, where = Registry(), home(environ)
    found = survey.survey(registry, environ)
    proposal = survey.propose(found, registry, environ)
    print(report.summary(found, proposal, where))
    if not proposal.candidates:
        raise InitError(report.nothing(found, output, where))
    kept = [proposal.candidates[i] for i in choose(ask, len(proposal.candidates))]
    if not kept:
        raise InitError("no repository kept; nothing written")
    flags = Flags(args.profile, args.region, args.endpoint_url, args.duration_seconds)
    flags = Flags(profile(ask, flags, _profiles), flags.region, flags.endpoint_url, flags.duration)
    domains = compose.domains(proposal, kept, flags, ask, lambda: _chain_region(flags.profile), where)
    day = datetime.fromtimestamp(clock(), timezone.utc).date().isoformat()
    text = generator.render(domains, flags.defaults(), compose.header(kept, flags, day, where), where)
    _check(text, registry, environ)
    _write(output, text)
    print(f"Wrote {output}: {len(domains)} domain(s), {sum(len(d.targets) for d in domains)} target(s).")
    print(report.next_steps(output, locations.default_path(environ)))
    return EXIT_OK


def _check(text: str, registry: Registry, environ: Mapping[str, str]) -> None:
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
    from ..survey import report
    from ..survey.answers import InitError

    def render(current: str | None) -> str:
        if current is not None:  # it appeared since we looked
            raise InitError(report.exists(output))
        return text

    files.update(output, render, wanted=MODE)


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
