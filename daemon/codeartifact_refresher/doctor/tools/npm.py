"""npm, pnpm and Yarn 1: does the tool read the ``.npmrc`` a target writes, and take the registry
and the token from it?

npm's *layers*, lowest first (``@npmcli/config``): its global ``npmrc``, the *user* file
(``~/.npmrc``, or the one ``npm_config_userconfig`` names), the *project* file (``.npmrc`` in the
project root: the nearest folder up from the current one holding ``package.json`` or
``node_modules``, else the current folder), then ``npm_config_*`` variables, whose names npm reads
without case (``NPM_CONFIG_REGISTRY`` is ``registry``). Yarn 1 reads the ``.npmrc`` of every folder
from the current one up. A later layer that sets the target's *registry key* (``registry`` or
``@scope:registry``) or an *auth line* for its repository (``//host/path/:_authToken``) wins. When
npm is installed, ``npm config get KEY`` says what npm takes, for real.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from ...writers.formats import urls
from ...writers.formats.npmrc import NpmrcDocument
from ...writers.npm import Writer as NpmWriter
from ..facts import Facts
from ..findings import Finding, failed, note, ok, problem, quoted
from ..targets import TargetView

PREFIX = "npm_config_"
PROJECT_MARKERS = ("package.json", "node_modules")


def variables(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """npm's key -> (variable, value) for each ``npm_config_*`` variable, as npm names the key."""
    found = {}
    for name, value in environ.items():
        if not name.lower().startswith(PREFIX) or value == "":
            continue
        key = name[len(PREFIX) :]
        if not key.startswith("//"):  # npm leaves nerf-darted keys alone
            key = key[:1] + key[1:].replace("_", "-")
            key = key.lower()
        found[key] = (name, value)
    return found


def user_file(facts: Facts) -> Path:
    given = variables(facts.environ).get("userconfig")
    return facts.cwd / Path(given[1]).expanduser() if given else facts.home / ".npmrc"


def project_files(facts: Facts, every_parent: bool = False) -> list[Path]:
    """The project ``.npmrc`` npm reads (``every_parent``: each folder's, as Yarn 1 reads them)."""
    folders = [facts.cwd, *facts.cwd.parents]
    if every_parent:
        return [folder / ".npmrc" for folder in folders]
    root = next((f for f in folders if any(facts.exists(f / m) for m in PROJECT_MARKERS)), facts.cwd)
    return [root / ".npmrc"]


def top_items(text: str) -> Iterator[tuple[str, str]]:
    """The ``key=value`` pairs before the first ``[section]``: what npm reads as settings."""
    try:
        doc = NpmrcDocument(text)
    except Exception:  # text npm's ini parser would read somehow; nothing of ours to find in it
        return
    yield from NpmrcDocument("".join(doc.lines[: doc.top_end])).items()


def auth_location(key: str, endpoint: str) -> bool:
    """Whether ``key`` is an auth line (``//host/path/:_authToken``, ``:_auth``, ``:_password``)
    for ``endpoint``'s repository, however its host is spelled."""
    if not key.startswith("//") or ":" not in key[2:]:
        return False
    where, _, name = key.rpartition(":")
    scheme = endpoint.split(":", 1)[0]
    return name.lower() in ("_authtoken", "_auth", "_password") and urls.same_location(f"{scheme}:{where}", endpoint)


def registry_key(target: TargetView) -> str:
    scope = target.option("scope")
    return f"{scope}:registry" if scope else "registry"


def check(target: TargetView, facts: Facts) -> list[Finding]:
    found = _reads(target, facts)
    found += _variables(target, facts)
    for path in project_files(facts, every_parent=target.writer == "yarn-classic"):
        if path not in (target.main, user_file(facts)):
            found += _project(target, path, facts)
    return found + _asked(target, facts, found)


def _reads(target: TargetView, facts: Facts) -> list[Finding]:
    path, who, user = target.main, facts.reader.name, user_file(facts)
    tool = "Yarn 1" if target.writer == "yarn-classic" else target.writer
    if path == user:
        return [ok(f"{tool} reads {path} for {who}")]
    if path != facts.home / ".npmrc" and path in project_files(facts, every_parent=target.writer == "yarn-classic"):
        return [ok(f"{tool} reads {path} for {who} in {facts.cwd} (as the project's .npmrc)")]
    given = variables(facts.environ).get("userconfig")
    if given:
        return [
            problem(
                f"{given[0]} is set to {given[1]} in {who}'s environment, and {tool} reads that file instead of "
                f"{path}: unset it, or give {target.where} `path: {given[1]}`"
            )
        ]
    return [
        problem(
            f"{tool} does not read {path} for {who} (its user file is {user}): set NPM_CONFIG_USERCONFIG={path} in "
            f"{who}'s login environment (a file in /etc/profile.d/ on a build host), or give {target.where} `path: ~/.npmrc`"
        )
    ]


def _variables(target: TargetView, facts: Facts) -> list[Finding]:
    key, found = registry_key(target), []
    for name, (variable, value) in variables(facts.environ).items():
        if name == key and not (target.endpoint and urls.same_location(value, target.endpoint)):
            text = f"{variable} is set in {facts.reader.name}'s environment ({quoted(value)}), and npm uses it instead of {target.main}'s {key}"
            advice = "unset it (look in the shell's startup files and /etc/profile.d/)"
            found.append(problem(f"{text}: {advice}") if target.configured else note(text))
        elif target.endpoint and auth_location(name, target.endpoint):
            found.append(
                problem(
                    f"{variable} in {facts.reader.name}'s environment holds a token for this repository that nobody "
                    f"renews, and npm uses it instead of {target.main}'s: unset it"
                )
            )
    return found


def _project(target: TargetView, path: Path, facts: Facts) -> list[Finding]:
    text = facts.text(path, NpmWriter().find_secrets)
    if text is None:
        return []
    key, found = registry_key(target), []
    for name, value in top_items(text):
        if name == key and not (target.endpoint and urls.same_location(value, target.endpoint)):
            what = f"{path}, a project .npmrc read in {facts.cwd}, sets {key}={quoted(value)}, which npm uses instead of {target.main}'s"
            found.append(
                problem(f"{what}: remove it, or point it at this repository") if target.configured else note(what)
            )
        elif target.endpoint and auth_location(name, target.endpoint):
            found.append(
                problem(
                    f"{path}, a project .npmrc read in {facts.cwd}, holds its own token for this repository ({name}), "
                    f"which nobody renews and npm uses instead of {target.main}'s: remove that line"
                )
            )
    return found


def _asked(target: TargetView, facts: Facts, found: list[Finding]) -> list[Finding]:
    key = registry_key(target)
    answer = facts.answer("npm", "config", "get", key)
    if answer is None:
        return [ok(f"npm is not on {facts.reader.name}'s PATH: not asked")]
    if answer.output is None:
        return [note(f"`{answer.command}` gave no answer ({answer.error})")]
    value = answer.output.strip()
    asked = f"`{answer.command}` in {facts.cwd} answers {quoted(value)}"
    if not target.endpoint or urls.same_location(value, target.endpoint):
        return [ok(f"{asked}{', this repository' if target.endpoint else ''}")]
    if failed(found):
        return [note(f"{asked} (see above)")]
    return [
        problem(f"{asked}, not this repository: run `npm config ls -l` there to see which file or variable sets it")
    ]
