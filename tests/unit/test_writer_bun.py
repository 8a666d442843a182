"""bun's bunfig.toml: [install] registry or [install.scopes], read back with a TOML parser."""

import sys

import pytest
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.bun import Writer

from ..strategies import NAME, VALUE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FOREIGN = """\
# my bun settings
telemetry = false

[install]
exact = true # pin versions

[install.scopes]
other = { url = "https://npm.other.example/", token = "other-secret" }

[run]
shell = "bun"
"""
CREDS = Credentials(f"https://{HOST}/npm/store/", TOKEN_1)


def bun_registry(text: str, scope: str | None = None) -> tuple[str, str]:
    install = tomllib.loads(text)["install"]
    entry = install["scopes"].get(scope) or install["scopes"][f"@{scope}"] if scope else install["registry"]
    return entry["url"], entry["token"]


@st.composite
def bunfig_files(draw):
    lines = [f"# {draw(NAME)}"] if draw(st.booleans()) else []
    for table in draw(st.lists(st.sampled_from(["run", "test", "install.cache", "debug"]), max_size=3, unique=True)):
        lines.append(f"[{table}]")
        lines += [f'{k} = "{v}"' for k, v in draw(st.dictionaries(NAME, VALUE, max_size=3)).items()]
    return "".join(line + "\n" for line in lines)


class BunContract(WriterContract):
    foreign = FOREIGN
    corrupt = ("\x00\x01binary junk\x00", "[install\nregistry = 1\n", "a = 1\na = 2\n")
    scope: str | None = None

    def make_writer(self):
        return Writer(scope=f"@{self.scope}") if self.scope else Writer()

    def foreign_texts(self):
        return bunfig_files()

    def read_back(self, text):
        return bun_registry(text, self.scope)

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self):
        """TOML ends lines with LF or CRLF only: bun, like tomllib, refuses a lone CR; so do we."""
        for text in ("# old Mac line ending\r", self.foreign.replace("\n", "\r")):
            with pytest.raises(tomllib.TOMLDecodeError):
                tomllib.loads(text)
            with pytest.raises(WriterError):
                self.render(self.make_writer(), text, self.creds())


class TestDefaultRegistry(BunContract):
    pass


class TestScope(BunContract):
    scope = "acme"


def test_default_path_follows_xdg_config_home(home, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert Writer().default_path() == tmp_path / "xdg" / ".bunfig.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert Writer().default_path() == home / ".bunfig.toml"


def test_a_registry_string_is_replaced_and_an_at_scope_key_is_ours():
    current = (
        '[install]\nregistry = "https://registry.npmjs.org/" # default\n[install.scopes]\n"@acme" = "https://old/"\n'
    )
    text = Writer(scope="@acme").render(Writer().render(current, CREDS), CREDS)
    assert bun_registry(text) == (CREDS.endpoint, TOKEN_1) and "# default" in text
    assert tomllib.loads(text)["install"]["scopes"] == {"@acme": {"url": CREDS.endpoint, "token": TOKEN_1}}


def test_several_scopes_and_domains_in_one_file():
    other = Credentials("https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/web/", TOKEN_2)
    text = Writer(scope="@web").render(Writer(scope="@acme").render(Writer().render(FOREIGN, CREDS), CREDS), other)
    assert bun_registry(text) == (CREDS.endpoint, TOKEN_1)
    assert bun_registry(text, "acme") == (CREDS.endpoint, TOKEN_1)
    assert bun_registry(text, "web") == (other.endpoint, TOKEN_2)
    assert bun_registry(text, "other") == ("https://npm.other.example/", "other-secret")


def test_find_secrets_includes_other_tokens():
    assert set(Writer().find_secrets(Writer().render(FOREIGN, CREDS))) == {"other-secret", TOKEN_1}
