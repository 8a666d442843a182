"""Parsing the config file: YAML in, :mod:`.model`'s frozen dataclasses out.

A *config* lists *domains*; each domain has the AWS settings to get its token and a list of
*targets*; a target names a *writer* (a built-in one, as ``writers`` lists them, or a plugin's),
the *repository* whose endpoint it needs, where it writes (at most one key of the output family,
:mod:`..outputs.kinds`: ``path:`` for a file; none, the writer's default file) and the writer's own
options. ``defaults`` supplies any domain setting for every domain. A domain's
*timing* (``refresh_at``, ``jitter``: fractions of the token's lifetime) says when the daemon
refreshes it; an ``on_change`` *hook* (a command as a list) on a domain or a target runs after a
refresh changed its files. Top-level settings are for the process: ``workers`` (domains refreshed
at once), ``health`` (the HTTP listener) and ``state_file``.

Every mistake is a :class:`ConfigError` naming the file, the line and the key, and saying what
was expected; an unknown key suggests the nearest valid one.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import shutil
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, RegistryError
from ..outputs import Output, kinds
from ..outputs.files import DEFAULT_MODE
from ..platform.paths import expand_user
from ..writers import options as writer_options
from ..writers.base import MAIN, WHOLE_FILE, NoDefaultPath, Writer
from ..writers.registry import Registry
from . import agent as agent_section
from . import hosts, trust, yamlfile
from .checker import Checker
from .locations import default_path
from .model import DURATION_MAX, DURATION_MIN, WORKERS, Config, Domain, Health, Target
from .yamlfile import Map, shown

DOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{0,48}[a-z0-9]$")
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$")
OWNER_RE = re.compile(r"^[0-9]{12}$")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
ADDRESS_RE = re.compile(r"^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$")
ENDPOINT_TYPE_RE = re.compile(r"^(ipv4|dualstack)$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$")


# -- validation ------------------------------------------------------------------------------------


DOMAIN_SETTINGS = (
    "owner",
    "region",
    "profile",
    "role_arn",
    "endpoint_url",
    "endpoint_type",
    "duration",
    "refresh_at",
    "jitter",
    "on_change",
    "hook_timeout",
)
DOMAIN_KEYS = ("domain", "targets", *DOMAIN_SETTINGS)
COMMON_TARGET_KEYS = ("writer", "repository", "on_change")  # and each output kind's keys (:mod:`..outputs.kinds`)
TOP_KEYS = ("defaults", "domains", "workers", "health", "state_file", "agent")


def _owner(check: Checker, m: Map) -> str | None:
    value = m.get("owner")
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) == 12:
        return str(value)  # unquoted in YAML; unambiguous when it has no leading zero
    return check.string(m, "owner", OWNER_RE, 'a 12-digit AWS account ID, quoted ("011122223333")')


def _duration(check: Checker, m: Map) -> int:
    if "duration" not in m:
        return DURATION_MAX
    value = m["duration"]
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok or not (value == 0 or DURATION_MIN <= value <= DURATION_MAX):
        raise check.fail(
            f"duration: expected 0 (as long as the AWS session) or {DURATION_MIN}..{DURATION_MAX} "
            f"seconds, got {shown(value)}",
            m.line_of("duration"),
        )
    duration: int = value  # checked: an int
    return duration


ENDPOINT_URL_RE = re.compile(r"^https?://[^/\s]+(/\S*)?$")
_AUTHORITY = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?://)?([^/?#]*)")
_HOST_PORT = re.compile(r"^(?P<host>\[[^\]]*\]|[^:\[\]]+)(?::(?P<port>[^:]*))?$")


def _endpoint_url(check: Checker, m: Map) -> str | None:
    """An ``http(s)://host[:port][/path]`` URL that botocore can use, without a user or password:
    the URL is shown in logs, ``status`` and the state file (credentials come from the AWS chain)."""
    value = check.string(m, "endpoint_url", expected="an http(s):// URL")
    if value is None:
        return None

    def fail(problem: str) -> ConfigError:
        return check.fail(f"endpoint_url: {problem}", m.line_of("endpoint_url"))

    authority = _AUTHORITY.match(value).group(1)  # type: ignore[union-attr]  # matches any text
    if "@" in authority:  # the value is not shown: it holds a password
        raise fail("holds a user name or password ('user:password@'); give the URL without them")
    if not ENDPOINT_URL_RE.match(value):
        raise fail(f"{shown(value)} is not valid: expected an http(s):// URL")
    host_port = _HOST_PORT.match(authority)
    if host_port is None or (host_port["host"].startswith("[") and not _ipv6(host_port["host"][1:-1])):
        raise fail(f"{shown(value)} has no valid host: expected a name, an IPv4 address or an IPv6 one in [brackets]")
    port = host_port["port"]
    if port is not None and not (port.isdigit() and port.isascii() and 1 <= int(port) <= 65535):
        raise fail(f"{shown(value)} has no valid port: expected a number from 1 to 65535 after the ':'")
    return value


def _ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _hook(check: Checker, m: Map, environ: Mapping[str, str]) -> tuple[str, ...] | None:
    """``on_change``: a command whose program exists and may be run (a name without ``/`` is
    looked up in ``PATH``, as the hook will be)."""
    argv = check.argv(m, "on_change")
    if argv is None:
        return None
    program, problem, found = argv[0], "", None
    if "/" not in program:
        found = shutil.which(program, path=environ.get("PATH", os.defpath))
        if found is None:
            problem = "is not an executable file in PATH; give its full path"
    elif not os.path.exists(program):
        problem = "does not exist"
    elif not os.path.isfile(program) or not os.access(program, os.X_OK):
        problem = "is not an executable file"
    else:
        found = program
    if problem:
        raise check.fail(f"on_change: the program {shown(program)} {problem}", m.line_of("on_change"))
    _trusted_program(check, m, program, Path(found or program))
    return argv


def _trusted_program(check: Checker, m: Map, program: str, found: Path) -> None:
    """Refuse a hook program that someone other than our user or root could change (see :mod:`.trust`)."""
    euid = os.geteuid()
    untrusted = trust.program_problem(found, euid)
    if untrusted is not None:
        where = "" if str(untrusted.target) == program else f" ({untrusted.target})"
        raise check.fail(
            f"on_change: the program {shown(program)}{where} {trust.program_refusal(untrusted, euid)}",
            m.line_of("on_change"),
        )


def _settings(check: Checker, m: Map, environ: Mapping[str, str]) -> dict[str, Any]:
    """The domain settings ``m`` gives, each checked: keyword arguments of :class:`Domain`."""
    settings: dict[str, Any] = {
        "owner": _owner(check, m),
        "region": check.string(m, "region", REGION_RE, "an AWS region such as 'us-east-1'"),
        "profile": check.string(m, "profile", expected="an AWS profile name"),
        "role_arn": check.string(m, "role_arn", ROLE_ARN_RE, "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
        "endpoint_url": _endpoint_url(check, m),
        "endpoint_type": check.string(m, "endpoint_type", ENDPOINT_TYPE_RE, "ipv4 or dualstack"),
    }
    settings = {k: v for k, v in settings.items() if k in m}
    if "duration" in m:
        settings["duration"] = _duration(check, m)
    timing = {
        "refresh_at": check.number(m, "refresh_at", 0.1, 0.95, unit=" (a fraction of the token's lifetime)"),
        "jitter": check.number(m, "jitter", 0, 0.25, unit=" (a fraction of the token's lifetime)"),
        "on_change": _hook(check, m, environ),
        "hook_timeout": check.number(m, "hook_timeout", 1, 3600, unit=" seconds"),
    }
    settings.update({k: v for k, v in timing.items() if k in m})
    return settings


def _mode(check: Checker, m: Map) -> int:
    if "mode" not in m:
        return DEFAULT_MODE
    value = m["mode"]
    try:
        mode = int(value, 8) if isinstance(value, str) else value
    except ValueError:
        mode = None
    if not isinstance(mode, int) or not _good_mode(mode):
        raise check.fail(
            f"mode: expected an octal file mode such as 0600 or 0640 (owner-readable, writable by "
            f"nobody else), got {_shown_mode(value)}",
            m.line_of("mode"),
        )
    return mode


def _good_mode(mode: object) -> bool:
    return isinstance(mode, int) and not isinstance(mode, bool) and not mode & ~0o644 and bool(mode & 0o400)


def _shown_mode(value: object) -> str:
    """A refused mode as the file wrote it. YAML reads ``644`` (no leading 0) as the decimal
    number 644, which is not the octal 0644 meant: that gets the fix spelled out."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 8**8:
        return shown(value)
    digits = str(value)
    if set(digits) <= set("01234567") and _good_mode(int(digits, 8)):
        return f'{digits}, a decimal number in YAML; write 0{digits} or quote it: "0{digits}"'
    return f"{value:04o}"


