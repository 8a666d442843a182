"""pip: does pip read the file a pip target writes, and take its index from it?

The *key* a target owns is ``index-url`` (``index: primary``) or ``extra-index-url`` (``index:
extra``). For each command that takes index options (:data:`.pip_config.COMMANDS`), the setting
pip takes (:meth:`.pip_config.PipConfig.setting`) must come from the target's file, at the
repository's location; anything else wins over it: a ``PIP_*`` variable, a virtualenv's
``pip.conf``, ``PIP_CONFIG_FILE``'s file, a ``[install]`` section in any file. Another source at
the repository's location is fine only without credentials of its own while the token is in netrc
(``credentials: netrc``); one with a token holds a token nobody renews.
"""

from __future__ import annotations

from pathlib import Path

from ...platform import paths
from ...writers.formats import urls
from ..facts import Facts
from ..findings import Finding, note, ok, problem, quoted
from ..targets import TargetView
from . import pip_config
from .pip_config import ENV_FILE, PipConfig, Setting

TRUE = ("1", "true", "yes", "on")


def check(target: TargetView, facts: Facts) -> list[Finding]:
    config = pip_config.read(facts)
    found = [problem(f"pip cannot parse {path} ({why}) and stops every command: fix it") for path, why in config.broken]
    found += _reads(target, config, facts)
    if not target.configured:
        found += _no_index(config) + _variables(config)
    elif config.reads(target.main) and facts.text(target.main) is not None:  # else the readability check says why
        found += _no_index(config) + _index(target, config, facts.reader.name)
    return found


def _reads(target: TargetView, config: PipConfig, facts: Facts) -> list[Finding]:
    path, who, env_file = target.main, facts.reader.name, facts.environ.get(ENV_FILE)
    if config.reads(path):
        return [ok(f"pip reads {path} for {who} ({config.how})")]
    if env_file == "/dev/null":
        return [
            problem(
                f"PIP_CONFIG_FILE=/dev/null in {who}'s environment: pip reads no config file, not {path}: unset it, or set PIP_CONFIG_FILE={path}"
            )
        ]
    if env_file and path in _user_files(facts):
        return [
            problem(
                f"PIP_CONFIG_FILE is set to {env_file} in {who}'s environment, and pip reads that file instead of {path}: "
                f"unset it, or give {target.where} `path: {env_file}`"
            )
        ]
    read = ", ".join(str(p) for _, p in config.files if facts.exists(p)) or "none"
    return [
        problem(
            f"pip does not read {path} for {who} (it reads: {read}): set PIP_CONFIG_FILE={path} in {who}'s login "
            f"environment (a file in /etc/profile.d/ on a build host), or give {target.where} the path pip reads"
        )
    ]


def _user_files(facts: Facts) -> list[Path]:
    return [paths.home(facts.environ) / ".pip" / "pip.conf", paths.xdg_config_home(facts.environ) / "pip" / "pip.conf"]


def _no_index(config: PipConfig) -> list[Finding]:
    found = config.setting("install", "no-index")
    if found and found.value.lower() in TRUE:
        return [problem(f"pip ignores every index: no-index is set ({found.source}): remove it")]
    return []


def _variables(config: PipConfig) -> list[Finding]:
    """Without a config: the variables that override whatever file pip reads."""
    return [
        note(f"{variable} is set ({quoted(value)}): pip uses it instead of any file's {key}")
        for key, (variable, value) in config.variables.items()
        if key in ("index-url", "extra-index-url")
    ]


def _index(target: TargetView, config: PipConfig, who: str) -> list[Finding]:
    key = "index-url" if target.option("index", "primary") == "primary" else "extra-index-url"
    wrong: dict[str, tuple[Setting | None, list[str]]] = {}
    for command in pip_config.COMMANDS:
        setting = config.setting(command, key)
        if not _fine(target, key, setting):
            wrong.setdefault(setting.source if setting else "", (setting, []))[1].append(command)
    if not wrong:
        return [ok(f"pip takes {key} from {target.main} for every command")]
    return [_shadowed(target, key, setting, commands, who) for setting, commands in wrong.values()]


def _fine(target: TargetView, key: str, setting: Setting | None) -> bool:
    if setting is None:
        return False
    words = setting.value.split() if key == "extra-index-url" else [setting.value]
    ours = [w for w in words if target.endpoint is None or urls.same_location(w, _index_url(target.endpoint))]
    if setting.path == target.main:
        return bool(ours)
    netrc = target.option("credentials", "url") == "netrc"
    return bool(ours) and netrc and not urls.secrets(ours[0])


def _index_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/simple/"


def _shadowed(target: TargetView, key: str, setting: Setting | None, commands: list[str], who: str) -> Finding:
    which = "pip" if len(commands) == len(pip_config.COMMANDS) else "pip " + ", ".join(commands)
    path, advice = target.main, _advice(target, key, setting) if setting else ""
    if setting is None:
        return problem(f"{path} has no {key}, so {which} takes none from it: run `codeartifact-refresher refresh`")
    if target.endpoint is None:
        what = "not the target's file"
    elif any(urls.same_location(w, _index_url(target.endpoint)) for w in setting.value.split()):
        ours = [w for w in setting.value.split() if urls.same_location(w, _index_url(target.endpoint))]
        with_token = bool(urls.secrets(" ".join(ours)))
        what = f"this repository {'with credentials of its own, which nobody renews' if with_token else 'without the token'}"
    else:
        what = "another index" if key == "index-url" else "a list without this repository"
    value = quoted(setting.value)
    if setting.variable:
        return problem(
            f"{setting.variable} is set in {who}'s environment ({value}: {what}), and {which} uses it instead of "
            f"{path}'s {key}: {advice}"
        )
    return problem(f"{which} takes {key} from {setting.source} ({value}: {what}) instead of {path}: {advice}")


def _advice(target: TargetView, key: str, setting: Setting) -> str:
    if setting.variable:
        return "unset it (look in the shell's startup files and /etc/profile.d/)"
    entry = f"[{setting.section}] {key}"
    if setting.kind == "site":
        return f"remove {entry} from that virtualenv's own pip.conf (it overrides the user's), or give {target.where} `path: {setting.path}`"
    return f"remove {entry} from {setting.path}, or point it at this repository"
