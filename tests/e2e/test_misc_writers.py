"""token, env and template through the real CLI; pip reads the env file through a real shell."""

import os
import shlex
import stat
import subprocess
import sys

import pytest

from codeartifact_refresher.testing import packages

from ..conftest import write_config
from .clients import client_env, refresher, run

pytestmark = pytest.mark.e2e

TARGETS = """\
      - writer: token
        repository: pypi-store
        format: pypi
      - writer: env
        repository: pypi-store
        path: {home}/app/.env
        variables: [token, pip, twine]
      - writer: template
        repository: pypi-store
        template: {home}/t.tmpl
        format: pypi
        path: {home}/app/pip.conf
"""


def refreshed(config, home) -> str:
    done = refresher(config)
    assert done.returncode == 0, done.stderr
    token = (home / ".local/state/codeartifact-refresher/token").read_text()
    assert token not in done.stdout + done.stderr
    return token


def pip_with_env_file(home, dest) -> subprocess.CompletedProcess[str]:
    """pip, with the variables a shell exports from the env file (and no pip.conf at all)."""
    pip = shlex.join([sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "-d", str(dest)])
    env = client_env(home, PIP_CONFIG_FILE=os.devnull)
    return run(["sh", "-c", f"set -a; . ./.env; exec {pip} {packages.DEMO_NAME}"], env, cwd=home / "app")


def test_token_env_and_template_hold_the_live_token_and_pip_uses_the_env_file(standin, clock, tmp_path, home):
    (home / "app").mkdir()
    (home / "app" / ".env").write_text("# the app's own settings\nAPP_ENV=test\n")
    (home / "t.tmpl").write_text(
        "[global]\nindex-url = https://aws:{{ token }}@{{ host }}/x\n# {{ domain }} {{ owner }} {{ region }}\n"
    )
    config = write_config(tmp_path / "c.yaml", standin, TARGETS.format(home=home))
    token = refreshed(config, home)
    env_text = (home / "app" / ".env").read_text()
    assert env_text.startswith("# the app's own settings\nAPP_ENV=test\n")
    assert f"CODEARTIFACT_AUTH_TOKEN={token}\n" in env_text and f"TWINE_PASSWORD={token}\n" in env_text
    rendered = (home / "app" / "pip.conf").read_text()
    assert f"aws:{token}@127.0.0.1:" in rendered and f"# acme {standin.account} us-east-1\n" in rendered
    for path in (home / ".local/state/codeartifact-refresher/token", home / "app/.env", home / "app/pip.conf"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    done = pip_with_env_file(home, tmp_path / "dl")
    assert done.returncode == 0, done.stderr
    assert standin.calls["pypi:authorized"] >= 1 and standin.calls["pypi:refused"] == 0

    clock.advance(901)  # the token lapses
    done = pip_with_env_file(home, tmp_path / "dl2")
    assert done.returncode != 0 and standin.calls["pypi:refused"] >= 1

    assert refreshed(config, home) != token
    done = pip_with_env_file(home, tmp_path / "dl3")
    assert done.returncode == 0, done.stderr
