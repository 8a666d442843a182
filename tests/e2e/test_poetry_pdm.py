"""The real poetry and pdm resolve, install and publish through the stand-in with only what
`refresh` wrote (poetry's auth.toml and config.toml, pdm's config.toml), are refused once the token
lapses, and work again after another refresh. The public PyPI is reachable from here: each test
asserts that the stand-in saw requests carrying a live token."""

from __future__ import annotations

import shutil
import stat
import sys

import pytest

from codeartifact_refresher.testing import packages

from ..conftest import write_config
from .clients import client_env, refresher, run
from .tools import search_path, tool

pytestmark = pytest.mark.e2e

USER_POETRY_CONFIG = """\
# my poetry settings
[virtualenvs]
prefer-active-python = false  # keep
"""
USER_PDM_CONFIG = """\
# my pdm settings
[install]
cache = true
"""


def endpoint(standin) -> str:
    return standin.endpoint(standin.repositories[("acme", standin.account, "pypi", "pypi-store")])


def refreshed(config, standin) -> None:
    """`refresh` (at debug level) wrote every target and printed no token."""
    done = refresher(config)
    assert done.returncode == 0, done.stderr
    assert not any(token in done.stdout + done.stderr for token in standin.issued_tokens())


#: the head of the tiny project each client resolves: one dependency, the stand-in's demo package
CONSUMER = f"""\
[project]
name = "consumer"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["{packages.DEMO_NAME}"]
"""


def project(where, text: str):
    where.mkdir(parents=True)
    (where / "pyproject.toml").write_text(text)
    return where


# -- poetry ---------------------------------------------------------------------------------------


def poetry(home, proj, *args: str, cache: str = "poetry-cache"):
    env = client_env(
        home,
        PATH=search_path(),
        POETRY_CACHE_DIR=str(home / cache),
        POETRY_VIRTUALENVS_IN_PROJECT="true",
        POETRY_NO_INTERACTION="1",
        POETRY_REQUESTS_MAX_RETRIES="0",
    )
    return run([tool("poetry"), *args], env, cwd=proj)


def poetry_project(where, standin):
    return project(
        where,
        CONSUMER
        + f"""\

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "codeartifact"
url = "{endpoint(standin)}simple/"
priority = "primary"
""",
    )


def installed(proj) -> str:
    found = list(proj.glob(".venv/lib/python*/site-packages/ca_demo_pkg/__init__.py"))
    assert len(found) == 1, found
    return found[0].read_text()


def test_poetry_lock_and_install_then_refused_when_stale_then_again_after_refresh(standin, clock, tmp_path, home):
    tool("poetry")
    pypoetry = home / ".config" / "pypoetry"
    pypoetry.mkdir(parents=True)
    (pypoetry / "config.toml").write_text(USER_POETRY_CONFIG)
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: poetry, repository: pypi-store}\n")
    dry = refresher(config, "--dry-run")
    assert dry.returncode == 0 and "+password = " in dry.stdout and "[repositories.codeartifact]" in dry.stdout
    assert not (pypoetry / "auth.toml").exists()
    assert not any(token in dry.stdout + dry.stderr for token in standin.issued_tokens())
    refreshed(config, standin)
    assert (pypoetry / "config.toml").read_text().startswith(USER_POETRY_CONFIG)
    assert stat.S_IMODE((pypoetry / "auth.toml").stat().st_mode) == 0o600

    proj = poetry_project(tmp_path / "proj", standin)
    for step in (["lock"], ["install"]):
        done = poetry(home, proj, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    assert installed(proj) == '__version__ = "1.0.0"\n'
    assert standin.calls["pypi:authorized"] >= 2 and standin.calls["pypi:refused"] == 0

    clock.advance(901)  # the token lapses; a fresh cache makes poetry ask again
    done = poetry(home, proj, "lock", "--regenerate", cache="cache2")
    assert done.returncode != 0 and standin.calls["pypi:refused"] >= 1, done.stdout + done.stderr

    refreshed(config, standin)
    shutil.rmtree(proj / ".venv")
    before = standin.calls["pypi:authorized"]
    for step in (["lock", "--regenerate"], ["install"]):
        done = poetry(home, proj, *step, cache="cache3")
        assert done.returncode == 0, done.stdout + done.stderr
    assert installed(proj) == '__version__ = "1.0.0"\n' and standin.calls["pypi:authorized"] > before


def test_poetry_publish_lands_in_the_repository(standin, clock, tmp_path, home):
    tool("poetry")
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: poetry, repository: pypi-store}\n")
    refreshed(config, standin)
    proj = project(tmp_path / "pub", '[project]\nname = "ca-poetry-made"\nversion = "2.0.0"\n')
    name, data = packages.wheel("ca-poetry-made", "2.0.0")
    (proj / "dist").mkdir()
    (proj / "dist" / name).write_bytes(data)

    done = poetry(home, proj, "publish", "-r", "codeartifact")
    assert done.returncode == 0, done.stdout + done.stderr
    repo = standin.repositories[("acme", standin.account, "pypi", "pypi-store")]
    assert repo.files["ca-poetry-made"] == {name: data}
    assert standin.calls["pypi:POST"] == standin.calls["pypi:authorized"] == 1

    clock.advance(901)
    done = poetry(home, proj, "publish", "-r", "codeartifact", "--skip-existing")
    assert done.returncode != 0 and standin.calls["pypi:refused"] == 1, done.stdout + done.stderr


