"""Yarn Berry (2+): does Yarn read the ``.yarnrc.yml`` a ``yarn`` target writes, and take the
registry and the token from it?

Yarn reads the *home rc file* (``~/.yarnrc.yml``, or the name ``YARN_RC_FILENAME`` gives) and the
rc file of every folder from the current one up, nearer ones winning; ``YARN_*`` variables outrank
every file (``YARN_NPM_REGISTRY_SERVER`` is ``npmRegistryServer``). A project rc file that sets the
target's registry server, or an ``npmRegistries`` entry with a token for its repository, wins over
the home file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...writers.formats import urls
from ...writers.yarn import Writer as YarnWriter
from ..facts import Facts
from ..findings import Finding, note, ok, problem, quoted
from ..targets import TargetView


def rc_name(facts: Facts) -> str:
    return next((v for k, v in facts.environ.items() if k.lower() == "yarn_rc_filename" and v), ".yarnrc.yml")


def project_files(facts: Facts) -> list[Path]:
    return [folder / rc_name(facts) for folder in (facts.cwd, *facts.cwd.parents)]


def check(target: TargetView, facts: Facts) -> list[Finding]:
    home_rc, path, who = facts.home / rc_name(facts), target.main, facts.reader.name
    if path == home_rc or path in project_files(facts):
        found = [ok(f"Yarn reads {path} for {who}")]
    else:
        found = [
            problem(
                f"Yarn does not read {path} for {who} (it reads {home_rc} and each {rc_name(facts)} from {facts.cwd} up): "
                f"give {target.where} `path: {home_rc}`"
            )
        ]
    server = next((v for k, v in facts.environ.items() if k.upper() == "YARN_NPM_REGISTRY_SERVER" and v), None)
    if server and not target.option("scope") and not _ours(target, server):
        found.append(
            problem(
                f"YARN_NPM_REGISTRY_SERVER is set ({quoted(server)}), and Yarn uses it instead of {path}'s: unset it"
            )
        )
    for rc in project_files(facts):
        if rc not in (path, home_rc):
            found += _project(target, rc, facts)
    return found


def _ours(target: TargetView, url: str) -> bool:
    return bool(target.endpoint) and urls.same_location(url, str(target.endpoint))


def _project(target: TargetView, rc: Path, facts: Facts) -> list[Finding]:
    import yaml

    text = facts.text(rc, YarnWriter().find_secrets)
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return [note(f"{rc} is not YAML Yarn can read: Yarn stops there")]
    if not isinstance(data, dict):
        return []
    scope = target.option("scope")
    where = _get(data, "npmScopes", scope[1:]) if scope else data
    server = _get(where, "npmRegistryServer")
    found = []
    if isinstance(server, str) and not _ours(target, server):
        what = f"{rc}, read in {facts.cwd}, sets the registry server to {quoted(server)}, which Yarn uses instead of {target.main}'s"
        found.append(problem(f"{what}: remove it, or point it at this repository") if target.configured else note(what))
    for key, entry in (_get(data, "npmRegistries") or {}).items():
        scheme = str(target.endpoint).split(":", 1)[0]
        url = key if "://" in str(key) else f"{scheme}:{key}"
        if target.endpoint and urls.same_location(url, target.endpoint) and _get(entry, "npmAuthToken"):
            found.append(
                problem(
                    f"{rc}, read in {facts.cwd}, holds its own token for this repository, which nobody renews: remove npmRegistries.{key}"
                )
            )
    return found


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node
