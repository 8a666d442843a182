"""The config file: YAML in, frozen dataclasses out.

A *config* lists *domains*; each domain has the AWS settings to get its token and a list of
*targets*; a target names a *writer* (``pip``, ``npm``, ``twine``, or a plugin's), the
*repository* whose endpoint it needs, an optional *path* (else the writer's default) and the
writer's own options. ``defaults`` supplies any domain setting for every domain.

Every mistake is a :class:`ConfigError` naming the file, the line and the key, and saying what
was expected; an unknown key suggests the nearest valid one.
"""
from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from . import yamlfile
from .errors import ConfigError, RegistryError
from .files import DEFAULT_MODE
from .registry import Registry
from .yamlfile import Map, kind

ENV_VAR = "CODEARTIFACT_REFRESHER_CONFIG"
BASENAME = Path("codeartifact-refresher") / "config.yaml"
SYSTEM_PATH = Path("/etc") / BASENAME

DOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{0,48}[a-z0-9]$")
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$")
OWNER_RE = re.compile(r"^[0-9]{12}$")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$")
DURATION_MIN, DURATION_MAX = 900, 43200


@dataclass(frozen=True)
class Target:
    writer: str
    repository: str
    path: Path
    options: tuple[tuple[str, Any], ...] = ()
    follow_symlinks: bool = False
    mode: int = DEFAULT_MODE
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
    line: int = 0

    @property
    def session_key(self) -> tuple:
        """Domains with equal keys share one boto3 session and client."""
        return (self.profile, self.region, self.role_arn, self.endpoint_url)

    @property
    def label(self) -> str:
        return f"{self.domain} ({self.owner})" if self.owner else self.domain


@dataclass(frozen=True)
class Config:
    path: Path
    domains: tuple[Domain, ...]


# -- where the config lives ----------------------------------------------------------------------


def user_config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    home = Path(environ.get("HOME") or Path.home())
    if sys.platform == "darwin":
        return home / "Library" / "Application Support"
    return Path(environ.get("XDG_CONFIG_HOME") or home / ".config")


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    """``$CODEARTIFACT_REFRESHER_CONFIG``, else the user's config, else the system one."""
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]).expanduser()
    user = user_config_dir(environ) / BASENAME
    if user.exists() or not SYSTEM_PATH.exists():
        return user
    return SYSTEM_PATH


# -- validation ------------------------------------------------------------------------------------


