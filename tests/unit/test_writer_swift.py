"""The swift writer: SwiftPM's registries.json (read back with json, by the documented schema:
SE-0378 and SwiftPM's RegistryConfiguration v1) and the shared netrc entry. No Swift client runs
here: these are the format's rules."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import ENDPOINT_SHAPES, TOKEN_1, TOKEN_2, is_subsequence
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.formats import netrc
from codeartifact_refresher.writers.swift import Writer

from .test_writer_netrc import NetrcRoleContract

FOREIGN = (
    json.dumps(
        {
            "authentication": {"packages.example.com": {"loginAPIPath": "/v1/login", "type": "basic"}},
            "registries": {"other": {"supportsAvailability": False, "url": "https://packages.example.com/"}},
            "security": {"default": {"signing": {"onUnsigned": "warn"}}},
            "version": 1,
        },
        indent=2,
        sort_keys=True,
    )
    + "\n"
)


class TestSwiftNetrc(NetrcRoleContract):
    role = "netrc"

    def make_writer(self):
        return Writer()


@pytest.mark.parametrize("shape", sorted(ENDPOINT_SHAPES))
@pytest.mark.parametrize("scope", [None, "acme"])
def test_registries_json_names_the_registry_and_token_authentication_for_its_host(shape, scope):
    """registries.json holds no token (the netrc file does: contract above), so the writer
    contract does not apply to it; the same checks by hand: read back, foreign data kept,
    idempotent, unchanged by a new token."""
    creds = Credentials(ENDPOINT_SHAPES[shape].format(fmt="swift"), TOKEN_1, "store")
    writer = Writer(scope=scope)
    text = writer.render(FOREIGN, creds)
    data = json.loads(text)
    assert data["registries"][scope or "[default]"] == {
        "supportsAvailability": False,
        "url": f"https://{creds.host}{creds.path}",
    }
    assert data["authentication"][netrc.machine_name(creds.endpoint)] == {
        "loginAPIPath": f"{creds.path}login",
        "type": "token",
    }
    foreign = json.loads(FOREIGN)
    assert data["registries"]["other"] == foreign["registries"]["other"] and data["security"] == foreign["security"]
    assert is_subsequence(FOREIGN.splitlines()[:3], text.splitlines())
    assert writer.render(text, Credentials(creds.endpoint, TOKEN_2, "store")) == text


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=80))
def test_property_any_text_is_refused_or_rewritten_as_swiftpm_json(text):
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="swift"), TOKEN_1, "store")
    try:
        out = Writer().render(text, creds)
    except WriterError as e:  # refused or rewritten: either is allowed
        assert TOKEN_1 not in str(e)  # noqa: PT017
        return
    assert json.loads(out)["version"] == 1 and Writer().render(out, creds) == out


def test_registries_json_never_holds_the_token():
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="swift"), TOKEN_1, "store")
    text = Writer().render(FOREIGN, creds)
    assert TOKEN_1 not in text
    data = json.loads(text)
    assert data["registries"]["[default]"]["url"] == creds.endpoint
    assert data["security"] == json.loads(FOREIGN)["security"]


@pytest.mark.parametrize("text", ['{"version": 2}', '{"authentication": "x"}'])
def test_a_file_swiftpm_would_read_otherwise_is_refused(text):
    with pytest.raises(WriterRefusedError):
        Writer().render(text, Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="swift"), TOKEN_1))


def test_bad_json_is_refused_naming_the_line():
    with pytest.raises(WriterError, match="line 3"):
        Writer().render('{\n  "version": \n}', Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="swift"), TOKEN_1))


@pytest.mark.parametrize("scope", ["-a", "a--b", "a" * 40, "a_b"])
def test_scopes_are_checked_as_the_aws_cli_checks_them(scope):
    with pytest.raises(ValueError, match="expected a Swift registry scope"):
        options.validate(Writer.Options, "scope", scope)
