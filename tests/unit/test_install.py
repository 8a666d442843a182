"""install-service's parts: the program it names, the text it writes, its steps (a second run
changes nothing) and the service manager's commands (a fake ``systemctl`` that keeps state)."""

from __future__ import annotations

import os
import plistlib
import stat
import sys
from pathlib import Path

import pytest

from codeartifact_refresher.service.install import program, render, system, user
from codeartifact_refresher.service.install.layout import Layout, UserLayout
from codeartifact_refresher.service.install.steps import MakeDirectory, Remove, WriteFile

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "codeartifact-refresher"


def executable(path: Path, text: str = "#!/bin/sh\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


# -- the program -----------------------------------------------------------------------------------


def test_the_running_console_script_is_named_as_given(tmp_path):
    assert program.installed("/opt/car/bin/codeartifact-refresher", "/x/python") == (
        "/opt/car/bin/codeartifact-refresher",
    )


def test_a_pipx_link_is_named_not_resolved(tmp_path):
    """pipx re-points ~/.local/bin/codeartifact-refresher on upgrade: the unit keeps working."""
    real = executable(tmp_path / "pipx" / "venvs" / "car" / "bin" / "codeartifact-refresher")
    link = tmp_path / ".local" / "bin" / "codeartifact-refresher"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    assert program.installed(str(link), "/x/python") == (str(link),)


def test_a_relative_or_bare_script_is_made_absolute(tmp_path, monkeypatch):
    script = executable(tmp_path / "bin" / "codeartifact-refresher")
    monkeypatch.chdir(tmp_path)
    assert program.installed("bin/codeartifact-refresher", "/x/python") == (str(script),)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert program.installed("codeartifact-refresher", "/x/python") == (str(script),)


def test_python_dash_m_names_the_console_script_beside_python_or_else_python_dash_m(tmp_path):
    main = "/site-packages/codeartifact_refresher/__main__.py"
    python = executable(tmp_path / "venv" / "bin" / "python")
    assert program.installed(main, str(python)) == (str(python), "-m", "codeartifact_refresher")
    script = executable(tmp_path / "venv" / "bin" / "codeartifact-refresher")
    assert program.installed(main, str(python)) == (str(script),)


def test_under_pytest_the_test_venvs_console_script_is_named():
    assert program.installed() == (str(SCRIPT),)


def test_a_program_the_system_service_cannot_reach_is_named(shared):
    assert program.unreachable_by_service(("/root/.local/bin/codeartifact-refresher",))[0] == (
        "/root/.local/bin/codeartifact-refresher is under /root, which the service cannot see (ProtectHome=yes)"
    )
    closed = shared / "closed"
    script = executable(closed / "codeartifact-refresher", "#!/usr/bin/python3\n")
    closed.chmod(0o700)
    assert program.unreachable_by_service((str(script),)) == [
        f"{script} is in {closed}, which other users may not enter"
    ]
    assert program.unreachable_by_service(("/usr/bin/true",)) == []


# -- the text written ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "word"),
    [("/opt/car/bin/x", "/opt/car/bin/x"), ("/a b/x", '"/a b/x"'), ("50%", "50%%"), ("$HOME", '"$$HOME"')],
)
def test_exec_words_are_quoted_for_systemd(arg, word):
    assert render.quote(arg) == word


def lines(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]


def test_the_system_unit_runs_the_program_on_the_layouts_config(tmp_path):
    text = render.system_unit(("/opt/car/bin/codeartifact-refresher",), Layout())
    assert lines(text, "ExecStart") == [
        "/opt/car/bin/codeartifact-refresher run --config /etc/codeartifact-refresher/config.yaml"
    ]
    assert lines(text, "ExecReload") == [
        "/opt/car/bin/codeartifact-refresher check --config /etc/codeartifact-refresher/config.yaml",
        "/bin/kill -HUP $MAINPID",
    ]
    assert lines(text, "EnvironmentFile") == ["-/etc/codeartifact-refresher/environment"]
    assert lines(text, "StateDirectory") == ["codeartifact-refresher"]
    assert lines(text, "User") == lines(text, "Group") == ["codeartifact-refresher"]
    assert (
        text.replace("/opt/car/bin/codeartifact-refresher", "/usr/local/bin/codeartifact-refresher")
        == (ROOT / "systemd" / "codeartifact-refresher.service").read_text()
    ), "nothing but the program changes for the real layout"


