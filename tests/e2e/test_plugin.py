"""A third-party writer, built and installed by pip as its own package into a fresh virtualenv,
is listed by ``writers`` with its package and version and writes its file in a ``refresh``.

The venv is made without pip and sees this checkout's environment (codeartifact-refresher and its
dependencies, pip) through a ``.pth`` file, so nothing is downloaded. The plugin brings its own
PEP 517 backend (``backend-path``, a few lines that zip a wheel), because this environment has
no ``wheel`` for setuptools to build one with; pip builds and installs it through the standard
interface all the same, entry points included.
"""

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import codeartifact_refresher

from ..conftest import write_config

pytestmark = pytest.mark.e2e

PYPROJECT = """\
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]
"""
WRITER = '''\
"""A plugin writer: one line, the endpoint and the token."""
import os
from pathlib import Path

from codeartifact_refresher.writers.base import Writer as Base


class Writer(Base):
    format = "pypi"
    whole_file = True

    def default_path(self, environ=os.environ):
        return Path(environ.get("HOME", "/")) / ".acme-token"

    def render(self, current, creds):
        return f"{creds.endpoint} {creds.token}\\n"

    def find_secrets(self, text):
        return text.split()[1:]
'''
BACKEND = '''\
"""The smallest PEP 517 backend: a pure-Python wheel of acme_writer.py."""
import base64, hashlib, zipfile

NAME, VERSION = "acme_writers", "1.2.0"
DIST = f"{NAME}-{VERSION}.dist-info"
FILES = {
    "acme_writer.py": open("acme_writer.py", "rb").read(),
    f"{DIST}/METADATA": f"Metadata-Version: 2.1\\nName: acme-writers\\nVersion: {VERSION}\\n".encode(),
    f"{DIST}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    f"{DIST}/entry_points.txt": b"[codeartifact_refresher.writers]\\nacme = acme_writer:Writer\\n",
}


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    record = "".join(f"{path},{_hash(data)},{len(data)}\\n" for path, data in FILES.items()) + f"{DIST}/RECORD,,\\n"
    with zipfile.ZipFile(f"{wheel_directory}/{name}", "w") as whl:
        for path, data in FILES.items():
            whl.writestr(path, data)
        whl.writestr(f"{DIST}/RECORD", record)
    return name
'''


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory) -> Path:
    """A fresh venv's python with the plugin installed by pip."""
    root = tmp_path_factory.mktemp("plugin")
    source = root / "acme-writers"
    source.mkdir()
    (source / "pyproject.toml").write_text(PYPROJECT)
    (source / "acme_writer.py").write_text(WRITER)
    (source / "backend.py").write_text(BACKEND)
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
    )
    ours = Path(codeartifact_refresher.__file__).parents[1]  # the checkout's daemon/ (an editable install)
    (Path(purelib.strip()) / "checkout.pth").write_text(f"{site.getsitepackages()[0]}\n{ours}\n")
    install = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", str(source)]
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(install, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return python


def cli(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "codeartifact_refresher", *args], capture_output=True, text=True, timeout=60)


def test_writers_lists_the_plugin_with_its_package(plugin_python, home):
    done = cli(plugin_python, "writers", "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["name"]: r for r in json.loads(done.stdout)}
    assert rows["acme"]["origin"] == "acme-writers 1.2.0"
    assert rows["acme"]["format"] == "pypi"
    assert rows["acme"]["default_paths"] == {"main": str(home / ".acme-token")}
    assert rows["pip"]["origin"] == "built in"
    assert "acme" not in cli(Path(sys.executable), "writers").stdout  # only in the plugin's venv


def test_refresh_writes_the_plugins_file(plugin_python, standin, tmp_path, home):
    targets = "      - writer: acme\n        repository: pypi-store\n"
    config = write_config(tmp_path / "c.yaml", standin, targets)
    done = cli(plugin_python, "refresh", "--config", str(config))
    assert done.returncode == 0, done.stderr
    endpoint, token = (home / ".acme-token").read_text().split()
    assert token in standin.issued_tokens() and token not in done.stdout + done.stderr
    assert endpoint.endswith("/pypi/pypi-store/")
    assert os.stat(home / ".acme-token").st_mode & 0o777 == 0o600
