"""Running the real clients and the real CLI as subprocesses, isolated from this machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import LEAKY_PREFIXES
from .tools import search_path

TIMEOUT = 180


def client_env(home: Path, **extra: str) -> dict:
    """Only the temporary HOME's configs count: no PIP_FIND_LINKS, no machine pip.conf, no npm nags;
    ``.clients/bin`` first on PATH, so a client finds the helpers installed beside it (cargo its rustc)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(LEAKY_PREFIXES)}
    env.update(
        HOME=str(home),
        PATH=search_path(),
        PIP_CONFIG_FILE=str(home / ".config" / "pip" / "pip.conf"),
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_ROOT_USER_ACTION="ignore",
        npm_config_userconfig=str(home / ".npmrc"),
        npm_config_globalconfig=str(home / "no-global-npmrc"),
        npm_config_cache=str(home / ".npm"),
        npm_config_update_notifier="false",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_loglevel="error",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    env.update(extra)
    return env


def run(cmd: list, env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)


def refresher(config: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed CLI, at debug level, with this test's AWS settings."""
    cmd = [sys.executable, "-m", "codeartifact_refresher", "-v", "refresh", "--config", str(config), *args]
    return run(cmd, dict(os.environ))


def pip(home: Path, *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pip", *args, "--no-cache-dir"], client_env(home))


def npm(home: Path, *args: str, cache: str = ".npm") -> subprocess.CompletedProcess:
    return run(["npm", *args], client_env(home, npm_config_cache=str(home / cache)), cwd=home)


def twine(home: Path, *args: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "twine", *args], client_env(home))
