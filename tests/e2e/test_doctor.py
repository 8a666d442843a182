"""`doctor` as a user runs it: the real CLI, the real pip and npm asked (`pip config debug`,
`npm config get registry`), the stand-in as AWS; and `--as USER` with real throw-away users."""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.doctor import as_user, local
from codeartifact_refresher.doctor.facts import live
from codeartifact_refresher.doctor.targets import TargetView
from codeartifact_refresher.errors import ConfigError

from ..conftest import ALL_TARGETS, write_config
from ..privileges import in_child_as
from .clients import client_env, refresher, run
from .tools import search_path, tool

pytestmark = pytest.mark.e2e


def doctor(home: Path, standin, *args: str, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess:
    """The installed CLI's `doctor`, in a user's environment: their HOME, the real pip and npm on
    PATH, AWS credentials of the stand-in's."""
    aws = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    path = os.pathsep.join([str(Path(sys.executable).parent), search_path()])
    env = client_env(home, **aws, AWS_ENDPOINT_URL_STS=standin.url, PATH=path, **extra)
    return run([sys.executable, "-m", "codeartifact_refresher", "doctor", *args], env, cwd=cwd or home)


def no_token_in(done: subprocess.CompletedProcess, standin) -> None:
    shown = done.stdout + done.stderr
    assert standin.issued_tokens() and not any(token in shown for token in standin.issued_tokens())


@pytest.fixture
def refreshed(home, standin):
    tool("npm")
    config = write_config(home / "config.yaml", standin, ALL_TARGETS)
    done = refresher(config)
    assert done.returncode == 0, done.stderr
    return config


def test_a_clean_setup_just_refreshed_is_healthy(home, standin, refreshed):
    done = doctor(home, standin, "--config", str(refreshed))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert all(line.startswith(("ok: ", "note: ")) for line in lines), done.stdout
    assert any(line.startswith("ok: AWS identity for domain acme") for line in lines)
    assert any("may call codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken" in line for line in lines)
    assert any("asked `pip config debug`" in line for line in lines)  # the real pip was asked
    assert any(line.startswith("ok: `npm config get registry`") and line.endswith("this repository") for line in lines)
    no_token_in(done, standin)


def test_pip_index_url_in_the_environment(home, standin, refreshed):
    stale = "https://aws:STALE-TOKEN-FROM-YESTERDAY@127.0.0.1:1/pypi/old/simple/"
    done = doctor(home, standin, "--config", str(refreshed), PIP_INDEX_URL=stale)
    assert done.returncode == 1
    assert (
        "problem: PIP_INDEX_URL is set in root's environment (https://aws:<redacted>@127.0.0.1:1/pypi/old/simple/: another "
        f"index), and pip uses it instead of {home}/.config/pip/pip.conf's index-url: unset it"
    ) in done.stdout
    assert "STALE-TOKEN" not in done.stdout
    no_token_in(done, standin)


def test_a_project_npmrc_in_the_current_folder(home, standin, refreshed):
    project = home / "app" / "src"
    project.mkdir(parents=True)
    (home / "app" / "package.json").write_text('{"name": "app"}\n')
    (home / "app" / ".npmrc").write_text("registry=https://registry.npmjs.org/\n")
    done = doctor(home, standin, "--config", str(refreshed), cwd=project)
    assert done.returncode == 1
    assert (
        f"problem: {home}/app/.npmrc, a project .npmrc read in {project}, sets registry=https://registry.npmjs.org/, which "
        f"npm uses instead of {home}/.npmrc's: remove it, or point it at this repository"
    ) in done.stdout
    # the real npm agrees
    assert (
        f"note: `npm config get registry` in {project} answers https://registry.npmjs.org/ (see above)" in done.stdout
    )


def test_npm_config_registry_in_the_environment(home, standin, refreshed):
    done = doctor(home, standin, "--config", str(refreshed), NPM_CONFIG_REGISTRY="https://registry.npmjs.org/")
    assert done.returncode == 1
    assert (
        "problem: NPM_CONFIG_REGISTRY is set in root's environment (https://registry.npmjs.org/), and npm uses it instead "
        f"of {home}/.npmrc's registry"
    ) in done.stdout
    assert (
        "`npm config get registry` in" in done.stdout
        and "answers https://registry.npmjs.org/ (see above)" in done.stdout
    )


def test_an_always_auth_leftover(home, standin, refreshed):
    with (home / ".npmrc").open("a") as npmrc:
        npmrc.write("always-auth=true\n")
    done = doctor(home, standin, "--config", str(refreshed))
    assert done.returncode == 1
    assert f"problem: {home}/.npmrc has `always-auth`, which npm 11 warns about on every run" in done.stdout


def test_an_unknown_repository_and_a_denied_token(home, standin):
    config = write_config(home / "config.yaml", standin, "      - writer: pip\n        repository: pypi-stor\n")
    done = doctor(home, standin, "--config", str(config))
    assert done.returncode == 1
    assert (
        "repository 'pypi-stor' not found; the domain's repositories: npm-store, pypi-store (the pip target (line 7 of"
        in done.stdout
    )


def test_without_a_config_it_says_so_and_checks_the_default_files(home, standin):
    done = doctor(
        home,
        standin,
        PIP_INDEX_URL="https://pypi.example/simple/",
        CODEARTIFACT_REFRESHER_CONFIG=str(home / "none.yaml"),
    )
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("problem: no config (") and "`codeartifact-refresher init`" in lines[0]
    assert (
        "note: PIP_INDEX_URL is set (https://pypi.example/simple/): pip uses it instead of any file's index-url"
        in lines
    )
    assert f"note: {home}/.npmrc does not exist" in lines and f"note: {home}/.pypirc does not exist" in lines


def test_a_bad_config_exits_2(home, standin):
    (home / "config.yaml").write_text("domains: 3\n")
    assert doctor(home, standin, "--config", str(home / "config.yaml")).returncode == 2


# -- --as USER: real throw-away users and a group ---------------------------------------------------

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making throw-away users needs root (CI runs as root)")


class BuildUser:
    """A throw-away user with a home whose ~/.profile points pip at the build host's file."""

    def __init__(self, pip_conf: Path, group: str | None = None) -> None:
        self.name = f"i15-doc-{secrets.token_hex(4)}"
        groups = ["-G", group] if group else []
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", *groups, self.name], check=True)
        self.home = Path(pwd.getpwnam(self.name).pw_dir)
        (self.home / ".profile").write_text(f"export PIP_CONFIG_FILE={pip_conf}\n")

    def remove(self) -> None:
        subprocess.run(["userdel", "--remove", self.name], check=True, capture_output=True)


@pytest.fixture
def build_host(shared, home, standin):
    """A pip target in a shared folder, mode 0640, of a throw-away group; a member and a non-member."""
    group = f"i15-doc-g{secrets.token_hex(3)}"
    subprocess.run(["groupadd", group], check=True)
    pip_conf = shared / "pip.conf"
    targets = f"      - writer: pip\n        repository: pypi-store\n        path: {pip_conf}\n        mode: 0640\n"
    config = write_config(home / "config.yaml", standin, targets)
    users = []
    try:
        done = refresher(config)
        assert done.returncode == 0, done.stderr
        os.chown(pip_conf, 0, _gid(group))  # the service's group
        users = [BuildUser(pip_conf, group), BuildUser(pip_conf)]
        yield config, pip_conf, group, users
    finally:
        for user in users:
            user.remove()
        subprocess.run(["groupdel", group], check=True)


def _gid(group: str) -> int:
    import grp

    return grp.getgrnam(group).gr_gid


@needs_root
def test_as_a_member_of_the_files_group_reads_it_in_a_new_login(home, standin, build_host):
    config, pip_conf, group, (member, _) = build_host
    done = doctor(home, standin, "--config", str(config), "--as", member.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        f"ok: the file checks below ran as {member.name} (uid {pwd.getpwnam(member.name).pw_uid}, groups "
        in done.stdout
    )
    assert f"ok: pip reads {pip_conf} for {member.name}" in done.stdout  # PIP_CONFIG_FILE from their ~/.profile
    assert f"ok: {member.name} can read {pip_conf} (mode 0640, owner root, group {group})" in done.stdout
    no_token_in(done, standin)


@needs_root
def test_as_a_user_outside_the_group_the_file_is_unreadable_and_pip_falls_back(home, standin, build_host):
    config, pip_conf, group, (_, outsider) = build_host
    done = doctor(home, standin, "--config", str(config), "--as", outsider.name)
    assert done.returncode == 1
    assert (
        f"problem: {outsider.name} cannot read {pip_conf} (it has mode 0640, owner root, group {group}), and pip then "
        f"silently falls back to the public registry (dependency confusion): make {outsider.name} a member of {group} "
        f"(`usermod -aG {group} {outsider.name}`, then a new login)"
    ) in done.stdout
    no_token_in(done, standin)


@needs_root
def test_as_without_a_config_checks_the_users_default_files(home, standin, build_host):
    _, pip_conf, group, (member, _) = build_host
    done = doctor(home, standin, "--as", member.name, CODEARTIFACT_REFRESHER_CONFIG=str(home / "none.yaml"))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("problem: no config (")
    assert (
        f"ok: {member.name} can read {pip_conf} (mode 0640, owner root, group {group})" in lines
    )  # their PIP_CONFIG_FILE
    assert (
        f"note: {member.home}/.npmrc does not exist" in lines and f"note: {member.home}/.pypirc does not exist" in lines
    )


@needs_root
def test_as_needs_root(home, standin, build_host):
    """Run as the member (in a forked child: our Python may live where they cannot start it)."""
    config, _, _, (member, _) = build_host
    entry = pwd.getpwnam(member.name)

    def as_member() -> None:
        with pytest.raises(ConfigError, match=r"^--as root needs root: it becomes root to look \(run it with sudo\)$"):
            as_user.login("root")
        assert cli.main(["doctor", "--config", str(config), "--as", "root"]) == 2

    in_child_as(entry.pw_uid, entry.pw_gid, as_member)


@needs_root
def test_a_member_whose_session_predates_the_group_is_told_to_log_in_again(build_host):
    """A real stale session: a process of the member's without the group the database gives them."""
    _, pip_conf, group, (member, _) = build_host
    entry = pwd.getpwnam(member.name)
    view = TargetView("pip", (("main", pip_conf),), "pypi-store", where="the pip target")

    def in_an_old_session() -> None:
        facts = live({"HOME": str(member.home), "PATH": "/usr/bin:/bin"}, member.home)
        assert _gid(group) in facts.reader.member_of and _gid(group) not in facts.reader.groups
        assert (
            f"{member.name} cannot read {pip_conf}: it has mode 0640, owner root, group {group}, and the group database "
            f"lists {member.name} in {group}, but this login session predates that (its groups: {member.name}): log in "
            f"again, or run `newgrp {group}`"
        ) in [f.text for f in local.check([view], facts)]

    in_child_as(entry.pw_uid, entry.pw_gid, in_an_old_session, groups=[entry.pw_gid])


HOSTILE_TOOL = """#!/usr/bin/python3
# the user's own `pip` and `npm`: reach for the terminal of whoever runs them
import fcntl, os, sys, termios
try:
    fd = os.open("/dev/tty", os.O_RDWR)
except OSError as e:
    said = f"no terminal: {e.strerror}"
else:
    try:
        for byte in b"echo {marker}\\n":
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([byte]))
        said = "pushed keystrokes into the terminal"
    except OSError as e:
        said = f"opened the terminal, could not push keystrokes: {e.strerror}"
with open(os.path.join(os.environ["HOME"], os.path.basename(sys.argv[0]) + ".said"), "w") as out:
    out.write(said)
"""


@needs_root
def test_as_runs_the_users_tools_where_they_cannot_reach_roots_terminal(tmp_path):
    """Root runs `doctor --as USER` in its shell's terminal; the checks run USER's own `pip` and `npm`
    (from their login PATH), which try to push keystrokes into that terminal (TIOCSTI) for root's
    shell to run after doctor exits. They run without any terminal at all."""
    import pty
    import select

    name, marker = f"i15-tty-{secrets.token_hex(3)}", f"INJECTED-{secrets.token_hex(4)}"
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
    try:
        user_home = Path(pwd.getpwnam(name).pw_dir)
        (user_home / "bin").mkdir()
        for tool_name in ("pip", "npm"):
            (user_home / "bin" / tool_name).write_text(HOSTILE_TOOL.replace("{marker}", marker))
            (user_home / "bin" / tool_name).chmod(0o755)
        (user_home / ".profile").write_text('PATH="$HOME/bin:$PATH"\nexport PATH\n')
        subprocess.run(["chown", "-R", f"{name}:{name}", str(user_home)], check=True)
        argv = [sys.executable, "-m", "codeartifact_refresher", "doctor", "--as", name]
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(tmp_path),
            "CODEARTIFACT_REFRESHER_CONFIG": str(tmp_path / "no.yaml"),
        }
        pid, terminal = pty.fork()  # the child: a session whose controlling terminal is this pty, as a shell's
        if pid == 0:
            os.execve(  # noqa: S606 - the pty child becomes our CLI, with argv we built
                sys.executable,
                argv,
                {**env, "PYTHONPATH": os.pathsep.join(sys.path)},
            )
        shown = b""
        while select.select([terminal], [], [], 60)[0]:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # EIO: the terminal's last process is gone
                break
            if not chunk:
                break
            shown += chunk
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 1, shown
        os.close(terminal)
        assert f"ok: the file checks below ran as {name} ".encode() in shown, shown
        said = {tool_name: (user_home / f"{tool_name}.said").read_text() for tool_name in ("pip", "npm")}
        none = "no terminal: No such device or address"
        assert said == {"pip": none, "npm": none}  # both ran, as the user, and neither found a terminal
        assert marker.encode() not in shown
    finally:
        subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
