"""Finding the real clients the end-to-end tests drive, and making sure they run.

``.ci/install-clients`` installs every client the tests use into ``.clients/`` at the top of the
checkout (Python tools in their own venvs, npm tools under one prefix, Debian packages with apt,
and the *helpers* a client starts, such as the ``rustc`` beside Debian's ``cargo``, linked into
``.clients/bin``); ``.ci/run`` calls it. A test asks for a client with :func:`tool`: it is looked
up in ``.clients/bin`` first, then on ``PATH``, and *probed*: run once (``--version``, and for
cargo the ``rustc -vV`` it runs first) in the test's environment, or else in a fresh, empty
``HOME`` as a new CI runner or a container has. A client that is missing, or present but unable
to run (a rustup shim with no toolchain in that ``HOME``), fails the test in CI (:func:`required`)
and skips it with the reason otherwise, so that a newcomer's quick start without the clients
stays green. Clients that start other clients get :func:`search_path` as their ``PATH``
(:func:`tests.e2e.clients.client_env` gives it), so they find the same helpers.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / ".clients"
BIN = CLIENTS / "bin"

#: how to ask a client whether it runs, when ``NAME --version`` is not the way: each command is
#: run with the client's own path in place of its name (cargo runs ``rustc -vV`` before anything)
PROBES: dict[str, tuple[tuple[str, ...], ...]] = {
    "cargo": (("cargo", "--version"), ("rustc", "-vV")),
    "java": (("java", "-version"),),
    "kubectl": (("kubectl", "version", "--client"),),
    "actionlint": (),  # takes no --version: it lints the files named, none here
    "bash": (("bash", "-c", "true"),),
    "zsh": (("zsh", "-c", "true"),),
    "fish": (("fish", "-c", "true"),),
}
PROBE_TIMEOUT = 120
#: clients the tests need a version of at least: name -> ((major, minor), what the older ones lack).
#: The version is the first ``[v]X.Y`` in the output of the client's last probe command.
MINIMUM: dict[str, tuple[tuple[int, int], str]] = {
    # kubectl 1.28 and older read OpenAPI v2 before `apply --server-side`; the stand-in serves v3
    "kubectl": ((1, 29), "its `apply --server-side` needs OpenAPI v2, which the Kubernetes stand-in does not serve"),
}


def required() -> bool:
    """Whether a client that is missing or cannot run fails its test instead of skipping it: in CI
    (``CI=true``, which GitHub Actions, GitLab CI and most others set, or
    ``REFRESHER_REQUIRE_CLIENTS=1``, which ``.ci/run`` sets). ``REFRESHER_REQUIRE_CLIENTS=0``
    says otherwise (a CI job without ``.ci/install-clients``, such as the macOS one)."""
    value = os.environ.get("REFRESHER_REQUIRE_CLIENTS", "").strip().lower()
    if value:
        return value not in ("0", "false", "no")
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def search_path(path: str | None = None) -> str:
    """``.clients/bin`` before ``path`` (the inherited PATH): give it to clients that start other clients."""
    return os.pathsep.join([str(BIN), path if path is not None else os.environ.get("PATH", os.defpath)])


@functools.cache
def _problem(found: str, name: str, env: tuple[tuple[str, str], ...] | None) -> str | None:
    """Why the client at ``found`` cannot run in ``env`` (None: this environment with a new, empty
    HOME, as a fresh CI runner or container has), in one line; None when it runs."""
    if env is not None:
        return _probe(found, name, dict(env))
    with tempfile.TemporaryDirectory(prefix="fresh-home-") as home:
        return _probe(found, name, {**os.environ, "HOME": home, "PATH": search_path()})


def _probe(found: str, name: str, environ: dict[str, str]) -> str | None:
    for command in PROBES.get(name, ((name, "--version"),)):
        program = found if command[0] == name else shutil.which(command[0], path=environ.get("PATH", os.defpath))
        if program is None:
            return f"{command[0]}, which it runs, is not on its PATH"
        try:
            done = subprocess.run(
                [program, *command[1:]],
                env=environ,
                capture_output=True,
                text=True,
                timeout=PROBE_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"`{' '.join(command)}` ({program}) failed: {e}"
        if done.returncode != 0:
            said = next((line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()), "")
            return f"`{' '.join(command)}` ({program}) exited {done.returncode}: {said or 'no output'}"
        if name in MINIMUM and command[0] == name:
            return _too_old(name, done.stdout + done.stderr)
    return None


def _too_old(name: str, said: str) -> str | None:
    """Why the version ``said`` is older than the tests need (None: it is not)."""
    (least, lacks) = MINIMUM[name]
    found = re.search(r"\bv?(\d+)\.(\d+)", said)
    if found is None:
        return f"its version is not in what it printed ({said.strip()[:80]!r}); the tests need {least[0]}.{least[1]}"
    version = (int(found[1]), int(found[2]))
    if version < least:
        return f"it is {version[0]}.{version[1]}, older than {least[0]}.{least[1]}: {lacks}"
    return None


def _give_up(reason: str) -> None:
    if required():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def tool(name: str, env: Mapping[str, str] | None = None) -> str:
    """The absolute path of the client ``name``, which runs in ``env`` (the environment the test
    will run it in; None: this one with an empty HOME); fails or skips the test when it is missing
    or cannot run (see the module doc)."""
    found = shutil.which(name, path=search_path())
    if not found:
        _give_up(f"{name} is not installed: run .ci/install-clients (it installs every client the tests use)")
        raise AssertionError("unreachable")  # pytest.skip and pytest.fail raise
    problem = _problem(found, name, None if env is None else tuple(sorted(env.items())))
    if problem:
        _give_up(f"{name} is installed ({found}) but cannot run here: {problem}")
    return found