def _path(check: Checker, m: Map, environ: Mapping[str, str], key: str = "path") -> Path | None:
    value = raw = check.string(m, key, expected="a file path")
    if value is None:
        return None
    if value.startswith("~"):
        value = expand_user(value, environ)
    path = Path(value)
    if not path.is_absolute():
        raise check.fail(
            f"{key}: {shown(value)} is relative; give an absolute path or one starting with ~/", m.line_of(key)
        )
    if ".." in path.parts:
        raise check.fail(f"{key}: {shown(raw)} contains '..'; give the path without it", m.line_of(key))
    if len(value) > 4096:
        raise check.fail(f"{key}: the path is {len(value)} characters long; at most 4096", m.line_of(key))
    return path


def _other_writer_hint(registry: Registry, writer: str) -> Callable[[str], str]:
    def hint(key: str) -> str:
        owners = []
        for name in registry.names():
            try:
                if key in writer_options.names(registry.get(name).Options):
                    owners.append(name)
            except RegistryError:
                continue
        if not owners:
            return ""
        named = owners[0] if len(owners) == 1 else f"{', '.join(owners[:-1])} and {owners[-1]}"
        return f"; {key!r} is an option of the {named} writer{'s' if len(owners) > 1 else ''}, not of {writer}"

    return hint


