"""Finding the real clients the end-to-end tests drive.

``.ci/install-clients`` installs every client the tests use into ``.clients/`` at the top of the
checkout (Python tools in their own venvs, npm tools under one prefix, Debian packages with apt);
``.ci/run`` calls it. A test asks for a client with :func:`tool`: it is looked up in
``.clients/bin`` first, then on ``PATH``. A missing client fails the test when
``REFRESHER_REQUIRE_CLIENTS`` is set (``.ci/run`` sets it: nothing skips in CI) and skips it
with the reason otherwise, so that a newcomer's quick start without the clients stays green.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / ".clients"
BIN = CLIENTS / "bin"


def search_path() -> str:
    """``.clients/bin`` before the inherited PATH: give it to clients that start other clients."""
    return os.pathsep.join([str(BIN), os.environ.get("PATH", os.defpath)])


def tool(name: str) -> str:
    """The absolute path of the client ``name``; fails or skips the test when it is missing."""
    found = shutil.which(name, path=search_path())
    if found:
        return found
    reason = f"{name} is not installed: run .ci/install-clients (it installs every client the tests use)"
    if os.environ.get("REFRESHER_REQUIRE_CLIENTS"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)
