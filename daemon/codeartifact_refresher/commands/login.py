"""``login``: ``aws codeartifact login``'s flags and meaning, through our writers (atomic, 0600,
foreign content kept, the token on no command line and in no output), taking over what the AWS
CLI left; ``--keep-fresh`` adds the target to the user's config for the agent (:mod:`..login`)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .common import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:  # imported where used: --help must not load them
    from ..aws.tokens import Clients
    from ..config import Domain
    from ..login import Request
    from ..refresh import TargetResult
    from ..writers.registry import Registry

logger = logging.getLogger("codeartifact_refresher.cli")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    aws = parser.add_argument_group("as aws codeartifact login takes them")
    aws.add_argument("--tool", required=True, help="a writer: pip, npm, twine, uv, poetry, ... (`writers` lists them)")
    aws.add_argument("--domain", required=True, help="the CodeArtifact domain")
    aws.add_argument("--domain-owner", metavar="ACCOUNT", help="the domain owner's account ID")
    aws.add_argument("--repository", required=True, help="the repository")
    aws.add_argument("--namespace", help="npm and its kin: a scope (acme or @acme); swift: a scope")
    aws.add_argument("--duration-seconds", type=int, metavar="N", help="0 (the AWS session's length) or 900..43200")
    aws.add_argument("--region", help="the AWS region (default: the AWS default chain)")
    aws.add_argument("--profile", help="an AWS profile (default: the AWS default chain)")
    aws.add_argument("--endpoint-url", metavar="URL", help="a VPC endpoint or a local stand-in")
    aws.add_argument("--endpoint-type", choices=("ipv4", "dualstack"), help="the repository endpoint's type")
    aws.add_argument(
        "--dry-run", action="store_true", help="print the diff of each file (tokens redacted), write nothing"
    )
    ours = parser.add_argument_group("codeartifact-refresher's own")
    ours.add_argument("--path", metavar="FILE", help="the file to write (default: where the tool reads it)")
    ours.add_argument(
        "--keep-fresh", action="store_true", help="also add the target to your config, so the agent keeps it fresh"
    )
    ours.add_argument(
        "--config", metavar="FILE", help="with --keep-fresh: the config to add to (default: your user config)"
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from .. import login
    from ..aws.tokens import Clients, utc_clock
    from ..refresh import FAILED, refresh_domain
    from ..writers.registry import Registry

    registry = Registry()
    request = login.Request(
        args.tool,
        args.domain,
        args.repository,
        args.domain_owner,
        args.namespace,
        args.duration_seconds,
        args.region,
        args.profile,
        args.endpoint_url,
        args.endpoint_type,
        args.path,
    )
    cfg = login.as_config(request, registry)
    (domain,) = cfg.domains
    clients = Clients(utc_clock(clock))
    with _quieter("codeartifact_refresher.refresh", args.log_level):  # this command says what it wrote itself
        report = refresh_domain(domain, clients, registry, dry_run=args.dry_run)
    (result,) = report.targets
    if result.outcome == FAILED:
        return EXIT_FAILED  # the reason is logged, one line
    if args.dry_run:
        sys.stdout.write(result.diff)
        print(f"Dry run: nothing written ({result.outcome})")
    else:
        _say_done(args.tool, result, report.expires_at, clock())
    if args.keep_fresh:  # the agent runs without this shell's AWS variables: write down what they chose
        request = login.effective(request, clients.client(domain).meta.region_name)
        status = _keep_fresh(args, request, registry, login)
        said = login.agent_credentials_note(_credential_source(clients, domain), request.profile)
        if said and status == EXIT_OK and not args.dry_run:
            print(said)
        return status
    return EXIT_OK


def _credential_source(clients: Clients, domain: Domain) -> str:
    """How botocore found this shell's credentials ("" when it cannot tell)."""
    from ..aws import identity
    from ..errors import AwsError

    try:
        return identity.credential_source(clients, domain)
    except AwsError:
        return ""


@contextlib.contextmanager
def _quieter(name: str, level: int) -> Iterator[None]:
    """Logger ``name`` at warnings and errors only (unless ``level`` asks for debug), for as long
    as the block runs: its per-target lines would repeat what this command prints."""
    logger, before = logging.getLogger(name), logging.getLogger(name).level
    if level > logging.DEBUG:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(before)


def _say_done(tool: str, result: TargetResult, expires_at: datetime | None, now: float) -> None:
    """The AWS CLI's two lines (its words, so scripts that grep them still work), and the files."""
    from ..outputs import FileOutput
    from ..service.planner import duration
    from ..writers.formats import urls

    print(f"Successfully configured {tool} to use AWS CodeArtifact repository {urls.redact(result.endpoint)}")
    for role, output in result.target.outputs:
        mode = None
        if isinstance(output, FileOutput) and output.path.exists():
            mode = output.path.stat().st_mode & 0o777
        shown = f" (mode {mode:04o})" if mode is not None else ""
        print(f"  {output.describe()}{shown}: {result.outcome}" + (f" [{role}]" if role != "main" else ""))
    if expires_at is not None:
        left = duration(expires_at.timestamp() - now)
        print(f"Login expires in {left} at {expires_at.astimezone(timezone.utc).isoformat(sep=' ')}")


def _keep_fresh(args: argparse.Namespace, request: Request, registry: Registry, login: ModuleType) -> int:
    from ..config import locations

    path = Path(args.config) if args.config else locations.default_path()
    if args.dry_run:
        print(f"Dry run: would add the {args.tool} target to {path}")
        return EXIT_OK
    outcome = login.keep_fresh(path, request, registry)
    said = {"created": "Created", "added": "Added the target to", "already": "Already kept fresh by"}[outcome]
    print(f"{said} {path}")
    if outcome != "already":
        print(_agent_news(path))
    return EXIT_OK


def _agent_news(config_path: Path) -> str:
    """Tell a running agent of this config to reload (SIGHUP), or say how to start one."""
    from .. import config
    from ..state import State, default_path

    try:
        state = State.load(default_path(config.load(config_path)))
    except Exception:  # noqa: BLE001 - only news: the config was written and checked already
        state = None
    pid = state.daemon.get("pid") if state is not None else None
    same = state is not None and state.daemon.get("config") == str(config_path.resolve())
    if isinstance(pid, int) and same and _is_our_daemon(pid):
        os.kill(pid, signal.SIGHUP)
        return f"The running agent (pid {pid}) reloaded its config: it keeps the target fresh from now on."
    return (
        "Start the agent to keep it fresh: codeartifact-refresher install-service --user "
        "(or run `codeartifact-refresher run` yourself)"
    )


def _is_our_daemon(pid: int) -> bool:
    """Whether ``pid`` is a codeartifact-refresher of ours (not a process that reused the number)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        mine = os.stat(f"/proc/{pid}").st_uid == os.geteuid()
    except OSError:
        return False
    ours = any(arg.endswith((b"codeartifact-refresher", b"codeartifact_refresher")) for arg in argv)
    return mine and ours and b"run" in argv