def test_a_moved_layout_is_named_in_the_unit(tmp_path):
    layout = Layout(
        config_dir=tmp_path / "etc",
        env_file=tmp_path / "etc" / "env",
        state_dir=tmp_path / "state",
        user="u",
        group="g",
    )
    text = render.system_unit((sys.executable, "-m", "codeartifact_refresher"), layout)
    assert lines(text, "ExecStart") == [
        f"{sys.executable} -m codeartifact_refresher run --config {tmp_path}/etc/config.yaml"
    ]
    assert lines(text, "ReadWritePaths") == [str(tmp_path / "state")]
    assert lines(text, "StateDirectory") == lines(text, "StateDirectoryMode") == []
    assert (lines(text, "User"), lines(text, "Group"), lines(text, "EnvironmentFile")) == (
        ["u"],
        ["g"],
        [f"-{tmp_path}/etc/env"],
    )
    assert str(tmp_path / "state") in render.system_config(layout) and "/var/lib" not in render.system_config(layout)


def test_the_user_unit_and_the_launchd_agent_name_the_program_and_the_config(tmp_path):
    layout = UserLayout.of({"HOME": str(tmp_path / "a & b")})
    assert layout.config == tmp_path / "a & b" / ".config" / "codeartifact-refresher" / "config.yaml"
    text = render.user_unit(("/opt/x/codeartifact-refresher",), layout)
    assert lines(text, "ExecStart") == [f'/opt/x/codeartifact-refresher run --config "{layout.config}"']
    mac = UserLayout.of({"HOME": str(tmp_path / "a & b")}, macos=True)
    assert mac.unit == tmp_path / "a & b" / "Library" / "LaunchAgents" / "io.github.codeartifact-refresher.plist"
    agent = plistlib.loads(render.launchd_plist(("/opt/x/codeartifact-refresher",), mac).encode())
    assert agent["ProgramArguments"] == ["/opt/x/codeartifact-refresher", "run", "--config", str(mac.config)]
    assert agent["StandardErrorPath"] == f"{tmp_path}/a & b/Library/Logs/codeartifact-refresher.log"


def test_the_config_comes_from_the_environment_variable_when_set(tmp_path):
    layout = UserLayout.of({"HOME": str(tmp_path), "CODEARTIFACT_REFRESHER_CONFIG": str(tmp_path / "mine.yaml")})
    assert layout.config == tmp_path / "mine.yaml"


def test_every_unit_points_at_the_repository_and_no_unit_says_pip_install_user():
    """The repository is named once, in pyproject.toml's [project.urls]; the units say the same."""
    from importlib import metadata

    urls = dict(u.split(", ", 1) for u in metadata.metadata("codeartifact-refresher").get_all("Project-URL"))
    for path in sorted((ROOT / "systemd").rglob("*.service")):
        text = path.read_text()
        assert lines(text, "Documentation") == [urls["Repository"]], path
        assert "pip install --user" not in text and "pypi.org" not in text, path


# -- steps: what changes, and a second run that changes nothing -----------------------------------


def test_a_file_step_says_what_it_would_change_and_then_nothing(tmp_path):
    (tmp_path / "d").mkdir()
    path = tmp_path / "d" / "unit"
    step = WriteFile(path, "A\n", 0o644)
    assert step.change() == "create" and not path.exists()
    step.apply()
    assert (path.read_text(), stat.S_IMODE(path.stat().st_mode), step.change()) == ("A\n", 0o644, None)
    path.chmod(0o600)
    assert WriteFile(path, "B\n", 0o644).change() == "update, set mode 0600 -> 0644"
    kept = WriteFile(path, "B\n", 0o644, keep=True)
    assert kept.change() == "set mode 0600 -> 0644"
    kept.apply()
    assert (path.read_text(), kept.change()) == ("A\n", None)  # a kept file's text is the admin's
    assert os.listdir(tmp_path / "d") == ["unit"]


def test_a_directory_step_keeps_an_existing_mode_when_asked(tmp_path):
    directory = tmp_path / "d"
    directory.mkdir(mode=0o700)
    assert MakeDirectory(directory, 0o755).change() == "set mode 0700 -> 0755"
    assert MakeDirectory(directory, 0o755, keep_mode=True).change() is None
    assert Remove(directory).change() == "remove" and Remove(tmp_path / "none").change() is None


# -- the service manager: a fake systemctl that remembers enable and start ------------------------

FAKE_SYSTEMCTL = """#!/bin/sh
echo "$*" >> "{log}"
[ "$1" = --user ] && shift
case "$1" in
  show|daemon-reload) exit 0 ;;
  is-enabled) test -e "{state}/enabled" ;;
  is-active) test -e "{state}/active" ;;
  enable) touch "{state}/enabled"; [ "$2" = --now ] && touch "{state}/active"; exit 0 ;;
  start|restart) touch "{state}/active" ;;
  disable) rm -f "{state}/enabled"; [ "$2" = --now ] && rm -f "{state}/active"; exit 0 ;;
esac
"""


