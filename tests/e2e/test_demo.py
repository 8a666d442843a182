"""The README's first quick-start command: the demo runs a real pip install through the stand-in."""

import re
import sys

import pytest

from .clients import run

pytestmark = pytest.mark.e2e


def test_demo_succeeds_and_shows_files_with_tokens_redacted(home):
    done = run([sys.executable, "-m", "codeartifact_refresher", "demo"], {"PATH": "/usr/bin:/bin", "HOME": str(home)})
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.rstrip().endswith("Demo succeeded.")
    assert out.count("Successfully installed ca-demo-pkg-1.0.0") == 2 and "No matching distribution" in out
    assert re.findall(r"_authToken=(\S+)", out) == ["<redacted>"] and re.findall(r"password = (\S+)", out) == [
        "<redacted>"
    ]
    assert "index-url = http://aws:<redacted>@127.0.0.1:" in out


def test_the_demo_finds_a_pip_in_a_venv_that_has_none(monkeypatch):
    """A venv made by uv has no pip module: the demo runs the wheel ensurepip bundles instead."""
    import importlib.util
    import subprocess

    from codeartifact_refresher.commands import demo

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pip" else real(name, *a))
    pip = demo.find_pip()
    assert pip is not None and pip[:2] != [sys.executable, "-m"]
    done = subprocess.run([*pip, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("pip "), done.stderr