def _target(check: Checker, registry: Registry, raw: object, line: int, environ: Mapping[str, str]) -> Target:
    t = check.mapping(raw, "each target", line)
    names = ", ".join(registry.names())
    writer = check.string(t, "writer", expected=f"a writer name ({names})")
    if writer is None:
        raise check.fail(f"a target needs 'writer:' (one of: {names})", t.line)
    try:
        cls = registry.get(writer)
    except RegistryError as e:
        raise check.fail(f"writer: {e}", t.line_of("writer")) from None
    option_names = writer_options.names(cls.Options)
    check.keys(
        t, COMMON_TARGET_KEYS + _kind_keys() + option_names, f"a {writer} target", _other_writer_hint(registry, writer)
    )
    repository = check.string(
        t, "repository", REPOSITORY_RE, "a CodeArtifact repository name (2-100 letters, digits, '.', '_', '-')"
    )
    if repository is None:
        raise check.fail(f"the {writer} target needs 'repository:'", t.line)
    for name in writer_options.required(cls.Options):
        if name not in t:
            raise check.fail(f"the {writer} target needs '{name}:' ({_description(cls, name)})", t.line)
    path_roles = writer_options.path_roles(cls.Options)
    options: dict[str, Any] = {}
    for name in option_names:
        if name in path_roles and name in t:
            options[name] = _path(check, t, environ, name)  # not None: the key is there
        elif name in t:
            try:
                options[name] = writer_options.validate(cls.Options, name, t[name])
            except ValueError as e:
                raise check.fail(f"{name}: {e}, got {shown(t[name])}", t.line_of(name)) from None
    kind = _kind(check, t, writer)
    instance = cls(**options)
    try:
        outputs = kind.build(writer, instance, _Fields(check, t, environ))
    except NoDefaultPath as e:
        raise check.fail(f"the {writer} target needs 'path:' ({e})", t.line) from None
    moved = kinds.moved(instance)
    return Target(
        writer,
        repository,
        outputs,
        tuple(sorted(options.items())),
        _hook(check, t, environ),
        t.line,
        tuple(role for role, _ in outputs if role in moved or (role == MAIN and kind.key in t)),
        instance,
    )


