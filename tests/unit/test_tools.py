"""``tests.e2e.tools.tool``: a client is taken from ``.clients/bin`` before PATH, and probed in the
test's environment; one that is missing or present but unable to run skips the test with its
reason outside CI and fails it in CI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ..e2e import tools

RUSTUP_SAYS = "error: rustup could not choose a version of rustc to run, because one wasn't specified explicitly"


def script(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A .clients/bin with a working rustc and cargo, and a PATH whose rustc and cargo are a rustup
    shim with no toolchain; CI's variables unset."""
    clients = tmp_path / "clients-bin"
    script(clients, "rustc", 'echo "rustc 1.96.0"')
    script(clients, "cargo", 'echo "cargo 1.96.0"')
    shims = tmp_path / "rustup-shims"
    script(shims, "rustc", f'echo "{RUSTUP_SAYS}" >&2; exit 1')
    script(shims, "cargo", "exec rustc -vV")
    script(shims, "broken", f'echo "{RUSTUP_SAYS}" >&2; exit 1')
    monkeypatch.setattr(tools, "BIN", clients)
    monkeypatch.setenv("PATH", f"{shims}:/usr/bin:/bin")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("REFRESHER_REQUIRE_CLIENTS", raising=False)
    tools._problem.cache_clear()
    return {"clients": clients, "shims": shims, "home": tmp_path / "empty-home"}


def test_clients_bin_comes_first_and_its_helpers_are_what_the_client_runs(machine):
    env = {"HOME": str(machine["home"]), "PATH": tools.search_path()}
    assert tools.tool("cargo", env) == str(machine["clients"] / "cargo")
    assert tools.tool("rustc") == str(machine["clients"] / "rustc")


def test_a_client_whose_helper_is_a_broken_shim_on_its_path_skips_with_the_reason(machine):
    """cargo from .clients/bin, but run with a PATH whose rustc is the shim: it cannot work."""
    env = {"HOME": str(machine["home"]), "PATH": f"{machine['shims']}:/usr/bin:/bin"}
    with pytest.raises(pytest.skip.Exception) as skipped:
        tools.tool("cargo", env)
    reason = str(skipped.value)
    assert reason.startswith(f"cargo is installed ({machine['clients'] / 'cargo'}) but cannot run here: `rustc -vV` (")
    assert reason.endswith(f"exited 1: {RUSTUP_SAYS}")


@pytest.mark.parametrize(
    ("variables", "fails"),
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"REFRESHER_REQUIRE_CLIENTS": "1"}, True),
        ({"CI": "true", "REFRESHER_REQUIRE_CLIENTS": "0"}, False),  # a CI job without .ci/install-clients
    ],
)
def test_present_but_broken_skips_outside_ci_and_fails_in_ci(machine, monkeypatch, variables, fails):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    expected = pytest.fail.Exception if fails else pytest.skip.Exception
    with pytest.raises(expected) as stopped:
        tools.tool("broken")
    assert f"broken is installed ({machine['shims'] / 'broken'}) but cannot run here: " in str(stopped.value)
    assert RUSTUP_SAYS in str(stopped.value)
    with pytest.raises(expected, match=r"no-such-client is not installed: run .ci/install-clients"):
        tools.tool("no-such-client")


def test_the_default_probe_runs_in_an_empty_home(machine):
    """Without the test's environment, the probe's HOME is an empty directory, as on a fresh runner."""
    script(machine["clients"], "homecheck", 'test -z "$(ls -A "$HOME")" || { echo "HOME not empty" >&2; exit 1; }')
    assert tools.tool("homecheck") == str(machine["clients"] / "homecheck")


@pytest.mark.parametrize(
    ("says", "problem"),
    [
        ("Client Version: v1.32.4-dispatcher\nKustomize Version: v5.5.0", None),
        ("Client Version: v1.29.0", None),
        (
            "Client Version: v1.28.15\nKustomize Version: v5.0.4",
            "it is 1.28, older than 1.29: its `apply --server-side`",
        ),
        ("Client Version: unknown", "its version is not in what it printed"),
    ],
)
def test_a_kubectl_older_than_the_tests_need_is_refused_with_why(machine, says, problem):
    script(machine["clients"], "kubectl", f"printf '{says}\\n'")
    if problem is None:
        assert tools.tool("kubectl") == str(machine["clients"] / "kubectl")
        return
    with pytest.raises(pytest.skip.Exception) as stopped:
        tools.tool("kubectl")
    assert problem in str(stopped.value)
