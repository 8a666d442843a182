"""``kubernetes`` is imported only when a secret: target is refreshed: ``check`` (even of a config
with secret: targets), ``--help`` and the daemon's modules never load it; without the package the
error says how to install it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFIG = """\
kubernetes:
  namespace: ci
domains:
  - domain: acme
    owner: "111122223333"
    region: us-east-1
    targets:
      - {writer: npm, repository: npm-store, secret: npm-credentials}
      - {writer: pip, repository: pypi-store}
"""


def loaded(script: str, *args: str) -> list[str]:
    """The ``kubernetes`` modules loaded once ``script`` ran (its last output line)."""
    code = f"import sys\n{script}\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'kubernetes'))"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return eval(done.stdout.splitlines()[-1])  # noqa: S307 - a list of names this test printed


def test_check_of_a_secret_config_and_help_do_not_load_kubernetes(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    check = "from codeartifact_refresher import cli\nassert cli.main(['check', '--config', sys.argv[1]]) == 0"
    assert loaded(check, str(path)) == []
    assert (
        loaded("from codeartifact_refresher import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass")
        == []
    )


def test_the_daemon_and_refresh_modules_do_not_load_kubernetes():
    modules = (
        "import codeartifact_refresher.refresh, codeartifact_refresher.service.daemon, codeartifact_refresher.outputs"
    )
    assert loaded(modules) == []


def test_without_the_package_the_error_says_how_to_install_it(tmp_path: Path):
    script = (
        "import sys\nsys.modules['kubernetes'] = None\n"
        "from codeartifact_refresher.kube import connection, settings\n"
        "try:\n    connection.client(settings.Settings('ci', '/nowhere'))\n"
        "except connection.KubernetesError as e:\n    print(e)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == (
        "secret: targets need the Python package 'kubernetes', which is not installed: "
        "pip install 'codeartifact-refresher[kubernetes]'"
    ), done.stderr
