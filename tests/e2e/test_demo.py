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
    assert re.findall(r"_authToken=(\S+)", out) == ["<redacted>"] and re.findall(r"password = (\S+)", out) == ["<redacted>"]
    assert "index-url = http://aws:<redacted>@127.0.0.1:" in out
