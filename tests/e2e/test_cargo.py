"""The real cargo resolves and downloads a crate from the stand-in's sparse registry with only the
config.toml and credentials.toml that `refresh` wrote; it is refused once the token lapses, and
works again after the next refresh."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from codeartifact_refresher.testing.cargo_repo import DEMO_CRATE, DEMO_CRATE_VERSION
from codeartifact_refresher.testing.writer_contract import is_subsequence

from ..conftest import write_config
from .clients import client_env as base_env
from .clients import refresher, run
from .tools import tool

pytestmark = pytest.mark.e2e

#: where .clients/bin has no rustc, rustup's shim needs its toolchains: the real RUSTUP_HOME, read
#: before the tests' HOME is set
RUSTUP_HOME = os.environ.get("RUSTUP_HOME") or str(Path.home() / ".rustup")
USER_CONFIG = """\
# my cargo settings
[net]
retry = 0   # fail fast

[term]
color = "never"
"""
MANIFEST = f"""\
[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
{DEMO_CRATE} = {{ version = "1", registry = "codeartifact" }}
"""


def cargo_env(home: Path, cargo_home: Path) -> dict:
    env = base_env(
        home,
        CARGO_HOME=str(cargo_home),
        RUSTUP_HOME=RUSTUP_HOME,
        CARGO_REGISTRIES_CRATES_IO_PROTOCOL="sparse",
        CARGO_HTTP_TIMEOUT="20",
    )
    for name in [n for n in env if n.startswith("CARGO_") and n.endswith(("_TOKEN", "_CREDENTIAL_PROVIDER"))]:
        del env[name]
    env.pop("CARGO_NET_OFFLINE", None)
    return env


def cargo(home: Path, project: Path, cache: str, *args: str):
    """cargo in ``project``, with the written config and credentials but its own (empty) caches:
    a fresh cargo home holding copies of the two files."""
    cargo_home = home / cache
    cargo_home.mkdir(exist_ok=True)
    for name in ("config.toml", "credentials.toml"):
        (cargo_home / name).write_bytes((home / ".cargo" / name).read_bytes())
    env = cargo_env(home, cargo_home)  # .clients/bin's rustc (Debian's, beside its cargo) before a rustup shim
    return run([tool("cargo", env), *args], env, cwd=project)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "app"
    (path / "src").mkdir(parents=True)
    (path / "Cargo.toml").write_text(MANIFEST)
    (path / "src" / "lib.rs").write_text("")
    return path


def test_cargo_fetch_then_refused_when_stale_then_works_again(standin, clock, tmp_path, home, project, monkeypatch):
    standin.add_repository("acme", "cargo-store", "cargo")
    (home / ".cargo").mkdir()
    (home / ".cargo" / "config.toml").write_text(USER_CONFIG)
    monkeypatch.setenv("CARGO_HOME", str(home / ".cargo"))  # the refresher finds it as cargo does
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: cargo, repository: cargo-store}\n")
    done = refresher(config)
    assert done.returncode == 0, done.stderr
    written = (home / ".cargo" / "config.toml").read_text()
    assert is_subsequence(USER_CONFIG.splitlines(), written.splitlines())
    assert stat.S_IMODE((home / ".cargo" / "credentials.toml").stat().st_mode) == 0o600

    done = cargo(home, project, "cache1", "fetch")
    assert done.returncode == 0, done.stderr
    lock = (project / "Cargo.lock").read_text()
    assert f'name = "{DEMO_CRATE}"\nversion = "{DEMO_CRATE_VERSION}"' in lock
    downloaded = list((home / "cache1" / "registry" / "cache").glob(f"*/{DEMO_CRATE}-{DEMO_CRATE_VERSION}.crate"))
    assert len(downloaded) == 1
    # config.json, the index file and the download carried the token (cargo's first, token-less
    # request for config.json is the one refusal that tells it the registry needs one)
    assert standin.calls["cargo:authorized"] >= 3 and standin.calls["cargo:refused"] == 1

    clock.advance(901)  # the token lapses
    (project / "Cargo.lock").unlink()
    done = cargo(home, project, "cache2", "generate-lockfile")
    assert done.returncode != 0 and "401" in done.stderr
    assert standin.calls["cargo:refused"] >= 3  # the probe, then the stale token refused

    done = refresher(config)
    assert done.returncode == 0, done.stderr
    done = cargo(home, project, "cache3", "fetch")
    assert done.returncode == 0, done.stderr
    assert f'name = "{DEMO_CRATE}"' in (project / "Cargo.lock").read_text()


def test_without_the_credential_provider_line_cargo_sends_no_token(standin, tmp_path, home, project, monkeypatch):
    """Why the writer names ``cargo:token`` for the registry: without it (and without a global
    provider list) cargo refuses to authenticate to a registry that requires it."""
    standin.add_repository("acme", "cargo-store", "cargo")
    monkeypatch.setenv("CARGO_HOME", str(home / ".cargo"))
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: cargo, repository: cargo-store}\n")
    assert refresher(config).returncode == 0
    path = home / ".cargo" / "config.toml"
    path.write_text(path.read_text().replace('credential-provider = "cargo:token"\n', ""))
    done = cargo(home, project, "cache1", "generate-lockfile")
    assert done.returncode != 0 and "credential-provider" in done.stderr
    assert standin.calls["cargo:authorized"] == 0
