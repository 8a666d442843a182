"""The shipped service definitions: systemd units checked by systemd's own tools, and the plist."""

import plistlib
import re
import shutil
import subprocess
import sysconfig
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
