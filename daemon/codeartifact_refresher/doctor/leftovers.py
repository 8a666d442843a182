"""Leftovers: entries that make a tool warn, or hold an old token, beside the one a target keeps fresh.

- an ``always-auth`` line in an ``.npmrc``: npm 11 warns about it on every run, and only Yarn 1
  wants it (a ``yarn-classic`` target writes its own, for its repository);
- a repository named twice: pip's ``index-url`` and ``extra-index-url`` both at it, an ``.npmrc``
  auth line for it spelled twice, two ``.pypirc`` sections for it; the other one holds a token
  nobody renews (``aws codeartifact login`` leaves one), and the tool may try it first;
- a netrc file Python's ``netrc`` module cannot parse: requests (so pip and poetry) then ignores
  the *whole* file (``requests.utils.get_netrc_auth`` swallows the error), this repository's
  entry too.
"""

from __future__ import annotations

import configparser
import netrc
import re

from ..writers.formats import urls
from ..writers.npm import Writer as NpmWriter
from .facts import Facts
from .findings import Finding, note, problem
from .targets import TargetView
from .tools import netrc as netrc_tool
from .tools import npm, pip_config

NPM_FAMILY = ("npm", "pnpm", "yarn-classic")
NETRC_READERS = ("pip", "uv", "poetry", "netrc", "swift")


def check(target: TargetView, facts: Facts, views: list[TargetView]) -> list[Finding]:
    found = []
    if target.writer in NPM_FAMILY:
        found += always_auth(target, facts, views)
        found += npm_twice(target, facts) if target.endpoint else []
    elif target.writer == "pip" and target.endpoint:
        found += pip_twice(target, facts)
    elif target.writer == "twine" and target.endpoint:
        found += pypirc_twice(target, facts)
    if target.writer in NETRC_READERS:
        found += unparseable_netrc(target, facts)
    return found


def _token(url: str) -> str | None:
    return next(iter(urls.secrets(url)), None)


def always_auth(target: TargetView, facts: Facts, views: list[TargetView]) -> list[Finding]:
    """Each ``always-auth`` key in the target's file, but the one a Yarn 1 target there writes."""
    wanted = [v.endpoint for v in views if v.writer == "yarn-classic" and v.main == target.main and v.endpoint]
    text = facts.text(target.main, NpmWriter().find_secrets) or ""
    found = []
    for key, _ in npm.top_items(text):
        if key.rpartition(":")[2].lower() != "always-auth":
            continue
        if key.startswith("//") and any(
            urls.same_location(f"{e.split(':')[0]}:{key.rpartition(':')[0]}", e) for e in wanted
        ):
            continue
        found.append(
            problem(
                f'{target.main} has `{key}`, which npm 11 warns about on every run ("Unknown user config"): '
                f"{_dropped_by_refresh(target, key)}"
            )
        )
    return found


def _dropped_by_refresh(target: TargetView, key: str) -> str:
    """What to do about an always-auth line: a refresh drops the global one and the repository's."""
    ours = key in ("always-auth", "always_auth") or (
        target.endpoint is not None and npm.auth_location(key.rpartition(":")[0] + ":_authToken", target.endpoint)
    )
    return "run `codeartifact-refresher refresh` (it drops it), or remove it" if ours else "remove it"


def npm_twice(target: TargetView, facts: Facts) -> list[Finding]:
    """Auth lines for the repository beyond the one npm looks up, with another token."""
    endpoint = str(target.endpoint)
    ours = f"//{urls.host(endpoint)}{urls.location(endpoint)[2]}/:_authToken"
    items = [(k, v) for k, v in npm.top_items(facts.text(target.main) or "") if npm.auth_location(k, endpoint)]
    token = next((v for k, v in items if k == ours), None)
    return [
        problem(
            f"{target.main} spells the auth line for this repository twice: {key} holds another token than {ours}, which npm uses: remove {key}"
        )
        for key, value in items
        if key != ours and value != token
    ]


def pip_twice(target: TargetView, facts: Facts) -> list[Finding]:
    """The repository both as pip's index-url and among its extra-index-url, for some command."""
    config, url = pip_config.read(facts), str(target.endpoint).rstrip("/") + "/simple/"
    primary = target.option("index", "primary") == "primary"
    ours_key, other_key = ("index-url", "extra-index-url") if primary else ("extra-index-url", "index-url")
    found = {}
    for command in pip_config.COMMANDS:
        mine, other = config.setting(command, ours_key), config.setting(command, other_key)
        if mine is None or other is None:
            continue
        at_ours = [w for w in other.value.split() if urls.same_location(w, url)]
        if not at_ours:
            continue
        current = next((_token(w) for w in mine.value.split() if urls.same_location(w, url)), None)
        old = " with another token (an old one nobody renews)" if _token(at_ours[0]) != current else ""
        found[other.source] = problem(
            f"pip has this repository twice: as {ours_key} ({mine.source}) and {_as(other_key)} ({other.source}){old}, "
            f"so pip tries it twice and warns about a 401: {_pip_advice(target, other)}"
        )
    return list(found.values())


def _as(key: str) -> str:
    return f"in {key}" if key == "extra-index-url" else f"as {key}"


def _pip_advice(target: TargetView, other: pip_config.Setting) -> str:
    if other.path == target.main:  # a refresh keeps one entry per repository in the file it writes
        return f"run `codeartifact-refresher refresh` (it keeps one), or remove it from {other.source}"
    return f"remove it from {other.source}"


def pypirc_twice(target: TargetView, facts: Facts) -> list[Finding]:
    """Other ``.pypirc`` sections whose repository is this one."""
    name, text = target.option("name", "codeartifact"), facts.text(target.main) or ""
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    mine = parser.get(name, "password", fallback=None)
    return [
        problem(
            f"{target.main} has two sections for this repository, [{name}] and [{section}]"
            f"{' (with another token, an old one)' if parser.get(section, 'password', fallback=None) != mine else ''}: "
            f"remove [{section}] and its name in index-servers (a refresh does, when the section holds nothing else)"
        )
        for section in parser.sections()
        if section != name and urls.same_location(parser.get(section, "repository", fallback=""), str(target.endpoint))
    ]


def unparseable_netrc(target: TargetView, facts: Facts) -> list[Finding]:
    path = netrc_tool.read_path(facts)
    if facts.text(path) is None:
        return []
    try:
        netrc.netrc(str(path))  # what requests does; the file as the reader sees it
    except netrc.NetrcParseError as e:
        what = re.sub(r"\s*(['\"]).*\1\s*$", "", e.msg)  # the word it stopped at may be a secret
        text = (
            f"Python's netrc module cannot parse {path} (line {e.lineno}: {what}), and requests (pip, poetry) then "
            "ignores the WHOLE file"
        )
        if netrc_tool.netrc_path(target) == path:
            return [problem(f"{text}, this repository's entry too: fix line {e.lineno}")]
        return [note(f"{text}: fix line {e.lineno} if you rely on it")]
    except OSError:
        return []
    return []