class _Checker:
    """Builds error messages that name the file, the line and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, line: int) -> ConfigError:
        return ConfigError(message, self.path, line)

    def mapping(self, value, what: str, line: int) -> Map:
        if not isinstance(value, Map):
            line = getattr(value, "line", line)
            raise self.fail(f"{what} must be a mapping of keys to values, not {kind(value)}", line)
        return value

    def keys(self, mapping: Map, allowed, where: str, hint: Callable[[str], str] = lambda k: "") -> None:
        for key in mapping:
            if key in allowed:
                continue
            near = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            advice = f"; did you mean {near[0]!r}?" if near else hint(key) or f"; valid keys: {', '.join(sorted(allowed))}"
            raise self.fail(f"unknown key {key!r} in {where}{advice}", mapping.line_of(key))

    def string(self, mapping: Map, key: str, pattern: re.Pattern | None = None, expected: str = "") -> str | None:
        value = mapping.get(key)
        if value is None and key not in mapping:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{key}: expected {expected or 'a string'}, got {kind(value)}", mapping.line_of(key))
        if pattern is not None and not pattern.match(value):
            raise self.fail(f"{key}: {value!r} is not valid: expected {expected}", mapping.line_of(key))
        return value


DOMAIN_SETTINGS = ("owner", "region", "profile", "role_arn", "endpoint_url", "duration")
DOMAIN_KEYS = ("domain", "targets") + DOMAIN_SETTINGS
COMMON_TARGET_KEYS = ("writer", "repository", "path", "follow_symlinks", "mode")


def _owner(check: _Checker, m: Map) -> str | None:
    value = m.get("owner")
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) == 12:
        return str(value)  # unquoted in YAML; unambiguous when it has no leading zero
    return check.string(m, "owner", OWNER_RE, "a 12-digit AWS account ID, quoted (\"011122223333\")")


def _duration(check: _Checker, m: Map) -> int:
    if "duration" not in m:
        return DURATION_MAX
    value = m["duration"]
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok or not (value == 0 or DURATION_MIN <= value <= DURATION_MAX):
        raise check.fail(
            f"duration: expected 0 (as long as the AWS session) or {DURATION_MIN}..{DURATION_MAX} "
            f"seconds, got {value!r}",
            m.line_of("duration"),
        )
    return value


def _endpoint_url(check: _Checker, m: Map) -> str | None:
    return check.string(m, "endpoint_url", re.compile(r"^https?://[^/\s]+(/\S*)?$"), "an http(s):// URL")


def _settings(check: _Checker, m: Map) -> dict:
    settings = {
        "owner": _owner(check, m),
        "region": check.string(m, "region", REGION_RE, "an AWS region such as 'us-east-1'"),
        "profile": check.string(m, "profile", expected="an AWS profile name"),
        "role_arn": check.string(m, "role_arn", ROLE_ARN_RE, "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
        "endpoint_url": _endpoint_url(check, m),
    }
    settings = {k: v for k, v in settings.items() if k in m}
    if "duration" in m:
        settings["duration"] = _duration(check, m)
    return settings


def _mode(check: _Checker, m: Map) -> int:
    if "mode" not in m:
        return DEFAULT_MODE
    value = m["mode"]
    try:
        mode = int(value, 8) if isinstance(value, str) else value
    except ValueError:
        mode = None
    if not isinstance(mode, int) or isinstance(mode, bool) or mode & ~0o644 or not mode & 0o400:
        shown = f"{value:04o}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)
        raise check.fail(
            f"mode: expected an octal file mode such as 0600 or 0640 (owner-readable, writable by "
            f"nobody else), got {shown}",
            m.line_of("mode"),
        )
    return mode


def _path(check: _Checker, m: Map, environ: Mapping[str, str]) -> Path | None:
    value = check.string(m, "path", expected="a file path")
    if value is None:
        return None
    if value.startswith("~"):
        home = environ.get("HOME") or str(Path.home())
        value = home + value[1:] if value == "~" or value.startswith("~/") else os.path.expanduser(value)
    path = Path(value)
    if not path.is_absolute():
        raise check.fail(f"path: {value!r} is relative; give an absolute path or one starting with ~/", m.line_of("path"))
    return path


def _other_writer_hint(registry: Registry, writer: str) -> Callable[[str], str]:
    def hint(key: str) -> str:
        owners = []
        for name in registry.names():
            try:
                if key in registry.get(name).options:
                    owners.append(name)
            except RegistryError:
                continue
        return f"; {key!r} is an option of the {' and '.join(owners)} writer, not of {writer}" if owners else ""

    return hint


def _target(check: _Checker, registry: Registry, raw, line: int, environ) -> Target:
    t = check.mapping(raw, "each target", line)
    names = ", ".join(registry.names())
    writer = check.string(t, "writer", expected=f"a writer name ({names})")
    if writer is None:
        raise check.fail(f"a target needs 'writer:' (one of: {names})", t.line)
    try:
        cls = registry.get(writer)
    except RegistryError as e:
        raise check.fail(f"writer: {e}", t.line_of("writer")) from None
    check.keys(t, COMMON_TARGET_KEYS + tuple(cls.options), f"a {writer} target", _other_writer_hint(registry, writer))
    repository = check.string(t, "repository", REPOSITORY_RE, "a CodeArtifact repository name (2-100 letters, digits, '.', '_', '-')")
    if repository is None:
        raise check.fail(f"the {writer} target needs 'repository:'", t.line)
    options = {}
    for name, (validator, _) in cls.options.items():
        if name in t:
            try:
                options[name] = validator(t[name])
            except ValueError as e:
                raise check.fail(f"{name}: {e}, got {t[name]!r}", t.line_of(name)) from None
    follow = t.get("follow_symlinks", False)
    if not isinstance(follow, bool):
        raise check.fail(f"follow_symlinks: expected true or false, got {kind(follow)}", t.line_of("follow_symlinks"))
    path = _path(check, t, environ) or cls(**options).default_path(environ)
    return Target(writer, repository, path, tuple(sorted(options.items())), follow, _mode(check, t), t.line)


def _domain(check: _Checker, registry: Registry, raw, line: int, defaults: dict, environ) -> Domain:
    d = check.mapping(raw, "each entry of 'domains'", line)
    check.keys(d, DOMAIN_KEYS, "a domain")
    name = check.string(d, "domain", DOMAIN_RE, "a CodeArtifact domain name (2-50 lowercase letters, digits and '-')")
    if name is None:
        raise check.fail("each entry of 'domains' needs 'domain:'", d.line)
    targets = d.get("targets")
    if not isinstance(targets, list) or not targets:
        raise check.fail(f"domain {name!r} needs 'targets:', a list of at least one target", d.line_of("targets"))
    built = tuple(_target(check, registry, t, d.line_of("targets"), environ) for t in targets)
    return Domain(name, built, **{**defaults, **_settings(check, d)}, line=d.line)


def _no_duplicates(check: _Checker, registry: Registry, domains: list[Domain]) -> None:
    seen: dict = {}
    for d in domains:
        key = (d.domain, d.owner, d.session_key)
        if key in seen:
            raise check.fail(f"domain {d.domain!r} appears twice (first on line {seen[key]}); list all its targets under one entry", d.line)
        seen[key] = d.line
    owners: dict = {}
    for d in domains:
        for t in d.targets:
            key = (t.writer, t.path, t.options, d.domain, d.owner, d.session_key, t.repository)
            if key in owners:
                raise check.fail(f"this {t.writer} target repeats the one on line {owners[key]}", t.line)
            owners[key] = t.line
            for claim in registry.get(t.writer)(**dict(t.options)).claims():
                if (t.path, claim) in owners:
                    raise check.fail(
                        f"this {t.writer} target and the one on line {owners[t.path, claim]} would both "
                        f"write {claim} in {t.path}; give one of them another path or option",
                        t.line,
                    )
                owners[t.path, claim] = t.line


def parse(path: Path, data, registry: Registry, environ: Mapping[str, str] = os.environ) -> Config:
    check = _Checker(path)
    if data is None:
        raise check.fail("the config is empty; expected a 'domains:' list", 1)
    top = check.mapping(data, "the config", 1)
    check.keys(top, ("defaults", "domains"), "the config")
    defaults = {}
    if "defaults" in top:
        d = check.mapping(top["defaults"], "defaults", top.line_of("defaults"))
        check.keys(d, DOMAIN_SETTINGS, "defaults")
        defaults = _settings(check, d)
    raw_domains = top.get("domains")
    if not isinstance(raw_domains, list) or not raw_domains:
        raise check.fail("expected 'domains:', a list of at least one domain", top.line_of("domains"))
    line = top.line_of("domains")
    domains = [_domain(check, registry, d, line, defaults, environ) for d in raw_domains]
    _no_duplicates(check, registry, domains)
    return Config(path, tuple(domains))


def load(path: Path | None = None, registry: Registry | None = None, environ: Mapping[str, str] = os.environ) -> Config:
    """Read, parse and validate the config at ``path`` (default: :func:`default_path`)."""
    path = Path(path) if path is not None else default_path(environ)
    data = yamlfile.read(path)
    return parse(path, data, registry or Registry(), environ)