# -- pdm ------------------------------------------------------------------------------------------


def pdm(home, proj, *args: str, cache: str = "pdm-cache"):
    env = client_env(
        home,
        PATH=search_path(),
        PDM_CACHE_DIR=str(home / cache),
        PDM_CHECK_UPDATE="false",
        PDM_NON_INTERACTIVE="1",
        PDM_PYTHON=sys.executable,
        PDM_IGNORE_SAVED_PYTHON="1",
        XDG_DATA_HOME=str(home / ".local" / "share"),
    )
    return run([tool("pdm"), *args], env, cwd=proj)


def pdm_project(where):
    return project(
        where,
        CONSUMER
        + """\

[tool.pdm]
distribution = false
""",
    )


def pdm_config(home):
    path = home / ".config" / "pdm" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(USER_PDM_CONFIG)
    return path


def test_pdm_default_index_lock_and_install_then_refused_when_stale_then_again(standin, clock, tmp_path, home):
    tool("pdm")
    path = pdm_config(home)
    targets = "      - {writer: pdm, repository: pypi-store, index: primary}\n"
    refreshed(write_config(tmp_path / "c.yaml", standin, targets), standin)
    assert path.read_text().startswith(USER_PDM_CONFIG) and stat.S_IMODE(path.stat().st_mode) == 0o600

    proj = pdm_project(tmp_path / "proj")
    for step in (["lock"], ["install"]):
        done = pdm(home, proj, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    assert installed(proj) == '__version__ = "1.0.0"\n'
    assert standin.calls["pypi:authorized"] >= 2 and standin.calls["pypi:refused"] == 0

    clock.advance(901)  # the token lapses; no lock file and a fresh cache make pdm ask again
    (proj / "pdm.lock").unlink()
    done = pdm(home, proj, "lock", cache="cache2")
    assert done.returncode != 0 and standin.calls["pypi:refused"] >= 1, done.stdout + done.stderr

    refreshed(write_config(tmp_path / "c.yaml", standin, targets), standin)
    shutil.rmtree(proj / ".venv")
    before = standin.calls["pypi:authorized"]
    for step in (["lock"], ["install"]):
        done = pdm(home, proj, *step, cache="cache3")
        assert done.returncode == 0, done.stdout + done.stderr
    assert installed(proj) == '__version__ = "1.0.0"\n' and standin.calls["pypi:authorized"] > before


def test_pdm_named_source_is_used_besides_the_default_index(standin, tmp_path, home):
    """index: extra writes [pypi.codeartifact]; pdm adds it to its sources for lock and install."""
    tool("pdm")
    path = pdm_config(home)
    refreshed(write_config(tmp_path / "c.yaml", standin, "      - {writer: pdm, repository: pypi-store}\n"), standin)
    assert "[pypi.codeartifact]" in path.read_text()
    proj = pdm_project(tmp_path / "proj")
    for step in (["lock"], ["install"]):
        done = pdm(home, proj, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    assert installed(proj) == '__version__ = "1.0.0"\n'
    assert standin.calls["pypi:authorized"] >= 2 and standin.calls["pypi:refused"] == 0


def test_poetry_resolves_through_the_netrc_writers_entry_alone(standin, clock, tmp_path, home):
    """The `netrc` writer is poetry's too: with no http-basic entry, poetry (through requests)
    takes the domain's ~/.netrc line for the source's host."""
    tool("poetry")
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: netrc, repository: pypi-store}\n")
    refreshed(config, standin)
    assert not (home / ".config" / "pypoetry" / "auth.toml").exists()
    proj = poetry_project(tmp_path / "proj", standin)
    done = poetry(home, proj, "lock")
    assert done.returncode == 0, done.stdout + done.stderr
    assert standin.calls["pypi:authorized"] >= 1

    clock.advance(901)
    done = poetry(home, proj, "lock", "--regenerate", cache="cache2")
    assert done.returncode != 0 and standin.calls["pypi:refused"] >= 1, done.stdout + done.stderr

    refreshed(config, standin)
    before = standin.calls["pypi:authorized"]
    done = poetry(home, proj, "lock", "--regenerate", cache="cache3")
    assert done.returncode == 0 and standin.calls["pypi:authorized"] > before, done.stdout + done.stderr
