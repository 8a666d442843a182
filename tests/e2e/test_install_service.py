"""install-service and uninstall-service, for real: the CLI as installed (the test venv's console
script) in a temporary home, ``--system --dry-run`` as root, and ``--system`` on this machine under a
temporary layout with unique names: real ``useradd``, the service's refresh as the service user
against the stand-in, real build users (one in the group, one not) reading the files with a real pip,
then uninstall (with and without ``--purge``)."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codeartifact_refresher.service.install import program, render, system
from codeartifact_refresher.service.install.layout import NO_HOME, Layout
from codeartifact_refresher.service.install.steps import InstallError
from codeartifact_refresher.testing import StandIn, packages

from ..unit.test_units import analyze
from ..users import User, cli_as_another_user, outcome_as, remove_group, remove_user, skip_unless_root, unique, users

SCRIPT = Path(sys.executable).parent / "codeartifact-refresher"
BOOTED = Path("/run/systemd/system").exists()
not_booted = pytest.mark.skipif(BOOTED, reason="systemd runs here: tests/unit/test_install.py covers that branch")


def run(argv: list, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120, env=env)


def exec_start(unit: Path) -> str:
    return re.search(r"^ExecStart=(.*)$", unit.read_text(), re.M).group(1)


# -- --user ----------------------------------------------------------------------------------------


@not_booted
@pytest.mark.parametrize(
    "how", [[SCRIPT], [sys.executable, "-m", "codeartifact_refresher"]], ids=["script", "python-m"]
)
def test_install_service_user_in_a_temporary_home(home, tmp_path, how):
    config = home / ".config" / "codeartifact-refresher" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("domains: []\n")  # written by init or login --keep-fresh first
    done = run([*how, "install-service", "--user"])
    assert done.returncode == 0, done.stderr
    unit = home / ".config" / "systemd" / "user" / "codeartifact-refresher.service"
    assert exec_start(unit) == f"{SCRIPT} run --config {config}"
    assert done.stdout == (
        f"create: {unit.parent}/ (0755)\n"
        f"create: {unit} (0644)\n"
        "systemd is not running here (no /run/systemd/system); run these where it runs:\n"
        "    systemctl --user daemon-reload\n"
        "    systemctl --user enable --now codeartifact-refresher.service\n"
    )
    result = analyze(tmp_path, "user", "verify", str(unit))
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr

    before = unit.stat()
    again = run([*how, "install-service", "--user"])
    assert again.returncode == 0 and "nothing changed: the service was already installed as wanted\n" in again.stdout
    assert (unit.stat().st_ino, unit.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    gone = run([*how, "uninstall-service", "--user"])
    assert gone.returncode == 0 and f"remove: {unit}\n" in gone.stdout, gone.stderr
    assert not unit.exists() and config.exists()
    assert f"kept: {config}" in gone.stdout


@not_booted
def test_install_service_user_without_a_config_enables_it_and_says_what_to_write(home):
    done = run([SCRIPT, "install-service", "--user", "--dry-run"])
    assert done.returncode == 0, done.stderr
    assert "    systemctl --user enable codeartifact-refresher.service\n" in done.stdout
    assert f"next: write the config {home}/.config/codeartifact-refresher/config.yaml" in done.stdout
    assert not (home / ".config" / "systemd").exists()


# -- --system --dry-run as root --------------------------------------------------------------------

REAL = Layout()


@skip_unless_root()
@not_booted
def test_install_service_system_dry_run_prints_every_step_and_writes_nothing(tmp_path):
    places = [REAL.config_dir, REAL.state_dir, REAL.unit, REAL.profile]
    if any(p.exists() for p in places) or _user_exists(REAL.user):
        pytest.fail(f"this machine has a codeartifact-refresher service installed ({places}); the test needs none")
    done = run([SCRIPT, "install-service", "--system", "--dry-run"])
    assert done.returncode == 0, done.stderr
    assert not any(p.exists() for p in places) and not _user_exists(REAL.user), "a dry run wrote something"
    steps = [line for line in done.stdout.splitlines() if line.startswith("would ")]
    assert steps == [
        "would create: user codeartifact-refresher in group codeartifact-refresher (home /nonexistent, not created; no login shell)",
        "would create: /etc/codeartifact-refresher/ (root:root 0755)",
        "would create: /etc/codeartifact-refresher/config.yaml (root:root 0644)",
        "would create: /etc/codeartifact-refresher/environment (root:root 0600)",
        "would create: /var/lib/codeartifact-refresher/ (codeartifact-refresher:codeartifact-refresher 0750)",
        "would create: /etc/systemd/system/codeartifact-refresher.service (root:root 0644)",
        "would create: /etc/profile.d/codeartifact-refresher.sh (root:root 0644)",
    ]
    assert "    systemctl daemon-reload\n    systemctl enable codeartifact-refresher.service\n" in done.stdout
    unit = tmp_path / "codeartifact-refresher.service"
    unit.write_text(shown(done.stdout, "/etc/systemd/system/codeartifact-refresher.service"))
    assert exec_start(unit) == f"{SCRIPT} run --config /etc/codeartifact-refresher/config.yaml"
    assert unit.read_text() == render.system_unit((str(SCRIPT),), REAL)
    result = analyze(tmp_path, "system", "verify", str(unit))
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    score = re.search(
        r"Overall exposure level for \S+: (\d+\.\d+)",
        analyze(tmp_path, "system", "security", "--offline=yes", str(unit)).stdout,
    )
    assert score and float(score.group(1)) <= 2.0
    hidden = program.unreachable_by_service((str(SCRIPT),))
    changeable = program.changeable((str(SCRIPT),))
    assert [line for line in done.stderr.splitlines() if line.startswith("WARNING")] == [
        *(f"WARNING the service cannot start {SCRIPT}: {p}" for p in hidden),
        *(f"WARNING the service would run code another user can change: {p}" for p in changeable),
    ]


def shown(stdout: str, path: str) -> str:
    """The text --dry-run shows under ``would create: PATH ...``: its indented lines."""
    block = stdout.split(f"would create: {path} ", 1)[1].split("\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)) + "\n"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


# -- --system for real, under a temporary layout ----------------------------------------------------


@pytest.fixture
def layout(shared):
    """A system layout under ``shared`` (others may enter it) with a unique service user and group."""
    name = unique("i15-svc")
    moved = Layout(
        unit_dir=shared / "systemd",
        config_dir=shared / "etc",
        env_file=shared / "etc" / "environment",
        state_dir=shared / "state",
        profile_dir=shared / "profile.d",
        user=name,
        group=name,
        systemd_marker=shared / "no-systemd-here",
    )
    moved.unit_dir.mkdir()
    moved.profile_dir.mkdir()
    try:
        yield moved
    finally:
        remove_user(name)
        remove_group(name)


def mode_and_owner(path: Path) -> tuple[str, str, int]:
    st = path.stat()
    import grp

    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name, stat.S_IMODE(st.st_mode)


def service_environment(layout: Layout, run_dir: Path) -> dict:
    """The service's environment as systemd builds it from the unit: ``Environment=`` (``%t`` is
    ``run_dir``), ``EnvironmentFile=`` (KEY=VALUE lines), HOME of the service user (/nonexistent)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(NO_HOME)}
    text = layout.unit.read_text()
    for value in re.findall(r"^Environment=(.*)$", text, re.M):
        key, _, val = value.partition("=")
        env[key] = val.replace("%t", str(run_dir))
    for raw in layout.env_file.read_text().splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            key, _, val = raw.partition("=")
            env[key.strip()] = val.strip()
    return env