@pytest.fixture
def systemctl(tmp_path, monkeypatch):
    """A systemctl on PATH that logs its calls and keeps 'enabled' and 'active' as files."""
    state = tmp_path / "systemctl-state"
    state.mkdir()
    log = tmp_path / "systemctl.log"
    executable(tmp_path / "fakebin" / "systemctl", FAKE_SYSTEMCTL.format(log=log, state=state))
    monkeypatch.setenv("PATH", f"{tmp_path / 'fakebin'}:{os.environ['PATH']}")

    def calls() -> list[str]:
        found = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return [c for c in found if "--quiet" not in c.split() and "show" not in c.split()]  # the queries aside

    return calls


def test_where_systemd_runs_the_user_unit_is_loaded_enabled_and_started_once(tmp_path, home, systemctl):
    booted = tmp_path / "run-systemd-system"
    booted.mkdir()
    layout = UserLayout.of(os.environ)
    layout = UserLayout(layout.unit_dir, layout.config, layout.state_dir, layout.home, systemd_marker=booted)
    layout.config.parent.mkdir(parents=True)
    layout.config.write_text("domains: []\n")
    report = user.install(layout, (str(SCRIPT),), dry_run=False)
    assert systemctl() == ["--user daemon-reload", "--user enable --now codeartifact-refresher.service"]
    assert report.by_hand == [] and report.notes == []
    again = user.install(layout, (str(SCRIPT),), dry_run=False)
    assert systemctl() == [] and not again.changed, "a second run changes nothing"
    user.install(layout, ("/opt/new/codeartifact-refresher",), dry_run=False)
    assert systemctl() == ["--user daemon-reload", "--user restart codeartifact-refresher.service"]
    user.uninstall(layout, dry_run=False, purge=False)
    assert systemctl() == ["--user disable --now codeartifact-refresher.service", "--user daemon-reload"]
    assert not layout.unit.exists() and layout.config.exists()


def test_a_system_unit_whose_config_is_the_example_is_enabled_not_started(tmp_path, systemctl, shared):
    booted = tmp_path / "run-systemd-system"
    booted.mkdir()
    layout = Layout(
        unit_dir=shared / "units",
        config_dir=shared / "etc",
        env_file=shared / "etc" / "environment",
        state_dir=shared / "state",
        profile_dir=shared / "profile.d",
        user="root",  # a dry run makes no user
        group="root",
        systemd_marker=booted,
    )
    for d in (layout.unit_dir, layout.profile_dir):
        d.mkdir()
    report = system.install(layout, (str(SCRIPT),), dry_run=True)
    assert report.commands == [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "codeartifact-refresher.service"],
    ]
    assert systemctl() == [] and not layout.config_dir.exists(), "a dry run runs and writes nothing"
    assert report.notes[0].startswith(f"next: edit {layout.config} (it is the example")


def test_a_step_that_fails_is_one_line_naming_it(tmp_path):
    from codeartifact_refresher.service.install.report import Report
    from codeartifact_refresher.service.install.steps import InstallError

    with pytest.raises(InstallError) as e:
        Report(dry_run=False).carry_out([WriteFile(tmp_path / "missing" / "unit", "x\n", 0o644)])
    assert str(e.value) == f"cannot create {tmp_path}/missing/unit (0644): No such file or directory"


def test_where_systemd_does_not_run_the_removal_commands_disable_the_unit(tmp_path, home):
    """The commands printed after an install by hand enable the unit (a `.wants/` link): the ones
    printed after its removal must disable it, or the link is left pointing at nothing."""
    layout = UserLayout.of(os.environ)
    layout = UserLayout(
        layout.unit_dir, layout.config, layout.state_dir, layout.home, systemd_marker=tmp_path / "no-systemd"
    )
    installed = user.install(layout, (str(SCRIPT),), dry_run=False)
    assert ["systemctl", "--user", "enable", "codeartifact-refresher.service"] in installed.by_hand
    removed = user.uninstall(layout, dry_run=False, purge=False)
    assert removed.by_hand == [
        ["systemctl", "--user", "disable", "--now", "codeartifact-refresher.service"],
        ["systemctl", "--user", "daemon-reload"],
    ]


def test_the_account_tools_are_found_in_sbin_when_path_lacks_it(tmp_path, monkeypatch):
    """Root's PATH without /usr/sbin (`su` without `-` on Debian): userdel must still be found,
    or uninstall-service --system removes the files and leaves the account."""
    from codeartifact_refresher.service.install import steps

    sbin = tmp_path / "sbin"
    executable(sbin / "i15-account-tool", f'#!/bin/sh\necho "$@" > {tmp_path / "ran"}\n')
    monkeypatch.setattr(steps, "SBIN", (str(sbin),))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    steps.run(["i15-account-tool", "codeartifact-refresher"])
    assert (tmp_path / "ran").read_text() == "codeartifact-refresher\n"
