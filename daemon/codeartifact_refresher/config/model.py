"""The config's model: frozen dataclasses that the rest of the program reads.

A *config* lists *domains*; each domain has the AWS settings to get its token and a list of
*targets*; a target names a *writer*, the *repository* whose endpoint it needs, where it writes
and the writer's own *options*. A target's *outputs* are where each of the writer's files
goes, by role, in the writer's order: files (``path:``) or another *output kind*
(:mod:`..outputs.kinds`); ``given`` names the roles whose place the config wrote (``path:``, a path
option), the others being the writer's defaults where the config was loaded. A target's *identity*
(:attr:`Target.identity`) names it within its domain entry; ``path``, ``mode`` and
``follow_symlinks`` describe the main output of a file target. See :mod:`.loader` for the file
format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..outputs import FileOutput, Output
from ..outputs.files import DEFAULT_MODE
from ..writers.base import MAIN, Writer

DURATION_MIN, DURATION_MAX = 900, 43200
REFRESH_AT, JITTER = 0.75, 0.05  # fractions of the token's lifetime
HOOK_TIMEOUT = 60.0  # seconds
WORKERS = 32  # domains refreshed at once
#: the public CodeArtifact API's hosts (IPv4, dualstack, FIPS; China), behind which each domain
#: has repository hosts of its own
PUBLIC_API = re.compile(r"codeartifact(-fips)?\.[a-z0-9-]+\.(amazonaws\.com(\.cn)?|api\.aws)")


@dataclass(frozen=True)
class Target:
    """One target, built once when the config loads: its writer ``instance`` and its outputs.

    Two targets compare equal when their settings are: the writer instance, made from those
    settings, takes no part (nor do the roles ``given``)."""

    writer: str
    repository: str
    outputs: tuple[tuple[str, Output], ...]  # (role, output), in the writer's order; MAIN among them
    options: tuple[tuple[str, Any], ...] = ()
    on_change: tuple[str, ...] | None = None
    line: int = 0
    given: tuple[str, ...] = field(default=(), compare=False)  # roles whose place the config wrote
    instance: Writer[Any] | None = field(default=None, compare=False, repr=False)  # None: built on demand

    @property
    def output(self) -> Output:
        """The output of the :data:`~.writers.base.MAIN` role: where the config says it writes."""
        return dict(self.outputs)[MAIN]

    @property
    def where(self) -> str:
        """Where it writes, as logs, ``status`` and hooks name it (a file's path as configured)."""
        return self.output.describe()

    @property
    def identity(self) -> str:
        """Names this target within its domain entry, stable from one load of the config to the
        next: writer, repository, where it writes and the options (two targets may share the
        first three: npm's default registry and a scope, in one ``.npmrc``). It keys the state
        file's records, ``status``, hooks' environment and log lines."""
        options = " ".join(f"{k}={_shown(v)}" for k, v in self.options)
        return " ".join(filter(None, (self.writer, self.repository, self.where, options and f"({options})")))

    @property
    def path(self) -> Path:
        """The main file of a file target (what ``path:`` or the writer's default names)."""
        output = self.output
        if not isinstance(output, FileOutput):
            raise TypeError(f"the {self.writer} target writes to {output.describe()}, not to a file")
        return output.path

    @property
    def mode(self) -> int:
        output = self.output
        given = output.mode if isinstance(output, FileOutput) else None
        return DEFAULT_MODE if given is None else given

    @property
    def follow_symlinks(self) -> bool:
        output = self.output
        return output.follow_symlinks if isinstance(output, FileOutput) else False


def _shown(value: Any) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, (tuple, list)) else str(value)


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
class Agent:
    """The credential socket the daemon serves (:mod:`..agent`): on unless ``enabled`` is false; at
    ``socket`` (None: the default place, :func:`..agent.client.socket_path`); ``group``: a group
    whose members may ask too (a system daemon's build users), None: this user and root alone."""

    enabled: bool = True
    socket: Path | None = None
    group: str | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    domains: tuple[Domain, ...]
    workers: int = WORKERS
    health: Health | None = None
    state_file: Path | None = None
    agent: Agent = Agent()