@skip_unless_root()
def test_install_service_system_for_real_then_build_users_read_the_files_not_the_credentials(layout, shared):
    report = system.install(layout, program.installed(), dry_run=False)
    assert report.changed and all(change == "create" for _, change in report.steps)
    entry = pwd.getpwnam(layout.user)
    assert (entry.pw_dir, entry.pw_shell) == (str(NO_HOME), "/usr/sbin/nologin") and not NO_HOME.exists()
    assert mode_and_owner(layout.config_dir) == ("root", "root", 0o755)
    assert mode_and_owner(layout.config) == ("root", "root", 0o644)
    assert mode_and_owner(layout.env_file) == ("root", "root", 0o600)
    assert mode_and_owner(layout.state_dir) == (layout.user, layout.group, 0o750)
    assert mode_and_owner(layout.unit) == mode_and_owner(layout.profile) == ("root", "root", 0o644)
    assert f"ReadWritePaths={layout.state_dir}\n" in layout.unit.read_text()
    verified = analyze(shared, "system", "verify", str(layout.unit))
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr

    again = system.install(layout, program.installed(), dry_run=False)
    assert not again.changed and "nothing changed" in again.text("nothing changed")

    with StandIn(token_lifetime=900) as standin:
        standin.add_repository("acme", "pypi-store", "pypi")
        standin.add_repository("acme", "npm-store", "npm")
        with layout.env_file.open("a") as f:  # the admin's edit: credentials off EC2
            f.write(
                f"AWS_ACCESS_KEY_ID=AKIDTEST\nAWS_SECRET_ACCESS_KEY=test-secret\nAWS_ENDPOINT_URL_CODEARTIFACT={standin.url}\n"
            )
        refresh_as_the_service(layout, shared)
        files = [layout.state_dir / name for name in ("pip.conf", "npmrc", "pypirc")]
        assert [mode_and_owner(p) for p in files] == [(layout.user, layout.group, 0o640)] * 3
        assert mode_and_owner(layout.state_dir / "state.json")[2] == 0o600

        with users(("i15-member", (layout.group,)), ("i15-outsider", ())) as (member, outsider):
            assert member.can_read(layout.state_dir / "pip.conf") and not outsider.can_read(
                layout.state_dir / "pip.conf"
            )
            for who in (member, outsider):
                assert not who.can_read(layout.env_file) and not who.can_read(layout.state_dir / "state.json")
            assert login_variables(member, layout) == (f"{layout.state_dir}/pip.conf {layout.state_dir}/npmrc", "")
            variables, warned = login_variables(outsider, layout)
            assert variables == " " and f"not in group {layout.group}, or log in again" in warned
            pip_through_the_service_files(member, layout, shared, standin)

            kept = system.uninstall(layout, dry_run=False, purge=False)
            assert not layout.unit.exists() and not layout.profile.exists()
            assert layout.config.exists() and layout.env_file.exists() and (layout.state_dir / "pip.conf").exists()
            assert kept.notes == [
                f"kept: {layout.config_dir}, {layout.state_dir}, user {layout.user} and group {layout.group} "
                "(uninstall-service --system --purge removes them)"
            ]
            system.uninstall(layout, dry_run=False, purge=True)  # the member is still in the group
    assert not layout.config_dir.exists() and not layout.state_dir.exists()
    assert not _user_exists(layout.user)
    import grp

    with pytest.raises(KeyError):
        grp.getgrnam(layout.group)