def _kind(check: Checker, t: Map, writer: str) -> kinds.Kind:
    """The output kind whose key the target gives (the file kind when it gives none); a second
    kind's key, or another kind's setting, is an error at its line."""
    known = kinds.kinds()
    given = [key for key in t if key in known]
    if len(given) > 1:
        raise check.fail(
            f"{given[1]}: this {writer} target already writes to {given[0]}:; give one of them", t.line_of(given[1])
        )
    kind = known[given[0]] if given else kinds.FILE
    for other in known.values():
        for key in other.settings:
            if key in t and key not in kind.settings:
                raise check.fail(
                    f"{key}: applies to a target written with '{other.key}:', not to one with '{kind.key}:'",
                    t.line_of(key),
                )
    return kind


class _Fields:
    """A target's entry, read for its output kind (:class:`.kinds.Fields`)."""

    def __init__(self, check: Checker, t: Map, environ: Mapping[str, str]) -> None:
        self.check, self.t, self.environ = check, t, environ

    def has(self, key: str) -> bool:
        return key in self.t

    def text(self, key: str, expected: str) -> str | None:
        return self.check.string(self.t, key, expected=expected)

    def path(self, key: str) -> Path | None:
        return _path(self.check, self.t, self.environ, key)

    def boolean(self, key: str, default: bool) -> bool:
        return self.check.boolean(self.t, key, default)

    def mode(self) -> int | None:
        """The config's ``mode:``; None without one: the default policy (a group's read access kept)."""
        return _mode(self.check, self.t) if "mode" in self.t else None

    def fail(self, key: str, message: str) -> ConfigError:
        return self.check.fail(f"{key}: {message}", self.t.line_of(key))


def _kind_keys() -> tuple[str, ...]:
    return tuple(key for kind in kinds.kinds().values() for key in (kind.key, *kind.settings))


def _description(cls: type[Writer[Any]], name: str) -> str:
    field = {f.name: f for f in dataclasses.fields(cls.Options)}[name]
    return field.metadata.get("description") or "a required option"


def _domain(
    check: Checker, registry: Registry, raw: object, line: int, defaults: dict[str, Any], environ: Mapping[str, str]
) -> Domain:
    d = check.mapping(raw, "each entry of 'domains'", line)
    check.keys(d, DOMAIN_KEYS, "a domain")
    name = check.string(d, "domain", DOMAIN_RE, "a CodeArtifact domain name (2-50 lowercase letters, digits and '-')")
    if name is None:
        raise check.fail("each entry of 'domains' needs 'domain:'", d.line)
    targets = d.get("targets")
    if targets is None:  # none: the domain is served through the agent's socket alone
        targets = []
    if not isinstance(targets, list):
        raise check.fail(f"domain {name!r}: 'targets:' should be a list of targets", d.line_of("targets"))
    built = tuple(_target(check, registry, t, d.line_of("targets"), environ) for t in targets)
    return Domain(name, built, **{**defaults, **_settings(check, d, environ)}, line=d.line, source=check.path)


