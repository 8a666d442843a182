"""``--as USER``: the file checks as a new login session of USER would see them.

A *login* is what a new session of the user gets: their uid, their groups from the group database
(``os.getgrouplist``), their HOME, and the environment their login shell builds (``runuser -l
USER -c 'env -0'``, which runs ``/etc/profile`` and ``/etc/profile.d/*``, where a build host sets
``PIP_CONFIG_FILE``). The checks run in a *child*: a process forked from this one that drops root's
privileges to exactly that, waits for the repository endpoints the parent finds (the AWS checks
stay the caller's), and sends its findings back through a pipe, redacted. The child is forked
before the AWS checks start any thread, and needs no module the parent has not imported (the user
may not be allowed to read this program's files).

The child runs the user's own programs (``pip`` and ``npm`` from their login ``PATH``): before it
becomes the user it *leaves root's terminal*, in a session of its own with no controlling terminal
and its standard streams on ``/dev/null``, so nothing it runs can open ``/dev/tty`` to push
keystrokes into root's shell (``TIOCSTI``) or read what root types next. The login shell is
started the same way.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # noqa: F401 - imported for the child (the Yarn checks read YAML)

from ..errors import ConfigError, Error
from . import local
from .facts import Facts, Reader, read_path, run_tool
from .findings import PROBLEM, Finding, redacted
from .targets import TargetView

MARK = b"codeartifact-refresher-doctor\0"
TIMEOUT = 30.0  # seconds a login shell may take to print its environment


@dataclass(frozen=True)
class Login:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    environ: dict[str, str]
    how: str  # how the environment was had, for an ok line

    @property
    def home(self) -> Path:
        return Path(self.environ.get("HOME") or "/")


def login(name: str) -> Login:
    """What a new login session of ``name`` gets; only root may ask."""
    if os.geteuid() != 0:
        raise ConfigError(f"--as {name} needs root: it becomes {name} to look (run it with sudo)")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ConfigError(f"--as {name}: there is no such user") from None
    environ, how = login_environment(name)
    environ.setdefault("HOME", entry.pw_dir)
    return Login(name, entry.pw_uid, entry.pw_gid, tuple(os.getgrouplist(name, entry.pw_gid)), environ, how)


def login_environment(name: str) -> tuple[dict[str, str], str]:
    """The environment ``name``'s login shell builds (``/bin/sh`` when theirs refuses, as
    ``nologin`` does), and which shell built it."""
    failure = ""
    for shell in (None, "/bin/sh"):
        argv = [
            "runuser",
            "-l",
            name,
            *(["-s", shell] if shell else []),
            "-c",
            "printf 'codeartifact-refresher-doctor\\000'; env -0",
        ]
        try:
            done = subprocess.run(  # noqa: S603 - su with a user name looked up in passwd and our fixed script
                argv, capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            failure = str(e)
            continue
        if done.returncode == 0 and MARK in done.stdout:
            how = f"{name}'s login shell" if shell is None else f"{shell} as {name}'s login shell (theirs refused)"
            return parse_environment(done.stdout.split(MARK, 1)[1]), how
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        failure = said[-1] if said else f"exit status {done.returncode}"
    raise Error(f"--as {name}: cannot start a login shell for {name} (`runuser -l {name}`): {failure}")


def parse_environment(output: bytes) -> dict[str, str]:
    """``env -0``'s output as a mapping."""
    pairs = (entry.decode("utf-8", "replace").partition("=") for entry in output.split(b"\0") if b"=" in entry)
    return {name: value for name, _, value in pairs if name}


class Child:
    """The forked child's end as the parent holds it."""

    def __init__(self, user: Login, pid: int, to_child: int, from_child: int) -> None:
        self.user, self.pid, self.to_child, self.from_child = user, pid, to_child, from_child

    def finish(self, views: list[TargetView]) -> list[Finding]:
        """Send the endpoints of ``views``; the child's findings."""
        with os.fdopen(self.to_child, "w") as out:
            json.dump([v.endpoint for v in views], out)
        with os.fdopen(self.from_child) as answer:
            data = answer.read()
        status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        try:
            sent = json.loads(data)
        except ValueError:
            sent = {}
        if isinstance(sent, dict) and isinstance(sent.get("findings"), list):
            return [Finding(str(level), str(text)) for level, text in sent["findings"]]
        why = sent.get("error") if isinstance(sent, dict) and sent.get("error") else f"exit status {status}"
        return [Finding(PROBLEM, f"the checks as {self.user.name} failed ({why}): please report this bug")]


def start(user: Login, views: list[TargetView]) -> Child:
    """Fork the child that runs the file checks of ``views`` as ``user``."""
    inbox, to_child = os.pipe()
    from_child, outbox = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected; its findings are tested
        os.close(to_child)
        os.close(from_child)
        _child(user, views, inbox, outbox)
    os.close(inbox)
    os.close(outbox)
    return Child(user, pid, to_child, from_child)


def leave_terminal() -> None:
    """This process in a session of its own, without a controlling terminal, its standard streams
    on ``/dev/null`` (see the module's docstring)."""
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)


def _child(user: Login, views: list[TargetView], inbox: int, outbox: int) -> None:  # pragma: no cover
    code, secrets = 1, set()
    try:
        leave_terminal()
        os.setgroups(list(user.groups))
        os.setgid(user.gid)
        os.setuid(user.uid)
        with os.fdopen(inbox) as received:
            endpoints = json.load(received)
        views = [v.with_endpoint(e) for v, e in zip(views, endpoints, strict=True)]
        reader = Reader(user.name, user.uid, user.gid, frozenset({user.gid, *os.getgroups()}), frozenset(user.groups))
        facts = Facts(user.environ, Path(user.environ.get("PWD") or user.home), reader, read_path, run_tool)
        found = local.check(views, facts)
        secrets = facts.secrets
        payload: dict[str, Any] = {"findings": [(f.level, redacted(f.text, secrets)) for f in found]}
        code = 0
    except BaseException as e:  # the parent says it failed; the child never returns into the caller's code
        payload = {"error": redacted(f"{type(e).__name__}: {e}", secrets)}
    try:
        with os.fdopen(outbox, "w") as out:
            json.dump(payload, out)
    finally:
        os._exit(code)