def refresh_as_the_service(layout: Layout, shared: Path) -> None:
    """``refresh`` on the layout's config, as the service user, in the environment the unit gives it."""
    run_dir = shared / "run"
    runtime = run_dir / layout.state_dir.name
    runtime.mkdir(parents=True)
    shutil.chown(runtime, layout.user, layout.group)
    runtime.chmod(0o700)  # RuntimeDirectory=, RuntimeDirectoryMode=0700
    os.chmod(run_dir, 0o755)
    env = service_environment(layout, run_dir)
    env["XDG_RUNTIME_DIR"] = str(runtime)  # %t/codeartifact-refresher with the layout's name
    argv, extra = cli_as_another_user()
    done = User.existing(layout.user).run([*argv, "refresh", "--config", str(layout.config)], {**env, **extra})
    assert done.returncode == 0, done.stderr
    assert "no private directory for lock files" not in done.stderr


def login_variables(user: User, layout: Layout) -> tuple[str, str]:
    """What the login snippet sets for ``user`` (PIP_CONFIG_FILE and NPM_CONFIG_USERCONFIG), and what it says."""
    script = f'. {layout.profile}; echo "$PIP_CONFIG_FILE $NPM_CONFIG_USERCONFIG"'
    done = user.run(["sh", "-c", script], {"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip("\n"), done.stderr


def pip_through_the_service_files(member: User, layout: Layout, shared: Path, standin: StandIn) -> None:
    """A real pip, as the member, with only PIP_CONFIG_FILE from the login snippet: download and install."""
    work = shared / "member-work"
    work.mkdir()
    shutil.chown(work, member.name, member.name)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env["PIP_CONFIG_FILE"] = str(layout.state_dir / "pip.conf")
    before = standin.calls["pypi:authorized"]
    name = packages.DEMO_NAME
    done = member.run(["python3", "-m", "pip", "download", "--no-deps", "-d", str(work / "dl"), name], env)
    assert done.returncode == 0, done.stderr
    done = member.run(["python3", "-m", "pip", "install", "--no-deps", "--target", str(work / "site"), name], env)
    assert done.returncode == 0, done.stderr
    assert (work / "site" / "ca_demo_pkg" / "__init__.py").exists()
    assert standin.calls["pypi:authorized"] > before, "pip did not fetch from the stand-in with the token"


@skip_unless_root()
def test_an_old_service_user_whose_home_is_the_state_directory_is_moved_out_and_its_aws_named(layout):
    """The issue: the old header's `useradd --home-dir /var/lib/codeartifact-refresher` put ~/.aws where build users read."""
    layout.state_dir.mkdir(mode=0o750)
    subprocess.run(
        ["useradd", "--system", "--user-group", "--home-dir", str(layout.state_dir), "--no-create-home", layout.user],
        check=True,
    )
    (layout.state_dir / ".aws").mkdir()
    report = system.install(layout, program.installed(), dry_run=False)
    assert pwd.getpwnam(layout.user).pw_dir == str(NO_HOME)
    assert (report.steps[0][1]) == f"move its home out of the state directory, to {NO_HOME}"
    assert any(f"{layout.state_dir / '.aws'} was the service user's ~/.aws" in w for w in report.warnings)


@skip_unless_root()
def test_system_needs_root_and_user_is_the_default_for_everyone_else(shared):
    from codeartifact_refresher import cli

    def main(*argv: str):
        def call() -> str:
            os.environ["HOME"] = os.environ["XDG_CONFIG_HOME"] = str(shared / "h")
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as out:
                status = cli.main(list(argv))
            return f"{status}\n{err.getvalue()}{out.getvalue()}"

        return call

    cli.main(["install-service", "--user", "--dry-run"])  # every module loaded before the children
    os.chmod(shared, 0o777)
    with users(("i15-laptop", ())) as (person,):
        refused = outcome_as(person.uid, person.gid, main("install-service", "--system"))
        default = outcome_as(person.uid, person.gid, main("install-service", "--dry-run"))
        removal = outcome_as(person.uid, person.gid, main("uninstall-service", "--system", "--purge"))
    assert refused == (
        "2\nERROR install-service --system needs root (it manages a system user, /etc and /var/lib): run it with "
        "sudo, or see what it would do with --dry-run\n"
    )
    assert default.startswith("0\n") and f"would create: {shared}/h/systemd/user/" in default
    assert removal.startswith("2\nERROR uninstall-service --system needs root")


@skip_unless_root()
@pytest.mark.parametrize("made", ["config directory", "credentials file"])
def test_what_another_user_made_where_root_installs_is_not_taken_over(layout, made):
    """A config directory or a credentials file that another user made first (an admin's earlier
    mistake let them): root would have made it, and what they put in it, its own."""
    with users(("i15-planter", ())) as (planter,):
        layout.config_dir.mkdir(mode=0o755)
        planted = layout.env_file
        planted.write_text("LD_PRELOAD=/tmp/theirs.so\n")
        shutil.chown(planted, planter.name, planter.name)
        if made == "config directory":
            shutil.chown(layout.config_dir, planter.name, planter.name)
            planted = layout.config_dir
        owner = "root:root"
        chown = f"chown -R {owner}" if planted.is_dir() else f"chown {owner}"
        with pytest.raises(InstallError) as refused:
            system.install(layout, program.installed(), dry_run=False)
        assert str(refused.value) == (
            f"{planted} belongs to {planter.name}, who could have put their own settings in it: check it, then "
            f"`{chown} {planted}` (or move it away) and run again"
        )
        assert planted.stat().st_uid == planter.uid and layout.env_file.stat().st_uid == planter.uid
        assert stat.S_IMODE(layout.env_file.stat().st_mode) == 0o644  # nor given root's mode


@skip_unless_root()
def test_a_file_swapped_for_a_symlink_while_installing_is_not_followed(layout, shared):
    """A kept file that becomes a symlink between the look and the change: its mode and owner are
    set on the file opened there, never through the link onto what it points at."""
    from codeartifact_refresher.service.install.steps import ROOT, WriteFile

    victim = shared / "victim"
    victim.write_text("someone else's\n")
    victim.chmod(0o644)
    layout.config_dir.mkdir(mode=0o755)
    layout.env_file.write_text("# the admin's\n")
    step = WriteFile(layout.env_file, "", 0o600, ROOT, keep=True)
    assert step.change() == "set mode 0644 -> 0600"
    layout.env_file.unlink()
    layout.env_file.symlink_to(victim)
    with pytest.raises(OSError, match=os.strerror(errno.ELOOP)):  # O_NOFOLLOW's refusal
        step.apply()
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


@skip_unless_root()
def test_a_program_another_user_can_change_is_named_when_root_installs_the_service(layout, shared):
    """Root installs the service from a program in another user's directory (their venv, say): the
    service would run their code with its AWS credentials, so the report says so."""
    with users(("i15-venv-owner", ())) as (owner,):
        venv = shared / "venv" / "bin"
        venv.mkdir(parents=True)
        shutil.chown(venv.parent, owner.name, owner.name)
        script = venv / "codeartifact-refresher"
        script.write_text("#!/usr/bin/python3\nfrom codeartifact_refresher.cli import main\nmain()\n")
        script.chmod(0o755)
        report = system.install(layout, (str(script),), dry_run=True)
        assert report.warnings == [
            f"the service would run code another user can change: {script} ({venv.parent}) is owned by {owner.name}: "
            f"they could change what the service runs (chown root: {venv.parent})"
        ]
        shutil.chown(venv.parent, "root", "root")
        assert system.install(layout, (str(script),), dry_run=True).warnings == []