def _no_duplicates(check: Checker, registry: Registry, domains: list[Domain]) -> None:
    seen: dict[tuple[object, ...], int] = {}
    for d in domains:
        key = (d.domain, d.owner, d.session_key)
        if key in seen:
            raise check.fail(
                f"domain {d.domain!r} appears twice (first on line {seen[key]}); list all its targets under one entry",
                d.line,
            )
        seen[key] = d.line
    targets: dict[tuple[object, ...], int] = {}
    # (output key, entry, host key of a shared claim) -> (line, domain)
    owners: dict[tuple[Hashable, str, tuple[Hashable, ...] | None], tuple[int, Domain]] = {}
    host_keys = hosts.HostKeys(domains)  # a host spelled two ways is one host
    whole: dict[Hashable, int] = {}  # output key -> line of a target that owns the whole file
    touched: dict[Hashable, int] = {}  # output key -> line of the first target that writes it
    for d in domains:
        for t in d.targets:
            same = (t.writer, t.output.key, t.options, d.domain, d.owner, d.session_key, t.repository)
            if same in targets:
                raise check.fail(f"this {t.writer} target repeats the one on line {targets[same]}", t.line)
            targets[same] = t.line
            outputs = dict(t.outputs)
            for claim in _writer(registry, t).all_claims():
                out = outputs[claim.role]
                slot = (out.key, claim.entry, host_keys.key(d) if claim.shared else None)
                if claim.entry == WHOLE_FILE and out.key in touched:
                    _conflict(check, t, touched[out.key], claim.entry, out)
                other = owners.get(slot)
                if other is not None and not (claim.shared and other[1] is d):
                    hosts.refuse_spellings(check.fail, t, other, d, out)
                    _conflict(check, t, other[0], claim.entry, out)
                owners[slot] = (t.line, d)
                if claim.entry == WHOLE_FILE:
                    whole[out.key] = t.line
            for _, out in t.outputs:
                if out.key in whole and whole[out.key] != t.line:
                    _conflict(check, t, whole[out.key], WHOLE_FILE, out)
                touched.setdefault(out.key, t.line)


def _writer(registry: Registry, t: Target) -> Writer[Any]:
    return t.instance if t.instance is not None else registry.get(t.writer)(**dict(t.options))


def _conflict(check: Checker, t: Target, line: int, entry: str, where: Output) -> None:
    raise check.fail(
        f"this {t.writer} target and the one on line {line} would both write {entry} in {where.describe()}; "
        "give one of them another path or option",
        t.line,
    )


def parse(path: Path, data: object, registry: Registry, environ: Mapping[str, str] = os.environ) -> Config:
    check = Checker(path)
    if data is None:
        raise check.fail("the config is empty; expected a 'domains:' list", 1)
    top = check.mapping(data, "the config", 1)
    check.keys(top, TOP_KEYS, "the config")
    defaults: dict[str, Any] = {}
    if "defaults" in top:
        d = check.mapping(top["defaults"], "defaults", top.line_of("defaults"))
        check.keys(d, DOMAIN_SETTINGS, "defaults")
        defaults = _settings(check, d, environ)
    raw_domains = top.get("domains")
    if not isinstance(raw_domains, list) or not raw_domains:
        raise check.fail("expected 'domains:', a list of at least one domain", top.line_of("domains"))
    line = top.line_of("domains")
    domains = [_domain(check, registry, d, line, defaults, environ) for d in raw_domains]
    _no_duplicates(check, registry, domains)
    workers = check.number(top, "workers", 1, 256, integer=True)
    return Config(
        path,
        tuple(domains),
        int(workers or WORKERS),
        _health(check, top),
        _path(check, top, environ, "state_file"),
        agent_section.parse(check, top, environ, _path),
    )


def _health(check: Checker, top: Map) -> Health | None:
    if "health" not in top:
        return None
    h = check.mapping(top["health"], "health", top.line_of("health"))
    check.keys(h, ("port", "address"), "health")
    port = check.number(h, "port", 0, 65535, integer=True)
    if port is None:
        raise check.fail("health needs 'port:' (0 picks a free one, shown by `status`)", h.line)
    address = check.string(h, "address", ADDRESS_RE, "an IP address such as 127.0.0.1 or ::1")
    return Health(int(port), address or "127.0.0.1")


def load(
    path: Path | None = None,
    registry: Registry | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Config:
    """Read, parse and validate the config at ``path`` (default: :func:`default_path`).

    A config that anyone but this program's user or root could have written is refused, and so is
    a hook program (see :mod:`.trust`)."""
    path = Path(path) if path is not None else default_path(environ)
    data = yamlfile.read(path, strict_owner=True, environ=environ)
    return parse(path, data, registry or Registry(), environ)
