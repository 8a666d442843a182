"""A diagnosis: every check ``doctor`` makes, in order, as findings the command prints.

The AWS checks (:mod:`.aws`) run as the caller (on the system service's config, with the
service's environment file: :mod:`.service_env`). The file checks (:mod:`.local`) run for the
*reader*: the caller, or under ``--as`` a forked child that became that user (:mod:`.as_user`),
forked before the AWS checks start any thread. A repository endpoint the AWS checks could not
find comes from the state file when an earlier refresh recorded one. Without a config, one finding
says so and the file checks look at the files pip, npm and twine read by default.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import config as configuration
from ..config import Config, Domain
from ..platform.accounts import group_name
from ..writers.registry import Registry
from . import agent, aws, local, service_env, targets
from .facts import live
from .findings import Finding, failed, note, ok, problem, render
from .targets import TargetView


@dataclass
class Diagnosis:
    findings: list[Finding]
    secrets: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        return render(self.findings, self.secrets)

    @property
    def failed(self) -> bool:
        return failed(self.findings)


def diagnose(path: str | None, user: str | None, clock: Callable[[], float]) -> Diagnosis:
    """Every check, for the config at ``path`` (None: the default one), the files read by ``user``
    (None: the caller)."""
    from . import as_user

    login = as_user.login(user) if user else None  # refused first when the caller is not root
    registry = Registry()
    cfg, found = _config(path, registry)
    pairs = targets.from_config(cfg, registry) if cfg else []
    views = [v for _, v in pairs] or targets.defaults(registry, login.environ if login else os.environ)
    child = as_user.start(login, views) if login else None
    try:
        aws_found, views = _aws(cfg, pairs, clock) if cfg else ([], views)
    except BaseException:
        if child is not None:
            child.finish(views)  # the child ends; the error goes on
        raise
    if child is not None and login is not None:
        groups = ", ".join(group_name(g) for g in login.groups)
        ran = (
            f"the file checks below ran as {login.name} (uid {login.uid}, groups {groups}, environment of {login.how})"
        )
        return Diagnosis([*found, *aws_found, ok(ran), *child.finish(views)])
    facts = live()
    return Diagnosis(found + aws_found + local.check(views, facts), facts.secrets)


def _config(path: str | None, registry: Registry) -> tuple[Config | None, list[Finding]]:
    """The config, or None and the finding that says there is none (an explicit ``--config``
    that is missing or any bad config is an error: exit 2)."""
    where = configuration.default_path() if path is None else Path(path)
    if path is None and not where.exists():
        return None, [
            problem(
                f"no config ({where} does not exist, nor {configuration.locations.SYSTEM_PATH}): write one with "
                "`codeartifact-refresher init`, or `codeartifact-refresher login --tool pip --domain D --repository R "
                "--keep-fresh`; below, the files pip, npm and twine read by default"
            )
        ]
    cfg = configuration.load(Path(path) if path else None, registry)
    found = [
        ok(f"config {cfg.path}: {len(cfg.domains)} domain(s), {sum(len(d.targets) for d in cfg.domains)} target(s)")
    ]
    found.append(agent.check(cfg))
    for _, view in targets.from_config(cfg, registry):
        found += [
            note(
                f"{view.where} writes {here}, where {' and '.join(names)} {'puts' if len(names) == 1 else 'put'} its tool's file here; a "
                f"process without them (the service?) writes {there}: give the target its `path:` to write one file"
            )
            for here, there, names in targets.moved(view, os.environ)
        ]
    return cfg, found


def _aws(
    cfg: Config, pairs: list[tuple[Domain, TargetView]], clock: Callable[[], float]
) -> tuple[list[Finding], list[TargetView]]:
    """The AWS findings, and each target's view with its repository's endpoint (or None); for the
    system service's config, with the service's environment file applied (:mod:`.service_env`)."""
    from ..service.install import layout

    if layout.foreign_system_config(cfg.path):  # a build user: the service's credentials are not theirs
        who = _me()
        return [
            note(
                f"the AWS checks were skipped: {cfg.path} is the system service's config, and its AWS credentials "
                f"are not {who}'s; `sudo codeartifact-refresher doctor --as {who}` runs them with the files as {who} reads them"
            )
        ], [view for _, view in pairs]
    with service_env.applied(cfg) as said:
        found, views = _aws_checks(cfg, pairs, clock)
    return said + found, views


def _me() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _aws_checks(
    cfg: Config, pairs: list[tuple[Domain, TargetView]], clock: Callable[[], float]
) -> tuple[list[Finding], list[TargetView]]:
    from ..aws.tokens import Clients, utc_clock

    clients = Clients(utc_clock(clock), attempts=2, timeouts=(5, 10))
    found: list[Finding] = []
    sessions: dict[tuple[str | None, ...], list[Domain]] = {}
    for domain in cfg.domains:
        sessions.setdefault(domain.session_key, []).append(domain)
    for domains in sessions.values():
        found += aws.session(clients, domains[0], "domain " + ", ".join(d.label for d in domains))
    views = [view for _, view in pairs]
    for domain in cfg.domains:
        said, may = aws.token(clients, domain, aws.server_date)
        found += said
        for index, (owner, view) in enumerate(pairs):
            if owner is domain and may:
                finding, endpoint = aws.repository(clients, domain, view)
                found.append(finding)
                views[index] = view.with_endpoint(endpoint)
    return found + _recorded(cfg, pairs, views), views


def _recorded(cfg: Config, pairs: list[tuple[Domain, TargetView]], views: list[TargetView]) -> list[Finding]:
    """Endpoints an earlier refresh recorded, for the targets AWS gave none (filled into ``views``)."""
    from ..aws.endpoints import state_key
    from ..state import State, default_path

    if all(v.endpoint for v in views):
        return []
    state, found = State.load(default_path(cfg)), []
    for index, (domain, view) in enumerate(pairs):
        fmt = view.instance.repository_format() if view.instance is not None else ""
        known = state.endpoints_of(domain).get(state_key(str(view.repository), fmt))
        if views[index].endpoint is None and known is not None:
            views[index] = view.with_endpoint(known.url)
            found.append(note(f"{view.where}: the file checks use the repository URL an earlier refresh recorded"))
    return found
