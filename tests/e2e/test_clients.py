"""The real pip, npm and twine authenticate with what `refresh` wrote, and fail once it is stale."""

import shutil
import stat

import pytest

from codeartifact_refresher.testing import packages
from codeartifact_refresher.testing.writer_contract import is_subsequence

from ..conftest import ALL_TARGETS, write_config
from .clients import npm, pip, refresher, twine

pytestmark = pytest.mark.e2e

USER_PIP_CONF = """\
# Managed by hand; keep me.
[global]
timeout = 30
[install]
no-warn-script-location = true
"""
USER_NPMRC = """\
; my npm settings
@other:registry=http://127.0.0.1:1/
//127.0.0.1:1/:_authToken=other-token
save-exact=true
"""
USER_PYPIRC = """\
# my repositories
[distutils]
index-servers =
    pypi

[pypi]
username = __token__
"""


def token_in(home) -> str:
    return (home / ".pypirc").read_text().split("password = ")[1].split()[0]


def refreshed(config, home):
    done = refresher(config)
    assert done.returncode == 0, done.stderr
    token = token_in(home)
    assert token not in done.stdout + done.stderr
    assert "DEBUG" in done.stderr  # debug logging really was on
    return token


@pytest.fixture
def user_files(home):
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(USER_PIP_CONF)
    (home / ".npmrc").write_text(USER_NPMRC)
    (home / ".pypirc").write_text(USER_PYPIRC)
    return home


def test_pip_download_and_install_then_refused_when_stale(standin, clock, tmp_path, user_files):
    home = user_files
    config = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    refreshed(config, home)
    pip_conf = (home / ".config" / "pip" / "pip.conf").read_text()
    assert is_subsequence(USER_PIP_CONF.splitlines(), pip_conf.splitlines())
    assert stat.S_IMODE((home / ".config" / "pip" / "pip.conf").stat().st_mode) == 0o600

    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dl" / packages.wheel()[0]).exists()
    done = pip(home, "install", "--no-deps", "--target", str(tmp_path / "site"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "ca_demo_pkg" / "__init__.py").read_text() == '__version__ = "1.0.0"\n'

    assert standin.calls["pypi:refused"] == 0
    clock.advance(901)  # the token lapses
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl2"), packages.DEMO_NAME)
    assert done.returncode != 0 and standin.calls["pypi:refused"] >= 1

    refreshed(config, home)
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl3"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr


def test_pip_extra_index_keeps_the_users_own_index(standin, tmp_path, home):
    own = tmp_path / "own-index"
    own.mkdir()
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(f"[global]\nindex-url = {own.as_uri()}\n")
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: pip, repository: pypi-store, index: extra}\n")
    assert refresher(config).returncode == 0
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert f"index-url = {own.as_uri()}" in (home / ".config" / "pip" / "pip.conf").read_text()


def test_npm_install_then_refused_when_stale(standin, clock, tmp_path, user_files):
    home = user_files
    config = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    refreshed(config, home)
    assert is_subsequence(USER_NPMRC.splitlines(), (home / ".npmrc").read_text().splitlines())

    done = npm(home, "install", "--prefix", "proj", packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert (
        home / "proj" / "node_modules" / packages.DEMO_NAME / "index.js"
    ).read_text() == 'module.exports = "1.0.0";\n'

    assert standin.calls["npm:refused"] == 0
    clock.advance(901)
    done = npm(home, "install", "--prefix", "proj2", packages.DEMO_NAME, cache="cache2")
    assert done.returncode != 0 and "E401" in done.stderr and standin.calls["npm:refused"] >= 1

    refreshed(config, home)
    done = npm(home, "install", "--prefix", "proj3", packages.DEMO_NAME, cache="cache3")
    assert done.returncode == 0, done.stderr


def test_npm_scoped_registry_serves_only_the_scope(standin, tmp_path, home):
    repo = standin.repositories[("acme", standin.account, "npm", "npm-store")]
    repo.publish_npm("@acme/widgets", "2.1.0")
    config = write_config(
        tmp_path / "c.yaml", standin, "      - {writer: npm, repository: npm-store, scope: '@acme'}\n"
    )
    assert refresher(config).returncode == 0
    done = npm(home, "install", "--prefix", "proj", "@acme/widgets")
    assert done.returncode == 0, done.stderr
    assert (home / "proj" / "node_modules" / "@acme" / "widgets" / "package.json").exists()
    assert "registry=" not in (home / ".npmrc").read_text().replace("@acme:registry=", "")


def test_twine_upload_lands_then_refused_when_stale(standin, clock, tmp_path, user_files):
    home = user_files
    config = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    refreshed(config, home)
    assert is_subsequence(USER_PYPIRC.splitlines(), (home / ".pypirc").read_text().splitlines())
    dist = tmp_path / "dist"
    dist.mkdir()
    name, data = packages.wheel("ca-uploaded", "2.0.0")
    (dist / name).write_bytes(data)

    done = twine(home, "upload", "--non-interactive", "--repository", "codeartifact", str(dist / name))
    assert done.returncode == 0, done.stdout + done.stderr
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), "ca-uploaded==2.0.0")
    assert done.returncode == 0, done.stderr  # what twine uploaded, pip can fetch

    assert standin.calls["pypi:refused"] == 0
    clock.advance(901)
    done = twine(home, "upload", "--non-interactive", "--repository", "codeartifact", str(dist / name))
    assert done.returncode != 0 and standin.calls["pypi:refused"] >= 1


def test_endpoint_from_aws_endpoint_url_codeartifact(standin, tmp_path, home, monkeypatch):
    """No endpoint_url in the config: botocore's own environment variable points at the stand-in."""
    config = tmp_path / "c.yaml"
    config.write_text(
        f'domains:\n  - domain: acme\n    owner: "{standin.account}"\n    region: us-east-1\n'
        "    targets: [{writer: pip, repository: pypi-store}]\n"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", standin.url)
    assert refresher(config).returncode == 0
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr


def test_npm_and_node_are_present():
    """The e2e suite needs them; CI installs them. Missing tools must fail, not skip."""
    assert shutil.which("npm") and shutil.which("node")
