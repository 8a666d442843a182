"""The helpers (keyring backend, cargo provider, the agent's client) against crafted URLs and a
daemon socket that answers hostile text: no question for a host the client will not contact, and
nothing from the socket reaches a terminal as a control sequence."""

from __future__ import annotations

import pytest

from codeartifact_refresher.agent import client
from codeartifact_refresher.helpers import cargo_provider, keyring_backend

from ..agent_fake import FakeAgent, live, refusing, serving

HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
ESCAPES = "no token\x1b]0;pwned\x07\x1b[2J\nerror: fake line\u2028\x9b31m"


@pytest.fixture
def agent(monkeypatch):
    with serving(monkeypatch, live()) as fake:
        yield fake


@pytest.mark.parametrize(
    "service",
    [
        # pip's requests (urllib3) and uv's WHATWG parser contact evil.example; urlsplit reads HOST
        f"https://evil.example\\@{HOST}/pypi/pypi-store/simple/",
        f"https://evil.example\t@{HOST}/pypi/pypi-store/simple/",
        f"sparse+https://evil.example\\@{HOST}/cargo/cargo-store/",
    ],
)
def test_a_url_parsers_read_differently_is_not_asked_about(agent, service):
    assert keyring_backend.Keyring().get_credential(service, "aws") is None
    reply = cargo_provider.respond({"v": 1, "kind": "get", "operation": "read", "registry": {"index-url": service}})
    assert reply == {"Err": {"kind": "url-not-supported"}}
    assert agent.requests == []


def test_a_daemons_error_reaches_no_terminal_as_control_characters(monkeypatch):
    hostile = FakeAgent(refusing(ESCAPES))  # say, a socket another user planted at the path
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_SOCKET", str(hostile.path))
    try:
        with pytest.raises(client.AgentError) as e:
            client.credentials(url=f"https://{HOST}/pypi/pypi-store/simple/", timeout=5)
        reply = cargo_provider.respond(
            {
                "v": 1,
                "kind": "get",
                "operation": "read",
                "registry": {"index-url": f"sparse+https://{HOST}/cargo/cargo-store/"},
            }
        )
    finally:
        hostile.close()
    for text in (str(e.value), reply["Err"]["message"]):
        assert not any(c in text for c in "\x1b\x07\n\u2028\x9b"), text
        assert "no token\\x1b]0;pwned" in text
