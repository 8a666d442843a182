"""The config's model: frozen dataclasses that the rest of the program reads.

A *config* lists *domains*; each domain has the AWS settings to get its token and a list of
*targets*; a target names a *writer*, the *repository* whose endpoint it needs, the *path* it
writes and the writer's own *options*. A target's *outputs* are where each of the writer's files
goes, by role, in the writer's order; ``path``, ``mode`` and ``follow_symlinks`` describe the main
one as the config gave it; ``given`` names the roles whose path the config wrote (``path:``, a path
option), the others being the writer's defaults where the config was loaded. See :mod:`.loader` for
the file format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..outputs import FileOutput, Output
from ..outputs.files import DEFAULT_MODE
from ..writers.base import MAIN

DURATION_MIN, DURATION_MAX = 900, 43200
REFRESH_AT, JITTER = 0.75, 0.05  # fractions of the token's lifetime
HOOK_TIMEOUT = 60.0  # seconds
WORKERS = 32  # domains refreshed at once
#: the public CodeArtifact API's hosts (IPv4, dualstack, FIPS; China), behind which each domain
#: has repository hosts of its own
PUBLIC_API = re.compile(r"codeartifact(-fips)?\.[a-z0-9-]+\.(amazonaws\.com(\.cn)?|api\.aws)")


@dataclass(frozen=True)
class Target:
    writer: str
    repository: str
    path: Path
    options: tuple[tuple[str, Any], ...] = ()
    follow_symlinks: bool = False
    mode: int = DEFAULT_MODE
    on_change: tuple[str, ...] | None = None
    line: int = 0
    outputs: tuple[tuple[str, Output], ...] = ()  # (role, output); default: the main file alone
    given: tuple[str, ...] = field(default=(), compare=False)  # roles whose path the config wrote

    def __post_init__(self) -> None:
        if not self.outputs:
            object.__setattr__(self, "outputs", ((MAIN, FileOutput(self.path, self.mode, self.follow_symlinks)),))


@dataclass(frozen=True)
class Domain:
    domain: str
    targets: tuple[Target, ...]
    owner: str | None = None
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    endpoint_url: str | None = None
    endpoint_type: str | None = None  # GetRepositoryEndpoint's endpointType: ipv4 or dualstack
    duration: int = DURATION_MAX
    refresh_at: float = REFRESH_AT
    jitter: float = JITTER
    on_change: tuple[str, ...] | None = None
    hook_timeout: float = HOOK_TIMEOUT
    line: int = 0
    source: Path | None = None  # the config file it came from, for messages that name a line

    @property
    def session_key(self) -> tuple[str | None, str | None, str | None, str | None]:
        """Domains with equal keys share one boto3 session and client."""
        return (self.profile, self.region, self.role_arn, self.endpoint_url)

    @property
    def host_key(self) -> tuple[str | None, ...]:
        """What the repositories' host name is made of: equal keys, maybe the same host.

        Through the public API each domain has hosts of its own (``DOMAIN-OWNER.d.codeartifact...``).
        Behind any other ``endpoint_url`` the repository host may serve every domain: a VPC
        endpoint's is ``vpce-....d.codeartifact...`` with the domain in the path, a stand-in's its
        own address. There the key is the endpoint's host alone, so that two domain entries
        behind one VPC endpoint cannot both own its netrc entry."""
        host = (urlsplit(self.endpoint_url).hostname or "") if self.endpoint_url else ""
        if host and not PUBLIC_API.fullmatch(host):
            return ("endpoint", host)
        return (self.domain, self.owner, self.region, self.endpoint_url)

    @property
    def label(self) -> str:
        return f"{self.domain} ({self.owner})" if self.owner else self.domain

    @property
    def key(self) -> str:
        """Names this domain in the state file and the scheduler: unique within a config."""
        extra = [
            f"{k}={v}" for k, v in zip(("profile", "region", "role", "endpoint"), self.session_key, strict=True) if v
        ]
        if self.endpoint_type:
            extra.append(f"endpoint_type={self.endpoint_type}")
        return " ".join([self.label, *extra])


@dataclass(frozen=True)
class Health:
    """The optional HTTP listener for /healthz and /metrics."""

    port: int
    address: str = "127.0.0.1"


@dataclass(frozen=True)
class Config:
    path: Path
    domains: tuple[Domain, ...]
    workers: int = WORKERS
    health: Health | None = None
    state_file: Path | None = None
