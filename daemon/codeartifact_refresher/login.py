"""``login``: what ``aws codeartifact login`` does, through our writers, and optionally for good.

A *request* is what the AWS CLI's flags ask for (tool, domain, owner, repository, namespace,
duration, region, profile, endpoint URL and type) plus where to write. It becomes a one-domain
config (:func:`as_config`), checked exactly as a config file is, so a login and a config target
write the same files the same way; a flag's mistake is reported by its flag (``--domain-owner:
expected a 12-digit AWS account ID``). *Keeping it fresh* (:func:`keep_fresh`) adds the target to
the user's config (created if missing, every byte of an existing one kept: :mod:`.config.edit`),
checked before it is written, so that the agent refreshes it from then on. A config the agent would
refuse (see :mod:`.config.trust`) is not edited.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from . import config
from .config import Config, Domain, edit, yamlfile
from .errors import ConfigError, RegistryError
from .outputs import files
from .writers import options as writer_options
from .writers.registry import Registry

#: the config keys the flags set, and the flag that sets each (for messages)
FLAGS = {
    "domain": "--domain",
    "owner": "--domain-owner",
    "region": "--region",
    "profile": "--profile",
    "endpoint_url": "--endpoint-url",
    "endpoint_type": "--endpoint-type",
    "duration": "--duration-seconds",
    "writer": "--tool",
    "repository": "--repository",
    "scope": "--namespace",
    "path": "--path",
}
SOURCE = Path("the command line")


@dataclass(frozen=True)
class Request:
    tool: str
    domain: str
    repository: str
    owner: str | None = None
    namespace: str | None = None
    duration: int | None = None
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    endpoint_type: str | None = None
    path: str | None = None


def settings(request: Request, registry: Registry) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the domain entry's settings, the target's), in the order a config writes them; only what
    was asked for. ``--namespace`` becomes the writer's ``scope`` (``@`` added for npm's kin, as
    the AWS CLI adds it)."""
    domain = {
        "domain": request.domain,
        "owner": request.owner,
        "region": request.region,
        "profile": request.profile,
        "endpoint_url": request.endpoint_url,
        "endpoint_type": request.endpoint_type,
        "duration": request.duration,
    }
    target: dict[str, Any] = {"writer": request.tool, "repository": request.repository}
    if request.namespace is not None:
        target["scope"] = _scope(request.tool, request.namespace, registry)
    if request.path is not None:
        target["path"] = request.path
    return {k: v for k, v in domain.items() if v is not None}, target


def _scope(tool: str, namespace: str, registry: Registry) -> str:
    try:
        cls = registry.get(tool)
    except RegistryError as e:
        raise ConfigError(f"--tool: {e}") from None
    if "scope" not in writer_options.names(cls.Options):
        raise ConfigError(f"--namespace is not supported for {tool} (as in the AWS CLI)")
    try:
        return str(writer_options.validate(cls.Options, "scope", namespace))
    except ValueError:
        if namespace.startswith("@"):
            raise
        return f"@{namespace}"  # validated with the rest of the config


def as_config(request: Request, registry: Registry, environ: Mapping[str, str] = os.environ) -> Config:
    """The one-domain config the request stands for, checked as a config file is."""
    domain, target = settings(request, registry)
    text = edit.new_config(domain, target)
    try:
        return config.parse(SOURCE, yamlfile.parse_text(text, SOURCE), registry, environ)
    except ConfigError as e:
        raise ConfigError(_flagged(e.message)) from None


def _flagged(message: str) -> str:
    """A config message about a key, as one about the flag that set it."""
    key = re.match(r"(\w+): ", message)
    if key and key.group(1) in FLAGS:
        return FLAGS[key.group(1)] + message[len(key.group(1)) :]
    for name, flag in FLAGS.items():  # "the pip target needs 'path:' ..." and the like
        message = message.replace(f"'{name}:'", flag)
    return message


