"""The shipped service definitions: systemd units checked by systemd's own tools, and the plist."""

import plistlib
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = {
    "codeartifact-refresher.service": "system",
    "codeartifact-refresher@.service": "system",
    "user/codeartifact-refresher.service": "user",
}
INSTALLED = ("/usr/local/bin/codeartifact-refresher", "%h/.local/bin/codeartifact-refresher")


def prepared(tmp_path, name: str) -> Path:
    """The unit with ExecStart pointing at this machine's installed command (verify checks it)."""
    script = Path(sysconfig.get_path("scripts")) / "codeartifact-refresher"
    assert script.exists(), "the package's console script is not installed"
    text = (ROOT / "systemd" / name).read_text()
    for path in INSTALLED:
        text = text.replace(path, str(script))
    out = tmp_path / Path(name.replace("@.service", "@build.service")).name
    out.write_text(text)
    return out


def analyze(tmp_path, mode: str, *args) -> subprocess.CompletedProcess:
    runtime = tmp_path / "runtime"
    runtime.mkdir(exist_ok=True)
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is needed (Debian: apt-get install systemd)"
    cmd = [tool, *(["--user"] if mode == "user" else []), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, env={"XDG_RUNTIME_DIR": str(runtime), "PATH": "/usr/bin:/bin"}
    )


@pytest.mark.parametrize("name", UNITS)
def test_unit_passes_systemd_analyze_verify(tmp_path, name):
    result = analyze(tmp_path, UNITS[name], "verify", str(prepared(tmp_path, name)))
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), result.stderr


@pytest.mark.parametrize("name", UNITS)
def test_unit_exposure_is_2_or_lower(tmp_path, name):
    unit = prepared(tmp_path, name)
    result = analyze(tmp_path, UNITS[name], "security", "--offline=yes", str(unit))
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert score, result.stdout + result.stderr
    assert float(score.group(1)) <= 2.0, result.stdout


@pytest.mark.parametrize("name", UNITS)
def test_unit_is_a_watched_notify_service_restarted_on_failure(name):
    text = (ROOT / "systemd" / name).read_text()
    for line in ("Type=notify", "Restart=on-failure", "ExecReload=/bin/kill -HUP $MAINPID", "NoNewPrivileges=yes"):
        assert re.search(rf"^{re.escape(line)}$", text, re.M), line
    assert re.search(r"^WatchdogSec=\d+s$", text, re.M)
    assert " run" in re.search(r"^ExecStart=(.*)$", text, re.M).group(1)


def test_only_the_targets_directories_are_writable():
    system = (ROOT / "systemd" / "codeartifact-refresher.service").read_text()
    assert "ProtectSystem=strict" in system and "ReadWritePaths" not in system
    assert "StateDirectory=codeartifact-refresher" in system  # where configs/system.yaml puts the targets
    template = (ROOT / "systemd" / "codeartifact-refresher@.service").read_text()
    assert re.findall(r"^ReadWritePaths=(.*)$", template, re.M) == ["/home/%i"]


def test_launchd_agent(tmp_path):
    raw = (ROOT / "systemd" / "launchd" / "io.github.codeartifact-refresher.plist").read_text()
    agent = plistlib.loads(raw.replace("__HOME__", "/Users/dev").encode())
    assert agent["Label"] == "io.github.codeartifact-refresher"
    assert agent["ProgramArguments"] == ["/Users/dev/.local/bin/codeartifact-refresher", "run"]
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["Umask"] == 0o077
    assert all(v.startswith("/Users/dev/") for k, v in agent.items() if k.endswith("Path"))


def test_the_package_ships_the_same_units_and_plist_as_systemd():
    """``systemd/`` is the one source; the package carries copies so an installed program can find
    them (``importlib.resources``). A copy that drifts fails here."""
    from importlib import resources

    shipped = resources.files("codeartifact_refresher.service") / "units"
    sources = sorted(p.relative_to(ROOT / "systemd") for p in (ROOT / "systemd").rglob("*") if p.is_file())
    assert sources, "no units found"
    for relative in sources:
        copy = shipped.joinpath(*relative.parts)
        assert copy.is_file(), f"{relative} is not shipped in the package"
        assert copy.read_bytes() == (ROOT / "systemd" / relative).read_bytes(), f"{relative} differs from systemd/"
    names = {str(p.relative_to(ROOT / "systemd")) for p in (ROOT / "systemd").rglob("*") if p.is_file()}
    packaged = {
        str(Path(*p.relative_to(Path(str(shipped))).parts)) for p in Path(str(shipped)).rglob("*") if p.is_file()
    }
    assert packaged == names


