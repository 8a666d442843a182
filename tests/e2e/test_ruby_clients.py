"""The real ``gem`` and ``bundle`` install from the stand-in with what ``refresh`` wrote, are
refused once the token lapses, and work again after the next refresh."""

import stat

import pytest

from codeartifact_refresher.testing import gems, packages
from codeartifact_refresher.testing.writer_contract import is_subsequence

from ..conftest import write_config
from .clients import client_env, refresher, run
from .tools import tool

pytestmark = pytest.mark.e2e

RUBY_TARGETS = """\
      - writer: gem
        repository: ruby-store
      - writer: bundler
        repository: ruby-store
"""
USER_GEMRC = """\
# my gem settings
---
:backtrace: false
gem: --no-document
"""
USER_BUNDLE_CONFIG = """\
---
BUNDLE_JOBS: "2"
"""
LIB = f"{packages.DEMO_NAME.replace('-', '_')}.rb"
INSTALLED = f'  VERSION = "{packages.DEMO_VERSION}"\n'


@pytest.fixture
def ruby(standin, tmp_path, home):
    """A ruby repository with the demo gem, the user's own files, and a config for both writers."""
    standin.add_repository("acme", "ruby-store", "ruby")
    (home / ".gemrc").write_text(USER_GEMRC)
    (home / ".bundle").mkdir()
    (home / ".bundle" / "config").write_text(USER_BUNDLE_CONFIG)
    return write_config(tmp_path / "c.yaml", standin, RUBY_TARGETS)


def refreshed(config) -> None:
    done = refresher(config)
    assert done.returncode == 0, done.stderr


def test_dry_run_shows_both_files_changes_without_a_token(standin, ruby, home):
    refreshed(ruby)
    done = refresher(ruby, "--dry-run")  # a new token: every file would change
    assert done.returncode == 0, done.stderr
    assert ".gemrc" in done.stdout and "credentials" in done.stdout and ".bundle/config" in done.stdout
    assert not any(token in done.stdout + done.stderr for token in standin.issued_tokens())


def gem_install(home, attempt: str):
    """``gem install`` into a fresh GEM_HOME and spec cache: nothing comes from an earlier run."""
    env = client_env(
        home, GEM_HOME=str(home / attempt), GEM_PATH=str(home / attempt), GEM_SPEC_CACHE=str(home / f"{attempt}-specs")
    )
    done = run([tool("gem"), "install", packages.DEMO_NAME, "--no-document"], env)
    return done, home / attempt / "gems" / f"{packages.DEMO_NAME}-{packages.DEMO_VERSION}" / "lib" / LIB


def bundle_install(home, endpoint: str, attempt: str):
    """``bundle install`` in a new project whose Gemfile names the repository without credentials."""
    app = home / attempt
    app.mkdir()
    (app / "Gemfile").write_text(f'source "{endpoint}"\ngem "{packages.DEMO_NAME}"\n')
    env = client_env(
        home,
        BUNDLE_GEMFILE=str(app / "Gemfile"),
        BUNDLE_PATH=str(app / "vendor"),
        BUNDLE_SILENCE_ROOT_WARNING="1",
        BUNDLE_DISABLE_VERSION_CHECK="1",
    )
    done = run([tool("bundle"), "install"], env, cwd=app)
    return done, app / "Gemfile.lock"


def test_gem_install_then_refused_when_stale_then_works_after_refresh(standin, clock, ruby, home):
    refreshed(ruby)
    gemrc, credentials = home / ".gemrc", home / ".gem" / "credentials"
    assert is_subsequence(USER_GEMRC.splitlines(), gemrc.read_text().splitlines())
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600  # RubyGems refuses any other mode

    done, lib = gem_install(home, "gems1")
    assert done.returncode == 0, done.stderr
    assert INSTALLED in lib.read_text()
    assert standin.calls["ruby:authorized"] >= 3 and standin.calls["ruby:refused"] == 0

    clock.advance(901)  # the token lapses
    done, lib = gem_install(home, "gems2")
    assert done.returncode != 0 and not lib.exists() and "401" in done.stderr
    assert standin.calls["ruby:refused"] >= 1

    refreshed(ruby)
    done, lib = gem_install(home, "gems3")
    assert done.returncode == 0, done.stderr
    assert INSTALLED in lib.read_text()


def test_bundle_install_then_refused_when_stale_then_works_after_refresh(standin, clock, ruby, home):
    endpoint = standin.endpoint(standin.repositories[("acme", standin.account, "ruby", "ruby-store")])
    refreshed(ruby)
    config = (home / ".bundle" / "config").read_text()
    assert config.startswith(USER_BUNDLE_CONFIG) and "BUNDLE_127__0__0__1:" in config

    done, lock = bundle_install(home, endpoint, "app1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{packages.DEMO_NAME} ({packages.DEMO_VERSION})" in lock.read_text()
    assert standin.calls["ruby:authorized"] >= 3 and standin.calls["ruby:refused"] == 0

    clock.advance(901)
    done, lock = bundle_install(home, endpoint, "app2")
    assert done.returncode != 0 and not lock.exists() and "Bad username or password" in done.stderr
    assert standin.calls["ruby:refused"] >= 1

    refreshed(ruby)
    done, lock = bundle_install(home, endpoint, "app3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert packages.DEMO_NAME in lock.read_text()


def test_gem_push_with_the_credentials_key_then_refused_when_stale(standin, clock, ruby, home, tmp_path):
    """``gem push --key codeartifact_api_key``: the key comes from ~/.gem/credentials alone."""
    repo = standin.repositories[("acme", standin.account, "ruby", "ruby-store")]
    host = standin.endpoint(repo).rstrip("/")  # as RUBYGEMS_HOST in the AWS guide
    env = client_env(home)

    def push(version: str):
        built = tmp_path / f"ca-pushed-{version}.gem"
        built.write_bytes(gems.gem("ca-pushed", version))
        return run([tool("gem"), "push", str(built), "--key", "codeartifact_api_key", "--host", host], env)

    refreshed(ruby)
    done = push("1.0.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1.0.0" in repo.packages["ca-pushed"] and standin.calls["ruby:refused"] == 0

    clock.advance(901)
    done = push("1.0.1")
    assert done.returncode != 0 and "token missing, unknown or expired" in done.stdout
    assert "1.0.1" not in repo.packages["ca-pushed"] and standin.calls["ruby:refused"] == 1

    refreshed(ruby)
    done = push("1.0.2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1.0.2" in repo.packages["ca-pushed"]