def effective(request: Request, region: str | None, environ: Mapping[str, str] = os.environ) -> Request:
    """``request`` with what this shell's AWS variables chose written in: the region botocore
    used, ``AWS_PROFILE`` and botocore's endpoint variables. A service or agent started elsewhere
    does not have them."""
    endpoint = environ.get("AWS_ENDPOINT_URL_CODEARTIFACT") or environ.get("AWS_ENDPOINT_URL")
    return replace(
        request,
        region=request.region or region,
        profile=request.profile or environ.get("AWS_PROFILE") or None,
        endpoint_url=request.endpoint_url or endpoint or None,
    )


def agent_credentials_note(source: str, profile: str | None) -> str | None:
    """What to tell a ``--keep-fresh`` user whose AWS credentials are this shell's variables
    (botocore's ``env`` source): the agent, started by systemd or launchd, does not have them."""
    if source != "env" or profile:
        return None
    return (
        "Note: this shell's AWS credentials are environment variables (AWS_ACCESS_KEY_ID...), which the agent "
        "does not have: log in with --profile PROFILE (a profile in ~/.aws/config: SSO, a role, keys), "
        "or the agent cannot refresh"
    )


def matching_entry(existing: Config, wanted: Domain) -> int | None:
    """The index in ``existing.domains`` of the entry with ``wanted``'s AWS settings, or None."""

    def identity(d: Domain) -> tuple[Any, ...]:
        return (d.domain, d.owner, d.region, d.profile, d.role_arn, d.endpoint_url, d.endpoint_type, d.duration)

    return next((i for i, d in enumerate(existing.domains) if identity(d) == identity(wanted)), None)


def keep_fresh(path: Path, request: Request, registry: Registry, environ: Mapping[str, str] = os.environ) -> str:
    """Add the request's target to the config at ``path`` (creating it); ``"created"``,
    ``"added"`` or ``"already"`` (an equal target is there). The result is loaded and checked before
    it replaces the file; a config that would not load is left as it was, with the reason."""
    as_config(request, registry, environ)  # the flags' mistakes, by flag, before the file is read
    if os.path.lexists(path) and not os.path.islink(path):  # a link: the write refuses it
        # a config this user's agent would refuse (another user's, or theirs to change) is not
        # edited: the rewrite would make their text, hooks and all, this user's own file
        yamlfile.read(path, strict_owner=True, environ=environ)
    domain, target = settings(request, registry)
    outcome = "created"

    def render(text: str | None) -> str:
        nonlocal outcome
        if not text or not text.strip():
            outcome = "created"
            return edit.new_config(domain, target)
        data = yamlfile.parse_text(text, path, environ)
        existing = config.parse(path, data, registry, environ)
        wanted = _in_context(path, data, domain, target, registry, environ)
        index = matching_entry(existing, wanted)
        if index is not None and _has(existing.domains[index], wanted.targets[0]):
            outcome = "already"
            return text
        outcome = "added"
        new = edit.add_target(text, index, domain, target)
        config.parse(path, yamlfile.parse_text(new, path, environ), registry, environ)  # refused if it would not load
        return new

    files.update(path, render, wanted=0o644)  # a config holds no secret; an existing one keeps its mode
    return outcome


def _in_context(
    path: Path,
    data: Any,
    domain: dict[str, Any],
    target: dict[str, Any],
    registry: Registry,
    environ: Mapping[str, str],
) -> Domain:
    """The domain entry the request would be in the config ``data`` holds: its ``defaults`` applied,
    as they would be to an entry added there (so it is matched against the entries with theirs)."""
    defaults = data.get("defaults") if isinstance(data, dict) else None
    mini = {"domains": [{**domain, "targets": [target]}]}
    if isinstance(defaults, dict):
        mini["defaults"] = _plain(defaults)
    text = yaml.safe_dump(mini, sort_keys=False)
    return config.parse(path, yamlfile.parse_text(text, path), registry, environ).domains[0]


def _plain(value: Any) -> Any:
    """YAML data as plain dicts and lists (the loader's line-knowing kinds are subclasses)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _has(domain: Domain, target: Any) -> bool:
    same = ("writer", "repository", "path", "options")
    return any(all(getattr(t, k) == getattr(target, k) for k in same) for t in domain.targets)
