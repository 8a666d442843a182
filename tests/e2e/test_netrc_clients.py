"""pip, uv and curl authenticate with nothing but the netrc entry (and the clean index URLs) that
`refresh` wrote; refused once the token lapses; working again after the next refresh."""

import subprocess
import sys

import pytest

from codeartifact_refresher.testing import packages

from ..conftest import write_config
from .clients import client_env, pip, refresher, run
from .tools import tool

pytestmark = pytest.mark.e2e

USER_NETRC = """\
# my other hosts
machine github.com login me password ghp_not_ours
macdef init
cd /pub

"""


def refresh(config):
    done = refresher(config)
    assert done.returncode == 0, done.stderr
    return done


def netrc_token(home) -> str:
    line = next(li for li in (home / ".netrc").read_text().splitlines() if li.startswith("machine 127.0.0.1 "))
    return line.split()[-1]


def test_pip_installs_through_the_netrc_with_no_token_in_pip_conf(standin, clock, tmp_path, home):
    (home / ".netrc").write_text(USER_NETRC)
    targets = "      - {writer: pip, repository: pypi-store, credentials: netrc}\n"
    config = write_config(tmp_path / "c.yaml", standin, targets)
    done = refresh(config)
    token = netrc_token(home)
    assert token not in done.stdout + done.stderr
    pip_conf = (home / ".config" / "pip" / "pip.conf").read_text()
    assert token not in pip_conf and "@" not in pip_conf and "index-url = http://127.0.0.1" in pip_conf
    assert (home / ".netrc").read_text().startswith(USER_NETRC.split("macdef")[0])

    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dl" / packages.wheel()[0]).exists()
    assert standin.calls["pypi:authorized"] >= 2 and standin.calls["pypi:refused"] <= 1

    refused = standin.calls["pypi:refused"]
    clock.advance(901)
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl2"), packages.DEMO_NAME)
    assert done.returncode != 0 and standin.calls["pypi:refused"] > refused

    refresh(config)
    authorized = standin.calls["pypi:authorized"]
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl3"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert standin.calls["pypi:authorized"] > authorized


def uv_env(home, cache: str) -> dict:
    env = {k: v for k, v in client_env(home).items() if not k.startswith("UV_")}
    env.update(UV_CACHE_DIR=str(home / cache), UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1")
    return env


def uv(home, *args, cache=".cache/uv", cwd=None):
    return run([tool("uv"), *args], uv_env(home, cache), cwd=cwd)


PROJECT = f"""\
[project]
name = "tiny"
version = "0.1.0"
requires-python = ">=3.8"
dependencies = ["{packages.DEMO_NAME}"]
"""


def test_uv_pip_install_lock_and_sync_through_uv_toml_and_netrc(standin, clock, tmp_path, home):
    uv_bin = tool("uv")
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: uv, repository: pypi-store}\n")
    refresh(config)
    token = netrc_token(home)
    uv_toml = (home / ".config" / "uv" / "uv.toml").read_text()
    assert token not in uv_toml and "default = true" in uv_toml

    done = uv(
        home, "pip", "install", "--python", sys.executable, "--target", str(tmp_path / "site"), packages.DEMO_NAME
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "ca_demo_pkg" / "__init__.py").exists()
    assert standin.calls["pypi:authorized"] >= 2

    project = tmp_path / "tiny"
    project.mkdir()
    (project / "pyproject.toml").write_text(PROJECT)
    authorized = standin.calls["pypi:authorized"]
    done = uv(home, "lock", "--python", sys.executable, cache="cache-lock", cwd=project)
    assert done.returncode == 0, done.stderr
    lock = (project / "uv.lock").read_text()
    assert "127.0.0.1" in lock and token not in lock
    done = uv(home, "sync", "--python", sys.executable, cache="cache-lock", cwd=project)
    assert done.returncode == 0, done.stderr
    assert standin.calls["pypi:authorized"] > authorized

    refused = standin.calls["pypi:refused"]
    clock.advance(901)
    done = uv(home, "lock", "--refresh", "--python", sys.executable, cache="cache-stale", cwd=project)
    assert done.returncode != 0 and standin.calls["pypi:refused"] > refused

    refresh(config)
    done = uv(home, "lock", "--refresh", "--python", sys.executable, cache="cache-fresh", cwd=project)
    assert done.returncode == 0, done.stderr
    assert uv_bin


def curl(home, url: str) -> subprocess.CompletedProcess:
    return run([tool("curl"), "-s", "-o", "/dev/null", "-w", "%{http_code}", "--netrc", url], client_env(home))


def test_curl_takes_our_entry_even_from_a_hostile_file(standin, clock, tmp_path, home):
    """A default before us and a CR LF macro whose body names our host: curl, which takes the
    first match and reads such a body as entries, still gets our token."""
    (home / ".netrc").write_text(
        "default login anonymous password guest\r\nmacdef m\r\nmachine 127.0.0.1 login evil password bad\r\n\r\n"
    )
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: netrc, repository: pypi-store}\n")
    refresh(config)
    url = f"{standin.url}/acme-{standin.account}/pypi/pypi-store/simple/{packages.DEMO_NAME}/"
    assert curl(home, url).stdout == "200" and standin.calls["pypi:authorized"] == 1

    clock.advance(901)
    assert curl(home, url).stdout == "401"
    refresh(config)
    assert curl(home, url).stdout == "200" and standin.calls["pypi:authorized"] == 2
