"""Facts: what ``doctor``'s checks look at, gathered for one *reader* (the user who runs the tools).

The *facts* are the reader's environment (a mapping), their current directory, who they are
(:class:`Reader`), the *files* they see (:class:`FileFacts`: whether a path exists, its owner,
group and mode, its text when they can read it) and the *answers* of the tools they would run
(:class:`Answer`: ``pip config debug``, ``npm config get registry``). The checks are pure functions
of a :class:`Facts`; a test builds one from dictionaries, the command from this machine
(:func:`live`), as the user it runs as or, under ``--as``, as a new login session of another.

Every text read is kept in memory only; the secrets in it are collected (:attr:`Facts.secrets`)
so that no finding can show one.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..outputs import files
from ..platform import accounts
from ..writers.formats import urls

MAX_TEXT = 1 << 20  # bytes of a file read: config files are small
TOOL_TIMEOUT = 20.0  # seconds a tool may take to answer


@dataclass(frozen=True)
class FileFacts:
    """One path as the reader sees it: ``exists`` None when a directory on the way cannot be
    searched; ``text`` None when missing, a directory, or unreadable (``error`` says why)."""

    path: Path
    exists: bool | None
    mode: int = 0
    uid: int = -1
    gid: int = -1
    is_dir: bool = False
    text: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Reader:
    """Who runs the tools: ``groups`` are those of this login session (``os.getgroups()`` and the
    primary group), ``member_of`` those the group database gives them (what a new login gets)."""

    name: str
    uid: int
    gid: int
    groups: frozenset[int]
    member_of: frozenset[int]


@dataclass(frozen=True)
class Answer:
    """What ``program args...`` printed (``output``), or why it gave nothing (``error``)."""

    program: str
    command: str  # as a finding names it: "pip config debug"
    output: str | None = None
    error: str | None = None


Load = Callable[[Path], FileFacts]
Ask = Callable[[Sequence[str], Mapping[str, str], Path], Answer | None]


@dataclass
class Facts:
    environ: Mapping[str, str]
    cwd: Path
    reader: Reader
    load: Load
    ask: Ask
    user_names: Mapping[int, str] = field(default_factory=dict)
    group_names: Mapping[int, str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    _files: dict[Path, FileFacts] = field(default_factory=dict, init=False, repr=False)
    _answers: dict[tuple[str, ...], Answer | None] = field(default_factory=dict, init=False, repr=False)

    @property
    def home(self) -> Path:
        return Path(self.environ.get("HOME") or "/")

    def file(self, path: Path, finder: Callable[[str], Iterable[str]] | None = None) -> FileFacts:
        """``path`` as the reader sees it (looked at once); ``finder`` names the secrets its text
        holds, which join :attr:`secrets` (URL userinfo always does)."""
        path = Path(path)
        if path not in self._files:
            self._files[path] = self.load(path)
        found = self._files[path]
        if found.text is not None:
            self.keep_secrets(urls.secrets(found.text))
            if finder is not None:
                self.keep_secrets(_safely(finder, found.text))
        return found

    def text(self, path: Path, finder: Callable[[str], Iterable[str]] | None = None) -> str | None:
        return self.file(path, finder).text

    def exists(self, path: Path) -> bool:
        return bool(self.file(path).exists)

    def answer(self, *argv: str) -> Answer | None:
        """What the reader's ``argv[0]`` (found on their ``PATH``) prints; None when not installed."""
        if argv not in self._answers:
            self._answers[argv] = self.ask(argv, self.environ, self.cwd)
        found = self._answers[argv]
        if found is not None and found.output:
            self.keep_secrets(urls.secrets(found.output))
        return found

    def keep_secrets(self, values: Iterable[str]) -> None:
        self.secrets.update(v for v in values if v)

    def user_name(self, uid: int) -> str:
        return self.user_names.get(uid) or accounts.user_name(uid)

    def group_name(self, gid: int) -> str:
        return self.group_names.get(gid) or accounts.group_name(gid)


def _safely(finder: Callable[[str], Iterable[str]], text: str) -> list[str]:
    """A writer's secret finder on text it may not parse: what it finds, or nothing."""
    try:
        return [str(s) for s in finder(text)]
    except Exception:  # a finder of one format given a file of another shape
        return []


def read_path(path: Path) -> FileFacts:
    """``path`` on this machine, as this process sees it (symlinks followed, as the tools follow them)."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return FileFacts(path, exists=False)
    except OSError as e:
        return FileFacts(path, exists=None, error=e.strerror)
    mode, uid, gid = stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid
    if stat.S_ISDIR(st.st_mode):
        return FileFacts(path, True, mode, uid, gid, is_dir=True)
    try:  # as targets are read: a FIFO or a device at the path cannot hang us
        data = files.read_regular(path, MAX_TEXT - 1, follow=True)[0]
    except files.NotRegularFile as e:
        return FileFacts(path, True, mode, uid, gid, error=f"{e.kind}, not a regular file")
    except OSError as e:
        return FileFacts(path, True, mode, uid, gid, error=e.strerror)
    return FileFacts(path, True, mode, uid, gid, text=data.decode("utf-8", "replace"))


def run_tool(argv: Sequence[str], environ: Mapping[str, str], cwd: Path) -> Answer | None:
    """``argv`` with the reader's environment, in their directory, with a timeout; None when
    ``argv[0]`` is not on their ``PATH``."""
    program = shutil.which(argv[0], path=environ.get("PATH", os.defpath))
    if program is None:
        return None
    command = " ".join(argv)
    try:
        done = subprocess.run(  # noqa: S603 - our doctor's own queries (npm config get ...), run as the reader would
            [program, *argv[1:]],
            env=dict(environ),
            cwd=cwd if cwd.is_dir() else "/",
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TOOL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return Answer(program, command, error=f"no answer within {TOOL_TIMEOUT:.0f} s")
    except OSError as e:
        return Answer(program, command, error=e.strerror or type(e).__name__)
    if done.returncode != 0:
        return Answer(program, command, error=f"exit status {done.returncode}")
    return Answer(program, command, output=done.stdout)


def this_reader() -> Reader:
    """The user this process runs as, with this session's groups and the group database's."""
    uid, gid = os.geteuid(), os.getegid()
    try:
        name = pwd.getpwuid(uid).pw_name
        member_of = frozenset(os.getgrouplist(name, pwd.getpwuid(uid).pw_gid))
    except KeyError:  # a uid without a passwd entry (a container's numeric user)
        name, member_of = f"uid {uid}", frozenset({gid})
    return Reader(name, uid, gid, frozenset({gid, *os.getgroups()}), member_of)


def live(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Facts:
    """Facts of this machine for this process's user."""
    environ = dict(os.environ) if environ is None else environ
    return Facts(environ, cwd or Path.cwd(), this_reader(), read_path, run_tool)
