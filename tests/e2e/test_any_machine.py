"""The real-client tests run on any machine: with HOME an empty directory (a fresh CI runner's, a
container's) and a rustup shim with no toolchain first on PATH (``rustc`` fails there, as rustup's
does: "rustup could not choose a version of rustc"), the cargo test still passes, with Debian's
rustc from ``.clients/bin``, and does not skip (clients are required here)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .tools import ROOT, tool

pytestmark = pytest.mark.e2e

SHIM = '#!/bin/sh\necho "error: rustup could not choose a version of $(basename "$0") to run" >&2\nexit 1\n'


def test_the_cargo_test_passes_in_a_fresh_home_with_a_broken_rustc_first_on_path(tmp_path: Path) -> None:
    tool("cargo")  # skip (or fail in CI) up front where there is no cargo at all
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in ("rustc", "cargo"):
        (shims / name).write_text(SHIM)
        (shims / name).chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    home = tmp_path / "empty-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "CARGO_HOME")}
    env.update(HOME=str(home), PATH=f"{shims}:{env.get('PATH', os.defpath)}", REFRESHER_REQUIRE_CLIENTS="1")
    test = "tests/e2e/test_cargo.py::test_cargo_fetch_then_refused_when_stale_then_works_again"
    command = [sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", "-q", "-rs", test]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout and "skipped" not in done.stdout
