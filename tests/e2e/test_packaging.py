"""The release as people get it: the sdist and the wheel built by PyPI's ``build`` (the wheel from
the sdist, as the release workflow does), ``twine check``, and ``pipx install`` of the wheel in a
fresh home, then the installed command (not ``python -m``) run as a newcomer would.

The build runs on a copy of the checkout's files (``git ls-files``: tracked and new, not ignored),
so it neither writes into the checkout nor picks up a venv. The tests share one build: they run in
one xdist group.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import codeartifact_refresher

from .tools import ROOT, tool

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("packaging")]

PACKAGE = Path(codeartifact_refresher.__file__).parent
DEPENDENCIES = {"botocore", "apscheduler", "tomlkit", "pyyaml"}  # ours
NOT_IN_SDIST = {".gitignore", ".git-blame-ignore-revs"}  # git's own files
#: this machine's way out to PyPI (a TLS proxy's CA), read before the tests' fixtures clear PIP_*
NETWORK = {
    k: v
    for k, v in os.environ.items()
    if k in ("PIP_CERT", "PIP_DEFAULT_TIMEOUT", "SSL_CERT_FILE", "SSL_CERT_DIR") or k.lower().endswith("_proxy")
}


def git_files(*args: str) -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the build copies the files git lists")
    done = subprocess.run(["git", "ls-files", "-z", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in done.stdout.split("\0") if name and (ROOT / name).is_file()]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A newcomer's environment: PyPI only (no pip config, find-links or constraints), this HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PIPX_", "VIRTUAL_ENV", "UV_", "AWS_"))}
    env.update(NETWORK, HOME=str(home), PIP_CONFIG_FILE="/dev/null", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """``{"sdist": ..., "wheel": ...}``, built once per module from a copy of the checkout."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in git_files("--cached", "--others", "--exclude-standard"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    home = tmp_path_factory.mktemp("build-home")
    done = subprocess.run(
        [tool("pyproject-build"), "--outdir", str(out), str(source)],
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,), (wheel,) = out.glob("*.tar.gz"), out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


def package_files() -> set[str]:
    """Every file of the import package in the checkout, as the wheel names it."""
    return {
        str(p.relative_to(PACKAGE.parent))
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    }


def test_the_wheel_holds_the_package_its_data_and_its_metadata(dist):
    """Every file of the package ships, data included (examples, schema, units, plist, py.typed): a
    data file another command adds without declaring it in package-data fails here."""
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(wheel.read(info).decode())
        entry_points = wheel.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert package_files() - names == set()
    assert {"codeartifact_refresher/examples/laptop.yaml", "codeartifact_refresher/py.typed"} <= names
    assert any(n.startswith("codeartifact_refresher/service/units/") and n.endswith(".plist") for n in names)
    assert not {n for n in names if "__pycache__" in n or n.startswith(("tests/", "configs/"))}
    assert metadata["Version"] == codeartifact_refresher.__version__
    assert metadata["Description-Content-Type"] == "text/markdown" and metadata.get_payload().startswith(
        "# codeartifact"
    )
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "codeartifact-refresher = codeartifact_refresher.cli:main" in entry_points
    installed = re.findall(r"^(\S+) = codeartifact_refresher\.writers\.", entry_points, re.M)
    assert sorted(installed) == sorted(ep.name for ep in _our_writers())


def _our_writers():
    from importlib import metadata

    return [
        ep
        for ep in metadata.entry_points(group="codeartifact_refresher.writers")
        if ep.dist.name == "codeartifact-refresher"
    ]


def test_the_sdist_holds_every_tracked_file(dist):
    """The sdist is the whole source (MANIFEST.in): tests, configs, units, docs, CI and the rest."""
    with tarfile.open(dist["sdist"]) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        names = {n.removeprefix(f"{top}/") for n in sdist.getnames()}
    tracked = set(git_files()) - NOT_IN_SDIST
    assert tracked - names == set(), "add these to MANIFEST.in"
    assert {"configs/schema.json", "systemd/user/codeartifact-refresher.service", "tests/conftest.py"} <= names
    assert {"LICENSE", "README.md", "CHANGELOG.md", "SECURITY.md", "PKG-INFO"} <= names
    junk = {n for n in names if re.search(r"(^|/)(\.venv|\.clients|__pycache__|\.pytest_cache|\.hypothesis)(/|$)", n)}
    assert junk == set()


def test_twine_check_passes_on_both(dist):
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dist["sdist"]), str(dist["wheel"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.count("PASSED") == 2, done.stdout + done.stderr


def test_pipx_installs_the_wheel_in_a_fresh_home_and_every_first_command_runs(dist, tmp_path):
    """From PyPI's newest dependency releases, as users get them; then the installed command."""
    home = tmp_path / "fresh"
    home.mkdir()
    bin_dir = home / ".local" / "bin"
    env = clean_env(home, PIPX_HOME=str(home / ".local" / "pipx"), PIPX_BIN_DIR=str(bin_dir))
    env["PATH"] = os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"])
    done = subprocess.run(
        [tool("pipx"), "install", str(dist["wheel"])], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(_pip_list(env)) >= DEPENDENCIES and not DEPENDENCIES & set(_pip_list(env, "--outdated"))
    program = bin_dir / "codeartifact-refresher"
    assert program.exists() and shutil.which("codeartifact-refresher", path=env["PATH"]) == str(program)

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["codeartifact-refresher", *args], env=env, capture_output=True, text=True, timeout=timeout
        )

    assert run("--version").stdout.strip() == f"codeartifact-refresher {codeartifact_refresher.__version__}"
    writers = run("writers")
    assert writers.returncode == 0 and {ep.name for ep in _our_writers()} <= set(
        re.findall(r"^(\S+) ", writers.stdout, re.M)
    )
    venv = home / ".local" / "pipx" / "venvs" / "codeartifact-refresher"
    (example,) = venv.glob("lib/python*/site-packages/codeartifact_refresher/examples/laptop.yaml")
    checked = run("check", "--config", str(example))
    assert checked.returncode == 0 and checked.stdout.startswith(f"{example}: OK: "), checked.stdout + checked.stderr
    assert (
        run("completion", "bash").stdout.rstrip().endswith("complete -F _codeartifact_refresher codeartifact-refresher")
    )
    assert _standin_banner(env).startswith("export AWS_ENDPOINT_URL_CODEARTIFACT=http://127.0.0.1:")
    demo = run("demo", timeout=300)
    assert demo.returncode == 0 and demo.stdout.rstrip().endswith("Demo succeeded."), demo.stdout + demo.stderr


def _pip_list(env: dict[str, str], *args: str) -> dict[str, str]:
    """``pip list`` in the pipx venv: name -> version (``--outdated`` asks PyPI for newer ones)."""
    command = [tool("pipx"), "runpip", "codeartifact-refresher", "list", "--format", "json", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {p["name"].lower(): p["version"] for p in json.loads(done.stdout)}


def _standin_banner(env: dict[str, str]) -> str:
    """The installed ``standin`` command's last banner line (then it is stopped)."""
    process = subprocess.Popen(
        ["codeartifact-refresher", "standin"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "export AWS_ENDPOINT_URL" in line:
                return line[line.index("export") :].strip()
        return process.stderr.read() if process.stderr else ""
    finally:
        process.terminate()
        process.wait(timeout=30)
