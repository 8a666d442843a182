"""Yarn Berry's .yarnrc.yml: the contract, Yarn's registry lookup rules, several scopes and domains."""

import re

import pytest
import yaml
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterRefusedError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.yarn import Writer

from ..strategies import COMMENT, NAME, VALUE

FOREIGN = """\
# team Yarn settings
nodeLinker: node-modules  # no PnP here
npmScopes:
  other:
    npmRegistryServer: "https://npm.other.example/"
    npmAuthToken: other-secret
npmRegistries:
  "//npm.other.example":
    npmAuthToken: other-secret-2
enableTelemetry: false
"""
CREDS = Credentials(f"https://{HOST}/npm/store/", TOKEN_1)


def yarn_registry(text: str, scope: str | None = None) -> tuple[str, str | None]:
    """(server, token) as Yarn's ``getScopeRegistry`` and ``getRegistryConfiguration`` find them."""
    data = yaml.safe_load(text) or {}
    server = (data.get("npmScopes") or {}).get(scope, {}).get("npmRegistryServer") if scope else None
    server = server or data.get("npmRegistryServer")
    registries = {k.removesuffix("/"): v for k, v in (data.get("npmRegistries") or {}).items()}
    exact = server.removesuffix("/")
    entry = registries.get(exact) or registries.get(re.sub(r"^[a-z]+:", "", exact)) or {}
    assert entry.get("npmAlwaysAuth") is True
    return server, entry.get("npmAuthToken")


@st.composite
def yarnrc_files(draw):
    lines = draw(
        st.lists(COMMENT.map(lambda c: c.replace(";", "#", 1) if c.lstrip().startswith(";") else c), max_size=2)
    )
    for key in draw(st.lists(NAME, max_size=4, unique=True)):
        lines += draw(st.lists(COMMENT.filter(lambda c: c.lstrip().startswith("#")), max_size=1))
        lines.append(f"{key}: {draw(VALUE.map(lambda v: repr(v)))}")
    return "".join(line + "\n" for line in lines)


class YarnContract(WriterContract):
    foreign = FOREIGN
    corrupt = ("\x00\x01binary junk\x00", "a: [1,\n", "- a\n- list\n", "key: 1\nkey: 2\n", "a: b: c\n")
    scope: str | None = None

    def make_writer(self):
        return Writer(scope=f"@{self.scope}") if self.scope else Writer()

    def foreign_texts(self):
        return yarnrc_files()

    def read_back(self, text):
        return yarn_registry(text, self.scope)


class TestDefaultRegistry(YarnContract):
    pass


class TestScope(YarnContract):
    scope = "acme"


def test_comments_and_other_settings_are_kept_byte_for_byte():
    text = Writer().render(FOREIGN, CREDS)
    assert text.startswith(FOREIGN.rstrip("\n").rsplit("\nenableTelemetry", 1)[0])
    assert "nodeLinker: node-modules  # no PnP here\n" in text


def test_an_entry_yarn_would_take_for_our_registry_gets_the_token_in_place():
    for key in (f"https://{HOST}/npm/store", f"https://{HOST}/npm/store/", f"//{HOST}/npm/store"):
        current = f'npmRegistries:\n  "{key}": # mine\n    npmAuthToken: stale\n'
        text = Writer().render(current, CREDS)
        assert "stale" not in text and text.count(TOKEN_1) == 1 and "# mine" in text
        assert yarn_registry(text) == (CREDS.endpoint, TOKEN_1)


def test_a_token_in_our_scope_would_hide_ours_and_is_refused():
    with pytest.raises(WriterRefusedError, match="npmScopes.acme"):
        Writer(scope="@acme").render("npmScopes:\n  acme:\n    npmAuthToken: theirs\n", CREDS)


def test_several_scopes_and_domains_in_one_file():
    other = Credentials("https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/web/", TOKEN_2)
    text = Writer(scope="@web").render(Writer(scope="@acme").render(Writer().render(FOREIGN, CREDS), CREDS), other)
    assert yarn_registry(text) == (CREDS.endpoint, TOKEN_1)
    assert yarn_registry(text, "acme") == (CREDS.endpoint, TOKEN_1)
    assert yarn_registry(text, "web") == (other.endpoint, TOKEN_2)
    assert yaml.safe_load(text)["npmScopes"]["other"]["npmAuthToken"] == "other-secret"


def test_default_path_follows_yarn_rc_filename(home, monkeypatch):
    assert Writer().default_path() == home / ".yarnrc.yml"
    monkeypatch.setenv("YARN_RC_FILENAME", ".yarnrc-ci.yml")
    assert Writer().default_path() == home / ".yarnrc-ci.yml"


def test_find_secrets_includes_other_tokens():
    assert set(Writer().find_secrets(Writer().render(FOREIGN, CREDS))) == {"other-secret", "other-secret-2", TOKEN_1}


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        # our registry entry is an alias of another registry's: the token would go to that host too
        (
            f'npmRegistries:\n  "//npm.other.example": &shared\n    npmAlwaysAuth: false\n  "//{HOST}/npm/store": *shared\n',
            None,
        ),
        # our scope is an alias of another scope's: its packages would come from our registry
        ('npmScopes:\n  other: &s\n    npmRegistryServer: "https://npm.other.example/"\n  acme: *s\n', "@acme"),
    ],
)
def test_a_yaml_alias_shared_with_another_setting_is_refused_not_edited_through(text, scope):
    with pytest.raises(WriterRefusedError, match="alias"):
        Writer(scope=scope).render(text, CREDS)
