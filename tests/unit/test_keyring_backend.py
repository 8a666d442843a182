"""The keyring backend answers for CodeArtifact repositories from the daemon, and for nothing else:
other services fall through to the next backend, storing is refused in a way the chainer passes on."""

from __future__ import annotations

import importlib.metadata
import logging
import subprocess
import sys

import pytest
from keyring import credentials
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import PasswordSetError

from codeartifact_refresher.helpers import keyring_backend, lookup

from ..agent_fake import live, refusing, serving

INDEX = "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/pypi-store/simple/"
HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"


@pytest.fixture
def agent(monkeypatch):
    with serving(monkeypatch, live()) as fake:
        yield fake


@pytest.mark.parametrize(
    "service", [INDEX, HOST, f"sparse+{INDEX}", "https://acme-111122223333.codeartifact.us-east-1.on.aws/pypi/r/"]
)
@pytest.mark.parametrize("username", [None, "aws"])
def test_a_codeartifact_url_or_host_gets_the_daemons_token_for_aws(agent, service, username):
    found = keyring_backend.Keyring().get_credential(service, username)
    assert found is not None and (found.username, found.password) == ("aws", "FAKE-TOKEN-1")
    assert keyring_backend.Keyring().get_password(service, "aws") == "FAKE-TOKEN-1"
    assert agent.requests[0]["op"] == "credentials" and agent.requests[0]["url"].startswith("https://acme-")


@pytest.mark.parametrize(
    ("service", "username"),
    [
        (INDEX, "someone-else"),  # not the CodeArtifact user: another backend's entry
        ("poetry-repository-codeartifact", "aws"),  # poetry's name-keyed entry: not a URL
        ("python-poetry-check", "python-poetry"),
        ("system-service", None),
    ],
)
def test_other_entries_fall_through_without_asking_the_daemon(agent, service, username):
    assert keyring_backend.Keyring().get_credential(service, username) is None
    assert agent.requests == []


def test_another_host_is_asked_only_when_a_daemon_socket_exists(agent, monkeypatch):
    """The daemon knows the stand-in's (endpoint_url's) host; without its socket nothing is asked."""
    assert keyring_backend.Keyring().get_password("http://127.0.0.1:8080/acme-111122223333/pypi/r/simple/", "aws")
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_SOCKET", str(agent.dir / "absent.sock"))
    assert keyring_backend.Keyring().get_password("https://pypi.example.com/simple/", "aws") is None
    assert len(agent.requests) == 1


def test_a_refusal_falls_through_with_a_warning_and_no_token(agent, caplog):
    agent.answer = refusing("no domain matches this url")
    with caplog.at_level(logging.DEBUG):
        assert keyring_backend.Keyring().get_credential(INDEX, "aws") is None
    assert "no domain matches this url" in caplog.text and caplog.records[-1].levelno == logging.WARNING


def test_a_url_with_userinfo_is_logged_without_it(agent, caplog):
    agent.answer = refusing("no domain")
    with caplog.at_level(logging.DEBUG):
        keyring_backend.Keyring().get_credential(f"https://aws:SECRET-IN-URL@{HOST}/pypi/r/simple/", "aws")
    assert HOST in caplog.text and "SECRET-IN-URL" not in caplog.text


def test_no_daemon_falls_through(monkeypatch, tmp_path):
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_SOCKET", str(tmp_path / "none.sock"))
    assert keyring_backend.Keyring().get_credential(INDEX, "aws") is None


class Memory(KeyringBackend):
    """Another backend: a system keyring, as the chainer sees one."""

    priority = 5
    stored: dict = {}  # noqa: RUF012

    def get_password(self, service, username):
        return self.stored.get((service, username))

    def set_password(self, service, username, password):
        self.stored[(service, username)] = password

    def delete_password(self, service, username):
        del self.stored[(service, username)]


def test_the_chainer_asks_us_first_and_passes_everything_else_on(agent, monkeypatch):
    ours, theirs = keyring_backend.Keyring(), Memory()
    monkeypatch.setattr(ChainerBackend, "backends", [ours, theirs])
    chain = ChainerBackend()
    assert ChainerBackend.priority > keyring_backend.Keyring.priority > Memory.priority
    chain.set_password("https://other.example/", "me", "theirs")
    assert chain.get_password("https://other.example/", "me") == "theirs"
    assert chain.get_password(INDEX, "aws") == "FAKE-TOKEN-1"
    chain.delete_password("https://other.example/", "me")
    assert Memory.stored == {}


def test_storing_is_refused_politely_when_alone(agent):
    with pytest.raises(PasswordSetError, match="nothing to store"):
        keyring_backend.Keyring().set_password(INDEX, "aws", "x")
    with pytest.raises(NotImplementedError):
        keyring_backend.Keyring().delete_password(INDEX, "aws")


def test_registered_as_a_keyring_backend_entry_point():
    found = [e for e in importlib.metadata.entry_points(group="keyring.backends") if e.name == "codeartifact-refresher"]
    assert [e.value for e in found] == ["codeartifact_refresher.helpers.keyring_backend"]
    assert found[0].load() is keyring_backend


def test_the_import_is_cheap():
    """keyring imports every backend on each lookup: ours loads no config, YAML, botocore or TOML."""
    code = (
        "import sys, codeartifact_refresher.helpers.keyring_backend as k;"
        "k.Keyring().get_credential('https://pypi.org/simple/', 'aws');"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('botocore','yaml','tomlkit','apscheduler') or m.startswith('codeartifact_refresher.config'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_a_credential_is_keyrings_own_type(agent):
    assert isinstance(keyring_backend.Keyring().get_credential(INDEX, None), credentials.SimpleCredential)


def test_service_urls():
    assert lookup.service_url("sparse+https://h.example/cargo/r/") == "https://h.example/cargo/r/"
    assert lookup.service_url("h.example:8443") == "https://h.example:8443/"
    assert lookup.service_url("localhost") == "https://localhost/"
    assert lookup.service_url("poetry-repository-x") is None
    assert lookup.service_url("ftp://h.example/") is None
    assert lookup.service_url("h.example:99999") is None and lookup.service_url("https://[::1/") is None
    assert lookup.is_codeartifact(INDEX) and not lookup.is_codeartifact("https://pypi.org/simple/")