@pytest.mark.parametrize("name", UNITS)
def test_a_config_error_is_not_restarted_forever(name):
    text = (ROOT / "systemd" / name).read_text()
    assert re.findall(r"^RestartPreventExitStatus=(.*)$", text, re.M) == ["2"]  # check's and run's bad-config exit


def reload_as_systemd(unit: Path, config: Path, mainpid: int) -> int:
    """What ``systemctl reload`` does with ``unit``: each ``ExecReload=`` in order, stopping at the
    first that fails; the exit status of the last one run."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(config.parent), "CODEARTIFACT_REFRESHER_CONFIG": str(config)}
    for line in re.findall(r"^ExecReload=(.*)$", unit.read_text(), re.M):
        argv = [a.replace("$MAINPID", str(mainpid)) for a in shlex.split(line)]
        argv = [str(config) if a == "/etc/codeartifact-refresher/config.yaml" else a for a in argv]
        status = subprocess.run(argv, env=env, capture_output=True, timeout=60).returncode
        if status != 0:
            return status
    return 0


@pytest.mark.parametrize("name", UNITS)
def test_reload_checks_the_config_before_signalling(tmp_path, name):
    """A bad config fails `systemctl reload` and the daemon gets no SIGHUP; a good one is signalled."""
    unit = prepared(tmp_path, name)
    config = tmp_path / "config.yaml"
    config.write_text("domains: []\n")
    daemon = subprocess.Popen(["sleep", "60"])  # stands for $MAINPID: SIGHUP ends it
    try:
        assert reload_as_systemd(unit, config, daemon.pid) == 2
        assert daemon.poll() is None, "the daemon was signalled with a bad config"
        config.write_text(
            "domains:\n  - domain: acme\n    targets:\n      - {writer: pip, repository: pypi-store, path: ~/p.conf}\n"
        )
        assert reload_as_systemd(unit, config, daemon.pid) == 0
        assert daemon.wait(10) == -signal.SIGHUP
    finally:
        daemon.kill()
        daemon.wait()


def installed_units(tmp_path) -> dict:
    """What install-service writes, for the test venv's console script and for ``python -m``."""
    from codeartifact_refresher.service.install import program, render
    from codeartifact_refresher.service.install.layout import Layout, UserLayout

    script, module = program.installed(), (sys.executable, "-m", "codeartifact_refresher")
    moved = Layout(config_dir=tmp_path / "etc", env_file=tmp_path / "etc" / "env", state_dir=tmp_path / "state")
    user = UserLayout.of({"HOME": str(tmp_path / "home")})
    return {
        "system": ("system", render.system_unit(script, Layout())),
        "system-python-m": ("system", render.system_unit(module, Layout())),
        "system-moved": ("system", render.system_unit(script, moved)),
        "user": ("user", render.user_unit(script, user)),
        "user-python-m": ("user", render.user_unit(module, user)),
    }


INSTALLED_UNITS = ["system", "system-python-m", "system-moved", "user", "user-python-m"]


@pytest.mark.parametrize("name", INSTALLED_UNITS)
def test_what_install_service_writes_passes_verify_and_stays_at_2_or_lower(tmp_path, name):
    mode, text = installed_units(tmp_path)[name]
    unit = tmp_path / "codeartifact-refresher.service"
    unit.write_text(text)
    result = analyze(tmp_path, mode, "verify", str(unit))
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), result.stderr
    result = analyze(tmp_path, mode, "security", "--offline=yes", str(unit))
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert score and float(score.group(1)) <= 2.0, result.stdout + result.stderr


def test_the_load_credential_drop_in_in_the_docs_passes_verify_and_keeps_the_score(tmp_path):
    """docs/service.md's alternative to the environment file, as a drop-in on the installed unit."""
    drop_in = re.search(r"```ini\n(.*?)```", (ROOT / "docs" / "service.md").read_text(), re.S).group(1)
    assert "LoadCredential=" in drop_in and "%d/" in drop_in
    unit = tmp_path / "codeartifact-refresher.service"
    unit.write_text(installed_units(tmp_path)["system"][1] + "\n" + textwrap.dedent(drop_in))
    result = analyze(tmp_path, "system", "verify", str(unit))
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    result = analyze(tmp_path, "system", "security", "--offline=yes", str(unit))
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert score and float(score.group(1)) <= 2.0, result.stdout
