"""Fixtures that own the environment: every test gets its own HOME, XDG dirs and fake AWS keys,
and nothing of this machine's pip, npm or AWS settings leaks in."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from codeartifact_refresher.testing import KubeStandIn, StandIn

from . import platforms
from .clocks import Clocks

LEAKY_PREFIXES = (
    "PIP_",
    "AWS_",
    "NPM_CONFIG_",
    "npm_config_",
    "CODEARTIFACT_REFRESHER_",
    "TWINE_",
    # the other clients' settings: each writer honours its tool's variables, as the tool does
    "UV_",
    "POETRY_",
    "PDM_",
    "PNPM_",
    "YARN_",
    "BUN_",
    "CARGO_",
    "GRADLE_",
    "MAVEN_",
    "NUGET_",
    "BUNDLE_",
    "GEM_",
)
LEAKY_NAMES = (
    "VIRTUAL_ENV",
    "NETRC",
    "GEMRC",
    "M2_HOME",
    "XDG_CONFIG_DIRS",
    "STATE_DIRECTORY",
    "NOTIFY_SOCKET",
    "WATCHDOG_USEC",
    "WATCHDOG_PID",
    "JOURNAL_STREAM",
)


def pytest_collection_modifyitems(items) -> None:
    """Tests that measure real time run in one xdist group, one after another, so that a parallel
    run cannot starve them of the CPU they time. Tests that only hold on Linux skip elsewhere, each
    with its reason (:mod:`tests.platforms`)."""
    for item in items:
        if item.get_closest_marker("timing"):
            item.add_marker(pytest.mark.xdist_group("timing"))
    platforms.skip_where_not_linux(items)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(LEAKY_PREFIXES) or name in LEAKY_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return home


@pytest.fixture(autouse=True)
def reset_logging():
    """Undo the CLI's log.setup(), whose handler holds a stream pytest closes and which stops
    records reaching caplog."""
    yield
    for name in ("codeartifact_refresher", "apscheduler"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


@pytest.fixture
def shared():
    """A directory that other users may enter (pytest's own are 0700); its mode is the test's."""
    path = Path(tempfile.mkdtemp(prefix="refresher-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def clock() -> Clocks:
    """The stand-in's clock (wall time), moved by hand; also the daemon's clocks."""
    return Clocks()


@pytest.fixture
def standin(clock):
    with StandIn(token_lifetime=900, clock=clock) as server:
        server.add_repository("acme", "pypi-store", "pypi")
        server.add_repository("acme", "npm-store", "npm")
        yield server


def write_config(path: Path, standin: StandIn, targets: str, domain: str = "acme", extra: str = "") -> Path:
    """A config for ``domain`` on the stand-in; ``targets`` is the YAML list, indented 6."""
    path.write_text(
        "domains:\n"
        f"  - domain: {domain}\n"
        f'    owner: "{standin.account}"\n'
        "    region: us-east-1\n"
        f"    endpoint_url: {standin.url}\n"
        f"{extra}"
        "    targets:\n"
        f"{targets}"
    )
    return path


ALL_TARGETS = """\
      - writer: pip
        repository: pypi-store
      - writer: npm
        repository: npm-store
      - writer: twine
        repository: pypi-store
"""


@pytest.fixture
def kube_standin() -> Iterator[KubeStandIn]:
    """The Kubernetes API stand-in (TLS): ``write_kubeconfig(path, user=...)`` gives each replica
    or client its own identity; ``writes``, ``secret()``, ``lease_history()`` tell what happened."""
    from codeartifact_refresher.kube import connection

    connection.forget()  # no API client made for another test's stand-in
    with KubeStandIn() as server:
        yield server
    connection.forget()
