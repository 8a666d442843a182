"""Plugins are who they are by where their code loads from, with real distributions: ``.dist-info``
directories and modules in a temporary directory put first on ``PYTHONPATH``, which
``importlib.metadata`` finds as it finds any installed package, and the real CLI in a subprocess.

- A package whose metadata says ``Name: codeartifact-refresher`` and declares ``pip`` is refused,
  naming both packages and where they are installed (it had replaced the built-in writer, and got
  its tokens, while ``writers`` said "built in": ``entry_points()`` keeps the first distribution of
  a name on the path, so ours was not even seen).
- Two third-party packages declaring one name are refused the same way.
- A plugin that fails to load or to describe itself is listed with its error: exit 1, never 70.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

WRITER = """\
import os
from pathlib import Path

from codeartifact_refresher.writers.base import Writer as Base


class Writer(Base):
    format = "pypi"
    whole_file = True

    def default_path(self, environ=os.environ):
        return Path(environ.get("HOME", "/")) / ".stolen-token"

    def render(self, current, creds):
        return creds.token + "\\n"

    def find_secrets(self, text):
        return text.split()


class Confused(Writer):
    def default_paths(self, environ):
        return {"main": Path(environ["NO_SUCH_VARIABLE"])}
"""


def distribution(where: Path, name: str, version: str, entry_points: dict[str, str]) -> None:
    """A distribution as pip leaves one: ``NAME-VERSION.dist-info`` with METADATA and entry points."""
    info = where / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = "".join(f"{n} = {v}\n" for n, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[codeartifact_refresher.writers]\n{lines}")


def cli(site: Path | str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI with ``site`` (one directory, or several joined by ``os.pathsep``) first on the path."""
    env = {**os.environ, "PYTHONPATH": str(site), "HOME": str(home)}
    command = [sys.executable, "-m", "codeartifact_refresher", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, cwd=home)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    (path / "stolen_writer.py").write_text(WRITER)
    return path


def ours() -> str:
    return str(metadata.distribution("codeartifact-refresher").locate_file(""))


def test_a_package_named_like_us_that_declares_a_built_in_name_is_refused(site, tmp_path):
    distribution(site, "codeartifact-refresher", "9.9.9", {"pip": "stolen_writer:Writer"})
    config = tmp_path / "c.yaml"
    config.write_text("domains:\n  - domain: acme\n    targets:\n      - {writer: pip, repository: store}\n")
    for args in (["writers"], ["check", "--config", str(config)]):
        done = cli(site, tmp_path, *args)
        assert done.returncode == 2, done.stdout + done.stderr
        message = done.stderr.strip().splitlines()[-1]
        assert "two packages declare the writer 'pip': " in message
        assert f"codeartifact-refresher at {ours()} (codeartifact_refresher.writers.pip:Writer, built in)" in message
        assert f"codeartifact-refresher at {site} (stolen_writer:Writer)" in message


def test_a_package_named_like_us_is_not_built_in_for_a_name_of_its_own(site, tmp_path):
    distribution(site, "codeartifact-refresher", "9.9.9", {"extra": "stolen_writer:Writer"})
    done = cli(site, tmp_path, "writers", "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["name"]: r for r in json.loads(done.stdout)}
    assert rows["extra"]["origin"] == "codeartifact-refresher 9.9.9" and rows["extra"]["location"] == str(site)
    assert rows["pip"]["origin"] == "built in" and rows["pip"]["location"] == ours()
    assert [n for n, r in rows.items() if r["origin"] == "built in"] == [n for n in rows if n != "extra"]


def test_two_third_party_packages_declaring_one_name_are_refused(site, tmp_path):
    (site / "other").mkdir()
    distribution(site, "acme-writers", "1.0", {"acme": "stolen_writer:Writer"})
    distribution(site / "other", "acme-writers-fork", "2.0", {"acme": "stolen_writer:Confused"})
    env_site = f"{site}{os.pathsep}{site / 'other'}"
    done = cli(env_site, tmp_path, "writers")
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(
            f"two packages declare the writer 'acme': acme-writers at {site} (stolen_writer:Writer) and "
            f"acme-writers-fork at {site / 'other'} (stolen_writer:Confused); uninstall the one you do not want"
        )
    )


def test_the_same_package_reachable_twice_is_one_writer(site, tmp_path):
    distribution(site, "acme-writers", "1.0", {"acme": "stolen_writer:Writer"})
    done = cli(f"{site}{os.pathsep}{site}", tmp_path, "writers", "--json")
    assert done.returncode == 0, done.stderr
    assert [r["origin"] for r in json.loads(done.stdout) if r["name"] == "acme"] == ["acme-writers 1.0"]


def test_a_plugin_that_fails_to_load_or_describe_itself_is_listed_with_its_error_exit_1(site, tmp_path):
    entry_points = {
        "gone": "no_such_module:Writer",
        "confused": "stolen_writer:Confused",
        "fine": "stolen_writer:Writer",
    }
    distribution(site, "broken-writers", "0.1", entry_points)
    done = cli(site, tmp_path, "writers", "--json")
    assert done.returncode == 1, done.stderr
    rows = {r["name"]: r for r in json.loads(done.stdout)}
    assert rows["gone"]["error"] == (
        "writer 'gone' from broken-writers failed to load from no_such_module:Writer: "
        "ModuleNotFoundError: No module named 'no_such_module'"
    )
    assert rows["confused"]["error"] == (
        "writer 'confused' from broken-writers failed to describe itself: KeyError: 'NO_SUCH_VARIABLE'"
    )
    assert rows["fine"]["error"] is None and rows["fine"]["default_paths"] == {"main": str(tmp_path / ".stolen-token")}
    assert rows["pip"]["error"] is None
    table = cli(site, tmp_path, "writers")
    assert table.returncode == 1 and "Traceback" not in table.stderr
    assert "failed to load: writer 'confused' from broken-writers failed to describe itself" in table.stdout
