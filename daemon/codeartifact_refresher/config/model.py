"""The config's model: frozen dataclasses that the rest of the program reads.

A *config* lists *domains*; each domain has the AWS settings to get its token and a list of
*targets*; a target names a *writer*, the *repository* whose endpoint it needs, the *path* it
writes and the writer's own *options*. See :mod:`.loader` for the file format."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..outputs.files import DEFAULT_MODE

DURATION_MIN, DURATION_MAX = 900, 43200
REFRESH_AT, JITTER = 0.75, 0.05  # fractions of the token's lifetime
HOOK_TIMEOUT = 60.0  # seconds
WORKERS = 32  # domains refreshed at once


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


@dataclass(frozen=True)
class Domain:
    domain: str
    targets: tuple[Target, ...]
    owner: str | None = None
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    endpoint_url: str | None = None
    duration: int = DURATION_MAX
    refresh_at: float = REFRESH_AT
    jitter: float = JITTER
    on_change: tuple[str, ...] | None = None
    hook_timeout: float = HOOK_TIMEOUT
    line: int = 0

    @property
    def session_key(self) -> tuple:
        """Domains with equal keys share one boto3 session and client."""
        return (self.profile, self.region, self.role_arn, self.endpoint_url)

    @property
    def label(self) -> str:
        return f"{self.domain} ({self.owner})" if self.owner else self.domain

    @property
    def key(self) -> str:
        """Names this domain in the state file and the scheduler: unique within a config."""
        extra = [f"{k}={v}" for k, v in zip(("profile", "region", "role", "endpoint"), self.session_key, strict=True) if v]
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
