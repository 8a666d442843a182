"""The commands, one module each, found through :data:`COMMANDS` (as pip's ``commands/``).

Each module has ``add_arguments(parser)`` and ``run(args, clock) -> int`` (an exit status); the
module is imported only when its command runs, so ``check`` never loads botocore or APScheduler.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import NamedTuple, Protocol


class CommandInfo(NamedTuple):
    module: str
    summary: str


COMMANDS: dict[str, CommandInfo] = {
    "init": CommandInfo("init", "write a config for the CodeArtifact repositories your tools' files already name"),
    "login": CommandInfo(
        "login", "aws codeartifact login's flags, through our writers (taking over what it left); --keep-fresh for good"
    ),
    "refresh": CommandInfo("refresh", "refresh every domain once and exit"),
    "check": CommandInfo("check", "validate the config and exit"),
    "status": CommandInfo(
        "status", "show each domain's token expiry, next refresh and last result; exit 1 when one is expired or failing"
    ),
    "run": CommandInfo("run", "the daemon: refresh every domain before its token expires, until stopped"),
    "exec": CommandInfo(
        "exec_", "run a command with a domain's fresh token and tool variables in its environment (-- CMD ...)"
    ),
    "get-token": CommandInfo(
        "get_token", "print a domain's token: from the running daemon's cache, else fetched directly"
    ),
    "wait": CommandInfo("wait", "wait until every target holds a live token (exit 1 on --timeout, default 60 s)"),
    "probe": CommandInfo(
        "probe", "ask the running daemon's /livez (or /readyz, /healthz): exit 0 on 200, for HEALTHCHECK"
    ),
    "doctor": CommandInfo(
        "doctor", "explain why a client gets 401, 403 or a package from the wrong place; exit 1 on a problem"
    ),
    "install-service": CommandInfo(
        "install_service", "install the daemon as a service (systemd user unit or launchd agent; --system: build host)"
    ),
    "uninstall-service": CommandInfo("uninstall_service", "stop and remove what install-service installed"),
    "writers": CommandInfo("writers", "list the installed writers: format, default path and origin"),
    "demo": CommandInfo("demo", "refresh against a built-in local CodeArtifact stand-in and pip install through it"),
    "standin": CommandInfo("standin", "serve a local CodeArtifact stand-in (no AWS account needed) until Ctrl-C"),
    "completion": CommandInfo("completion", "print the shell completion script for bash, zsh or fish"),
}


class Command(Protocol):
    """What a command's module provides (a module satisfies a protocol through its functions)."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, clock: Callable[[], float]) -> int: ...


def load(name: str) -> Command:
    module: Command = importlib.import_module(f"{__name__}.{COMMANDS[name].module}")
    return module
