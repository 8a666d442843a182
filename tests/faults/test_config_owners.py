"""Who may write the config and the hook programs, with real users (``useradd``) and real files:
as root, and as an ordinary user in a forked child that has become that user, the config and each
hook's program must be writable by that user or root alone (a sticky directory, root's group or the
user's own private group aside); the messages name users and groups by name, and the fix."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from codeartifact_refresher import config
from codeartifact_refresher.errors import ConfigError

from ..users import group, outcome_as, skip_unless_root, users

pytestmark = skip_unless_root()

TARGET = "    targets:\n      - {writer: pip, repository: pypi-store, path: /nonexistent/pip.conf}\n"


def config_text(hook: str | None = None) -> str:
    hook_line = f"    on_change: [{hook}]\n" if hook else ""
    return f'domains:\n  - domain: acme\n    owner: "111122223333"\n    region: us-east-1\n{hook_line}{TARGET}'


@pytest.fixture(scope="module", autouse=True)
def warm(tmp_path_factory):
    """Load a config once, so that the children (who cannot read our Python's library) have every module."""
    path = tmp_path_factory.mktemp("warm") / "c.yaml"
    path.write_text(config_text("/bin/true"))
    config.load(path)


@pytest.fixture
def people():
    with group("i15-own-g") as builders, users(("i15-own-me", ()), ("i15-own-other", (builders,))) as (me, other):
        yield SimpleNamespace(me=me, other=other, builders=builders)


def loading(path: Path, environ: dict | None = None) -> Callable[[], str]:
    def load() -> str:
        try:
            config.load(path, environ=environ or dict(os.environ))
        except ConfigError as e:
            return str(e)
        return "accepted"

    return load


class As:
    """The user the check runs as: root (this process) or the throw-away ``me`` (a child)."""

    def __init__(self, who: str, people) -> None:
        self.root = who == "root"
        self.me = people.me
        self.name = "root" if self.root else people.me.name
        self.allowed = "root alone" if self.root else f"{self.name} or root alone"
        self.uid = 0 if self.root else people.me.uid
        self.gid = 0 if self.root else people.me.gid

    def load(self, path: Path, environ: dict | None = None) -> str:
        fn = loading(path, environ)
        return fn() if self.root else outcome_as(self.me.uid, self.me.gid, fn)

    def own(self, path: Path, mode: int, gid: int | None = None) -> Path:
        os.chown(path, self.uid, self.gid if gid is None else gid)
        os.chmod(path, mode)
        return path

    def refused(self, path: Path, problem: str, fix: str) -> str:
        return f"{path}: {problem}; running as {self.name}, the config must be writable by {self.allowed} ({fix})"


@pytest.fixture(params=["root", "user"])
def runner(request, people):
    return As(request.param, people)


def written(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_config_another_user_owns_is_refused(shared, people, runner):
    path = written(shared / "c.yaml", config_text())
    shutil.chown(path, people.other.name, people.other.name)
    expected = runner.refused(path, f"is owned by {people.other.name}", f"chown {runner.name}: {path}")
    assert runner.load(path) == expected


def test_a_config_a_foreign_group_can_write_is_refused_naming_the_group(shared, people, runner):
    path = runner.own(written(shared / "c.yaml", config_text()), 0o664, gid=_gid(people.builders))
    expected = runner.refused(path, f"is writable by group {people.builders}", f"chmod g-w {path}")
    assert runner.load(path) == expected


def test_a_config_in_a_directory_another_user_owns_is_refused(shared, people, runner):
    directory = shared / "theirs"
    directory.mkdir(mode=0o755)
    shutil.chown(directory, people.other.name, people.other.name)
    path = runner.own(written(directory / "c.yaml", config_text()), 0o644)
    expected = runner.refused(
        path, f"its directory {directory} is owned by {people.other.name}", f"chown {runner.name}: {directory}"
    )
    assert runner.load(path) == expected


def test_a_hook_program_another_user_can_write_is_refused(shared, people, runner):
    program = shared / "notify"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    shutil.chown(program, people.other.name, people.other.name)
    path = runner.own(written(shared / "c.yaml", config_text(str(program))), 0o644)
    assert runner.load(path) == (
        f"{path}:5: on_change: the program '{program}' is owned by {people.other.name}; running as {runner.name}, "
        f"a hook's program must be writable by {runner.allowed} (chown {runner.name}: {program})"
    )


def test_a_hook_program_found_in_path_through_a_link_is_checked_where_it_lives(shared, people, runner):
    """``notify`` in PATH is a link into a directory a foreign group can write: that directory is named."""
    (shared / "bin").mkdir(mode=0o755)
    real = shared / "real"
    real.mkdir()
    shutil.chown(real, "root", people.builders)
    real.chmod(0o775)
    (real / "notify").write_text("#!/bin/sh\n")
    (real / "notify").chmod(0o755)
    (shared / "bin" / "notify").symlink_to(real / "notify")
    path = runner.own(written(shared / "c.yaml", config_text("notify")), 0o644)
    assert runner.load(path, {"PATH": str(shared / "bin"), "HOME": "/nonexistent"}) == (
        f"{path}:5: on_change: the program 'notify' ({real}) is writable by group {people.builders}; running as "
        f"{runner.name}, a hook's program must be writable by {runner.allowed} (chmod g-w {real})"
    )
    real.chmod(0o755)
    assert runner.load(path, {"PATH": str(shared / "bin"), "HOME": "/nonexistent"}) == "accepted"


@pytest.mark.parametrize("case", ["own file", "root's file", "own private group", "sticky directory"])
def test_what_only_we_or_root_can_write_is_accepted(shared, people, runner, case):
    path = written(shared / "c.yaml", config_text("/bin/true"))
    if case == "own file":
        mine = shared / "mine"
        mine.mkdir(mode=0o755)
        os.chown(mine, runner.uid, runner.gid)
        path = runner.own(written(mine / "c.yaml", config_text("/bin/true")), 0o600)
    elif case == "root's file":
        os.chmod(path, 0o644)
    elif case == "own private group":
        os.chown(path, 0, runner.gid)  # root's file, writable by our own group (root's, or me's private one)
        os.chmod(path, 0o664)
    else:
        shared.chmod(0o1777)
        runner.own(path, 0o600)
    assert runner.load(path) == "accepted"


def _gid(name: str) -> int:
    import grp

    return grp.getgrnam(name).gr_gid


@pytest.fixture
def configmap(shared):
    """A directory like a Kubernetes ConfigMap's: mode 0777, mounted read-only (a real tmpfs)."""
    mount = shared / "configmap"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0777", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_config_on_a_read_only_mount_is_accepted_though_its_directory_says_0777(configmap, people, runner):
    path = written(configmap / "c.yaml", config_text())
    os.chmod(path, 0o666)
    assert "is writable by every user" in runner.load(path)
    subprocess.run(["mount", "-o", "remount,ro", str(configmap)], check=True)
    assert runner.load(path) == "accepted"


def test_a_read_only_mount_does_not_excuse_another_users_file(configmap, people, runner):
    """Only the mode bits are waived: a user's own mount (FUSE) may say read-only while its owner
    changes what it serves."""
    path = written(configmap / "c.yaml", config_text())
    os.chown(path, people.other.uid, people.other.gid)
    subprocess.run(["mount", "-o", "remount,ro", str(configmap)], check=True)
    assert f"is owned by {people.other.name}" in runner.load(path)


def _theirs(directory: Path, people) -> Path:
    directory.mkdir(mode=0o755)
    shutil.chown(directory, people.other.name, people.other.name)
    return directory


def test_a_hook_program_reached_through_a_link_in_another_users_directory_is_refused(shared, people, runner):
    """Our ``notify`` links to a link of theirs that leads to ``/bin/true``: every file on the way is
    root's, but they can point their link elsewhere once the config is accepted."""
    theirs = _theirs(shared / "theirs", people)
    (theirs / "true").symlink_to("/bin/true")
    os.lchown(theirs / "true", people.other.uid, people.other.gid)
    ours = shared / "bin"
    ours.mkdir(mode=0o755)
    (ours / "notify").symlink_to(theirs / "true")
    path = runner.own(written(shared / "c.yaml", config_text(str(ours / "notify"))), 0o644)
    assert runner.load(path) == (
        f"{path}:5: on_change: the program '{ours / 'notify'}' ({theirs}) is owned by {people.other.name}; "
        f"running as {runner.name}, a hook's program must be writable by {runner.allowed} "
        f"(chown {runner.name}: {theirs})"
    )


def test_a_hook_program_in_a_directory_whose_parent_another_user_can_write_is_refused(shared, people, runner):
    """The program and its directory are root's, but the directory above is theirs: they can rename
    ours away and put a directory of theirs with another ``notify`` in its place."""
    tools = _theirs(shared / "tools", people) / "bin"
    tools.mkdir(mode=0o755)
    shutil.copy("/bin/true", tools / "notify")
    path = runner.own(written(shared / "c.yaml", config_text(str(tools / "notify"))), 0o644)
    assert runner.load(path).startswith(
        f"{path}:5: on_change: the program '{tools / 'notify'}' ({tools.parent}) is owned by {people.other.name}; "
    )


def test_a_hook_program_another_user_puts_first_in_path_after_the_load_is_not_run(shared, people, monkeypatch):
    """PATH holds a directory of theirs before a trusted one: the config's ``notify`` was found in
    the trusted one at the load; theirs, made later, would be what a PATH lookup starts now."""
    from codeartifact_refresher import hooks

    theirs, trusted = _theirs(shared / "theirs", people), shared / "trusted"
    trusted.mkdir(mode=0o755)
    ran = shared / "ran"
    for directory in (theirs, trusted):
        (directory / "notify").write_text(f"#!/bin/sh\necho {directory.name} > {ran}\n")
        (directory / "notify").chmod(0o755)
    (theirs / "notify").rename(theirs / "later")
    monkeypatch.setenv("PATH", f"{theirs}:{trusted}:/usr/sbin:/usr/bin:/sbin:/bin")  # userdel, for the clean-up
    path = written(shared / "c.yaml", config_text("notify"))
    domain = config.load(path).domains[0]  # accepted: notify is the trusted one
    (theirs / "later").rename(theirs / "notify")
    shutil.chown(theirs / "notify", people.other.name, people.other.name)

    assert domain.on_change is not None
    failure = hooks.run(domain.on_change, 10, hooks.environment(domain, None, []), "acme", hooks.Running())
    assert failure == (
        f"hook notify: not run: its program {theirs / 'notify'} ({theirs}) is owned by {people.other.name}; running "
        f"as root, a hook's program must be writable by root alone (chown root: {theirs})"
    )
    assert not ran.exists()
    (theirs / "notify").unlink()
    assert hooks.run(domain.on_change, 10, hooks.environment(domain, None, []), "acme", hooks.Running()) is None
    assert ran.read_text() == "trusted\n"


def test_login_keep_fresh_does_not_make_another_users_config_its_own(shared, people):
    """A config in my directory that another user owns: the agent refuses it; ``login --keep-fresh``
    must not rewrite it into a file of mine (their text, hooks and all, which the agent would then run)."""
    from codeartifact_refresher import login
    from codeartifact_refresher.writers.registry import Registry

    mine = shared / "mine"
    mine.mkdir(mode=0o755)
    os.chown(mine, people.me.uid, people.me.gid)
    path = written(mine / "c.yaml", config_text())
    shutil.chown(path, people.other.name, people.other.name)
    before = path.read_text()
    registry = Registry()
    registry.get("npm")  # loaded here, as what a write needs: the child may not read our library
    import ctypes  # noqa: F401

    request = login.Request("npm", "acme", "npm-store", "111122223333", region="us-east-1")

    def keep_fresh() -> str:
        try:
            return login.keep_fresh(path, request, registry, {"HOME": str(mine)})
        except ConfigError as e:
            return str(e)

    assert outcome_as(people.me.uid, people.me.gid, keep_fresh) == (
        f"{path}: is owned by {people.other.name}; running as {people.me.name}, the config must be writable by "
        f"{people.me.name} or root alone (chown {people.me.name}: {path})"
    )
    assert path.read_text() == before and path.stat().st_uid == people.other.uid
