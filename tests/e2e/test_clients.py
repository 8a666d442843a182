"""The real pip, npm and twine authenticate with what `refresh` wrote, and fail once it is stale."""

import json
import shutil
import stat
import subprocess

import pytest

from codeartifact_refresher.testing import packages
from codeartifact_refresher.testing.writer_contract import is_subsequence
from codeartifact_refresher.writers import pip as pip_writer
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.npm import Writer as NpmWriter

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


def endpoint(standin, fmt: str, name: str, host: str = "127.0.0.1") -> str:
    """The stand-in's endpoint for a repository, with its host spelled ``host``."""
    url = standin.endpoint(standin.repositories[("acme", standin.account, fmt, name)])
    return url.replace("127.0.0.1", host, 1)


def pip_conf(home, text: str):
    path = home / ".config" / "pip" / "pip.conf"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def test_pip_command_sections_that_point_at_our_repository_get_the_token(standin, tmp_path, home):
    """pip reads [install] and [download] after [global]: an old token there must not survive."""
    stale = endpoint(standin, "pypi", "pypi-store").replace("http://", "http://aws:stale-token@") + "simple/"
    conf = pip_conf(home, f"[global]\ntimeout = 30\n[install]\nindex-url = {stale}\n[download]\nindex_url = {stale}\n")
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: pip, repository: pypi-store}\n")
    assert refresher(config).returncode == 0
    assert "stale-token" not in conf.read_text()
    done = pip(home, "install", "--no-deps", "--target", str(tmp_path / "site"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert standin.calls["pypi:GET"] >= 4 and standin.calls["pypi:refused"] == 0


def test_pip_command_section_naming_another_index_is_refused_and_left_alone(standin, tmp_path, home):
    own = tmp_path / "own-index"
    own.mkdir()
    text = f"[global]\ntimeout = 30\n[download]\nindex-url = {own.as_uri()}\n"
    conf = pip_conf(home, text)
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: pip, repository: pypi-store}\n")
    done = refresher(config)
    assert done.returncode == 1 and "[download] index-url" in done.stderr and "'pip download'" in done.stderr
    assert f"{conf}: [download] index-url names another index" in done.stderr  # a refusal, not "cannot parse"
    assert "cannot parse" not in done.stderr
    assert conf.read_text() == text


def test_pip_extra_replaces_our_old_url_spelled_with_another_host_case(standin, tmp_path, home):
    own = tmp_path / "own-index"
    own.mkdir()
    port = standin.port
    old = endpoint(standin, "pypi", "pypi-store", "localhost").replace("http://", "http://aws:stale-token@")
    conf = pip_conf(home, f"[global]\nindex-url = {own.as_uri()}\nextra-index-url = {old}simple/\n")
    standin.inject_answer(
        "GetRepositoryEndpoint", {"repositoryEndpoint": endpoint(standin, "pypi", "pypi-store", "LOCALHOST")}
    )
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: pip, repository: pypi-store, index: extra}\n")
    assert refresher(config).returncode == 0
    written = conf.read_text()
    assert "stale-token" not in written and written.count(f"localhost:{port}") == 1
    done = pip(home, "download", "--no-deps", "-d", str(tmp_path / "dl"), packages.DEMO_NAME)
    assert done.returncode == 0, done.stderr
    assert standin.calls["pypi:GET"] >= 2 and standin.calls["pypi:refused"] == 0


def test_the_pip_writers_command_sections_are_the_commands_that_take_an_index():
    """COMMANDS against the installed pip's own table (newer pips add commands, such as lock)."""
    from pip._internal.commands import commands_dict, create_command

    takes_index = {name for name in commands_dict if create_command(name).parser.get_option("--index-url")}
    assert takes_index <= set(pip_writer.COMMANDS)
    assert {"install", "download", "wheel"} <= takes_index


def test_npm_token_reaches_npm_for_an_endpoint_with_an_uppercase_host(standin, tmp_path, home):
    standin.inject_answer(
        "GetRepositoryEndpoint", {"repositoryEndpoint": endpoint(standin, "npm", "npm-store", "LOCALHOST")}
    )
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: npm, repository: npm-store}\n")
    assert refresher(config).returncode == 0
    done = npm(home, "view", packages.DEMO_NAME, "version", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == packages.DEMO_VERSION
    assert standin.calls["npm:GET"] >= 1 and standin.calls["npm:refused"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://ACME-111122223333.D.CODEARTIFACT.US-EAST-1.AMAZONAWS.COM/npm/store/",
        "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com:443/npm/store/",
        "http://LocalHost:80/npm/store/",
        "http://LOCALHOST:8080/npm/store/",
        "https://Bücher.example/npm/store/",
        "http://[0:0::1]:80/npm/store/",
    ],
)
def test_npm_auth_key_is_npms_own_nerf_dart(url):
    """The key we write is the one npm's @npmcli/config nerfDart computes for the registry."""
    root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=True).stdout.strip()
    script = f"process.stdout.write(require({json.dumps(root + '/npm/node_modules/@npmcli/config/lib/nerf-dart.js')})(process.argv[1]))"
    nerfed = subprocess.run(["node", "-e", script, url], capture_output=True, text=True, check=True).stdout
    text = NpmWriter().render(None, Credentials(url, "t0ken"))
    assert f"{nerfed}:_authToken=t0ken" in text.splitlines()


def test_npm_and_node_are_present():
    """The e2e suite needs them; CI installs them. Missing tools must fail, not skip."""
    assert shutil.which("npm") and shutil.which("node")
