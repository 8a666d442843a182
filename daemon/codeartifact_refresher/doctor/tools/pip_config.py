"""pip's configuration as pip reads it (``pip/_internal/configuration.py``), from facts.

pip reads *kinds* of config file, each overriding the one before, key by key (``section.key``):
``global`` (``pip/pip.conf`` under each of ``$XDG_CONFIG_DIRS``, then ``/etc/pip.conf``),
``user`` (``~/.pip/pip.conf``, then ``$XDG_CONFIG_HOME/pip/pip.conf``; skipped when
``PIP_CONFIG_FILE`` names a file that exists), ``site`` (``pip.conf`` in the environment pip runs
in: a virtualenv's own), ``env`` (the ``PIP_CONFIG_FILE`` file); ``PIP_*`` variables override them
all, and ``PIP_CONFIG_FILE=/dev/null`` makes pip read no file at all. For a command (``pip
install``), an option's *setting* is the environment's, else ``[install]``'s from any file, else
``[global]``'s. The files are those ``pip config debug`` lists when the reader's pip answers, else
worked out from the environment. A file pip cannot parse stops every pip command.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ...platform import paths
from ...writers import pip as pip_writer
from ..facts import Facts

KINDS = ("global", "user", "site", "env")  # lowest first
ENV_FILE = "PIP_CONFIG_FILE"
COMMANDS = pip_writer.COMMANDS
_KIND_LINE = re.compile(r"^(env_var|env|global|site|user):\s*$")
_FILE_LINE = re.compile(r"^  (?P<path>\S.*), exists: (True|False)\s*$")


@dataclass(frozen=True)
class Setting:
    value: str
    source: str  # "PIP_INDEX_URL in the environment", "[install] index-url in /etc/pip.conf"
    variable: str | None = None  # the PIP_* variable it comes from, or
    path: Path | None = None  # the file,
    section: str | None = None  # its section
    kind: str | None = None  # and the file's kind


@dataclass(frozen=True)
class PipConfig:
    files: tuple[tuple[str, Path], ...]  # (kind, path) pip reads, lowest first
    how: str  # how the files were learned, for an ok line
    values: dict[str, tuple[str, Path]]  # "section.key" -> (value, file), merged
    variables: dict[str, tuple[str, str]]  # key -> (variable, value), from PIP_* variables
    broken: tuple[tuple[Path, str], ...] = ()  # files pip cannot parse, and why

    def reads(self, path: Path) -> bool:
        return any(p == path for _, p in self.files)

    def setting(self, command: str, key: str) -> Setting | None:
        """What ``pip COMMAND`` takes for ``key``: the environment's, ``[COMMAND]``'s, ``[global]``'s."""
        if key in self.variables:
            variable, value = self.variables[key]
            return Setting(value, f"{variable} in the environment", variable=variable)
        for section in (command, "global"):
            found = self.values.get(f"{section}.{key}")
            if found:
                value, path = found
                return Setting(value, f"[{section}] {key} in {path}", None, path, section, self.kind_of(path))
        return None

    def kind_of(self, path: Path) -> str | None:
        return next((kind for kind, p in self.files if p == path), None)


def normalized(name: str) -> str:
    """pip's option names: ``index_url`` and ``--index-url`` are ``index-url``."""
    name = name.lower().replace("_", "-")
    return name[2:] if name.startswith("--") else name


def read(facts: Facts) -> PipConfig:
    files, how = config_files(facts)
    values: dict[str, tuple[str, Path]] = {}
    broken = []
    for _, path in files:
        text = facts.text(path, pip_writer.Writer().find_secrets)
        if text is None:  # missing or unreadable: pip skips it without a word
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(text, str(path))
        except configparser.Error as e:
            broken.append((path, type(e).__name__))
            continue
        for section in parser.sections():
            values.update({f"{section}.{normalized(k)}": (v, path) for k, v in parser.items(section) if v})
    variables = {
        normalized(name[4:]): (name, value)
        for name, value in facts.environ.items()
        if name.startswith("PIP_") and value and name[4:].lower() not in ("version", "help", "config_file")
    }
    return PipConfig(tuple(files), how, values, variables, tuple(broken))


def config_files(facts: Facts) -> tuple[list[tuple[str, Path]], str]:
    """The files pip reads, lowest first, and how that was learned."""
    answer = facts.answer("pip", "config", "debug") or facts.answer("pip3", "config", "debug")
    if answer is not None and answer.output is not None:
        files, how = _listed(answer.output), f"asked `{answer.command}` ({answer.program})"
    else:
        files = _worked_out(facts)
        why = f"`{answer.command}` failed: {answer.error}" if answer else f"no pip on {facts.reader.name}'s PATH"
        how = f"{why}; worked out from the environment"
    venv = facts.environ.get("VIRTUAL_ENV")
    if venv and ("site", Path(venv) / "pip.conf") not in files:  # the virtualenv the reader activated
        files.append(("site", Path(venv) / "pip.conf"))
    if facts.environ.get(ENV_FILE) == os.devnull:
        return [], f"{how}; PIP_CONFIG_FILE=/dev/null: pip reads no config file"
    return sorted(files, key=lambda f: KINDS.index(f[0])), how


def _listed(output: str) -> list[tuple[str, Path]]:
    files, kind = [], ""
    for line in output.splitlines():
        heading = _KIND_LINE.match(line)
        if heading:
            kind = heading.group(1)
            continue
        listed = _FILE_LINE.match(line)
        if listed and kind in KINDS:
            files.append((kind, Path(listed.group("path"))))
    return files


def _worked_out(facts: Facts) -> list[tuple[str, Path]]:
    environ = facts.environ
    dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [("global", Path(d) / "pip" / "pip.conf") for d in dirs if d] + [("global", Path("/etc/pip.conf"))]
    env_file = environ.get(ENV_FILE)
    if not (env_file and facts.exists(Path(env_file))):
        legacy = paths.home(environ) / ".pip" / "pip.conf"
        files += [("user", legacy), ("user", paths.xdg_config_home(environ) / "pip" / "pip.conf")]
    if env_file:
        files.append(("env", Path(env_file)))
    return files
