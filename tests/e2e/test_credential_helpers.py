"""The real clients get their token from a real daemon (``run``) through our helpers, with no token
in any file: pip (keyring ``import`` and ``subprocess``), uv (``subprocess``), twine and poetry
through the keyring backend, cargo through the credential provider. While the daemon's token
lives, a client run makes no ``GetAuthorizationToken`` call (the stand-in counts them), and the
stand-in saw the client's requests carry the live token (PyPI is reachable from here: a client
exiting 0 proves nothing by itself)."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeartifact_refresher.testing import packages
from codeartifact_refresher.testing.cargo_repo import DEMO_CRATE, DEMO_CRATE_VERSION

from ..conftest import write_config
from .clients import client_env, run
from .daemon_process import DaemonProcess, wait_for
from .test_cargo import MANIFEST, cargo_env
from .tools import search_path, tool

pytestmark = pytest.mark.e2e

GET_TOKEN = "GetAuthorizationToken"
ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = str(Path(sys.executable).parent)  # cargo-credential-codeartifact-refresher, for cargo


@pytest.fixture
def sock(standin) -> Iterator[Path]:
    """The daemon's socket, in a short directory (a Unix socket's path is at most 107 bytes)."""
    standin.token_lifetime = 3600
    standin.add_repository("acme", "cargo-store", "cargo")
    where = Path(tempfile.mkdtemp(prefix="hlp-", dir="/tmp"))
    yield where / "s" / "agent.sock"
    shutil.rmtree(where, ignore_errors=True)


@contextlib.contextmanager
def daemon(tmp_path: Path, standin, sock: Path, targets: str) -> Iterator[DaemonProcess]:
    """``run`` with ``targets`` and its socket at ``sock``, once it has its first token."""
    config = write_config(tmp_path / "c.yaml", standin, targets)
    config.write_text(config.read_text() + f"agent:\n  socket: {sock}\n")
    process = DaemonProcess(config, tmp_path / "daemon.log")
    try:
        wait_for(lambda: sock.exists() and standin.calls[GET_TOKEN] >= 1, 30, "the daemon's first token and socket")
        yield process
    finally:
        process.close()


def keyring_bin(tmp_path: Path) -> str:
    """A directory holding a ``keyring`` command (this venv's keyring, so our backend), for
    clients that run it (pip skips one in its own scripts directory)."""
    where = tmp_path / "keyring-bin"
    where.mkdir()
    script = where / "keyring"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m keyring "$@"\n')
    script.chmod(0o755)
    return str(where)


def helper_env(home: Path, sock: Path, path: str | None = None, **extra: str) -> dict:
    env = client_env(home, CODEARTIFACT_REFRESHER_SOCKET=str(sock), **extra)
    env.pop("PYTHON_KEYRING_BACKEND")  # keyring finds our backend by its entry point
    if path:
        env["PATH"] = path
    return env


def no_token_in(home: Path, standin) -> None:
    tokens = standin.issued_tokens()
    assert tokens
    for path in home.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            assert not any(token.encode() in data for token in tokens), path


def wait_written(path: Path) -> str:
    return wait_for(lambda: path.exists() and path.read_text(), 30, f"{path.name} written")


@pytest.mark.parametrize("provider", ["import", "subprocess"])
def test_pip_download_through_the_keyring_backend(standin, tmp_path, home, sock, provider):
    targets = f"      - {{writer: pip, repository: pypi-store, credentials: keyring, keyring_provider: {provider}}}\n"
    with daemon(tmp_path, standin, sock, targets):
        pip_conf = wait_written(home / ".config" / "pip" / "pip.conf")
        assert f"keyring-provider = {provider}" in pip_conf and "index-url = http://aws@127.0.0.1" in pip_conf
        calls = standin.calls[GET_TOKEN]
        env = helper_env(home, sock, os.pathsep.join([keyring_bin(tmp_path), search_path()]))
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", str(tmp_path / "dl")]
        done = run([*cmd, packages.DEMO_NAME], env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (tmp_path / "dl" / packages.wheel()[0]).exists()
        assert standin.calls["pypi:authorized"] >= 2
        assert standin.calls[GET_TOKEN] == calls  # no AWS call for the client's run
    no_token_in(home, standin)


def test_uv_pip_install_through_the_keyring_subprocess(standin, tmp_path, home, sock):
    targets = "      - {writer: uv, repository: pypi-store, credentials: keyring}\n"
    with daemon(tmp_path, standin, sock, targets):
        uv_toml = wait_written(home / ".config" / "uv" / "uv.toml")
        assert 'keyring-provider = "subprocess"' in uv_toml and "http://aws@127.0.0.1" in uv_toml
        calls = standin.calls[GET_TOKEN]
        env = {k: v for k, v in helper_env(home, sock).items() if not k.startswith("UV_")}
        env.update(
            PATH=os.pathsep.join([keyring_bin(tmp_path), search_path()]),
            UV_CACHE_DIR=str(home / "uv-cache"),
            UV_PYTHON_DOWNLOADS="never",
            UV_NO_PROGRESS="1",
        )
        target = tmp_path / "site"
        done = run(
            [tool("uv"), "pip", "install", "--python", sys.executable, "--target", str(target), packages.DEMO_NAME], env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert (target / "ca_demo_pkg" / "__init__.py").exists()
        assert standin.calls["pypi:authorized"] >= 2
        assert standin.calls[GET_TOKEN] == calls
    no_token_in(home, standin)


def test_twine_upload_through_the_keyring_backend(standin, tmp_path, home, sock):
    targets = "      - {writer: twine, repository: pypi-store, credentials: keyring}\n"
    with daemon(tmp_path, standin, sock, targets):
        pypirc = wait_written(home / ".pypirc")
        assert "username = aws" in pypirc and "password" not in pypirc
        calls = standin.calls[GET_TOKEN]
        name, data = packages.wheel("ca-through-keyring", "1.0.0")
        (tmp_path / name).write_bytes(data)
        cmd = [sys.executable, "-m", "twine", "upload", "--non-interactive", "-r", "codeartifact", str(tmp_path / name)]
        done = run(cmd, helper_env(home, sock))
        assert done.returncode == 0, done.stdout + done.stderr
        assert standin.calls["pypi:refused"] == 0 and standin.calls["pypi:authorized"] >= 1
        assert standin.calls[GET_TOKEN] == calls
    no_token_in(home, standin)


def test_poetry_lock_through_the_keyring_backend(standin, tmp_path, home, sock):
    """poetry's own environment has keyring but not our package: PYTHON_KEYRING_BACKEND names our
    backend and PYTHONPATH reaches its source (users ``poetry self add`` it instead, see the docs)."""
    tool("poetry")
    targets = "      - {writer: poetry, repository: pypi-store, credentials: keyring}\n"
    with daemon(tmp_path, standin, sock, targets):
        wait_written(home / ".config" / "pypoetry" / "config.toml")
        auth = wait_written(home / ".config" / "pypoetry" / "auth.toml")
        assert "password" not in auth
        calls = standin.calls[GET_TOKEN]
        endpoint = standin.endpoint(standin.repositories[("acme", standin.account, "pypi", "pypi-store")])
        proj = tmp_path / "proj"
        proj.mkdir()
        (proj / "pyproject.toml").write_text(
            f'[project]\nname = "consumer"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'
            f'dependencies = ["{packages.DEMO_NAME}"]\n\n[tool.poetry]\npackage-mode = false\n\n'
            f'[[tool.poetry.source]]\nname = "codeartifact"\nurl = "{endpoint}simple/"\npriority = "primary"\n'
        )
        env = helper_env(
            home,
            sock,
            POETRY_CACHE_DIR=str(home / "poetry-cache"),
            POETRY_NO_INTERACTION="1",
            POETRY_REQUESTS_MAX_RETRIES="0",
            PYTHON_KEYRING_BACKEND="codeartifact_refresher.helpers.keyring_backend.Keyring",
            PYTHONPATH=str(ROOT / "daemon"),
        )
        done = run([tool("poetry"), "lock"], env, cwd=proj)
        assert done.returncode == 0, done.stdout + done.stderr
        assert packages.DEMO_NAME in (proj / "poetry.lock").read_text()
        assert standin.calls["pypi:authorized"] >= 1
        assert standin.calls[GET_TOKEN] == calls
    no_token_in(home, standin)


def test_cargo_fetch_through_the_credential_provider(standin, tmp_path, home, sock, monkeypatch):
    cargo_home = home / ".cargo"
    monkeypatch.setenv("CARGO_HOME", str(cargo_home))  # the daemon finds it as cargo does
    targets = "      - {writer: cargo, repository: cargo-store, credentials: provider}\n"
    project = tmp_path / "app"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(MANIFEST)
    (project / "src" / "lib.rs").write_text("")
    with daemon(tmp_path, standin, sock, targets):
        config = wait_written(cargo_home / "config.toml")
        assert 'credential-provider = "cargo-credential-codeartifact-refresher"' in config
        assert not (cargo_home / "credentials.toml").exists()
        calls = standin.calls[GET_TOKEN]
        env = cargo_env(home, cargo_home)
        env.update(CODEARTIFACT_REFRESHER_SOCKET=str(sock), PATH=os.pathsep.join([VENV_BIN, env["PATH"]]))
        done = run([tool("cargo", env), "fetch"], env, cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f'name = "{DEMO_CRATE}"\nversion = "{DEMO_CRATE_VERSION}"' in (project / "Cargo.lock").read_text()
        assert standin.calls["cargo:authorized"] >= 3
        assert standin.calls[GET_TOKEN] == calls
    no_token_in(home, standin)


def test_uv_with_authenticate_always_and_no_user_in_the_url(standin, tmp_path, home, sock):
    """The other uv form: a clean URL and ``authenticate = "always"`` (uv asks keyring for the
    URL without a user: ``get_credential``)."""
    with daemon(tmp_path, standin, sock, "      []\n"):  # a domain with no file target at all
        endpoint = standin.endpoint(standin.repositories[("acme", standin.account, "pypi", "pypi-store")])
        uv_toml = home / ".config" / "uv" / "uv.toml"
        uv_toml.parent.mkdir(parents=True)
        uv_toml.write_text(
            'keyring-provider = "subprocess"\n\n[[index]]\nname = "codeartifact"\n'
            f'url = "{endpoint}simple/"\ndefault = true\nauthenticate = "always"\n'
        )
        calls = standin.calls[GET_TOKEN]
        env = {k: v for k, v in helper_env(home, sock).items() if not k.startswith("UV_")}
        env.update(
            PATH=os.pathsep.join([keyring_bin(tmp_path), search_path()]),
            UV_CACHE_DIR=str(home / "uv-cache"),
            UV_PYTHON_DOWNLOADS="never",
            UV_NO_PROGRESS="1",
        )
        target = tmp_path / "site"
        done = run(
            [tool("uv"), "pip", "install", "--python", sys.executable, "--target", str(target), packages.DEMO_NAME], env
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert standin.calls["pypi:authorized"] >= 2 and standin.calls[GET_TOKEN] == calls
    no_token_in(home, standin)
