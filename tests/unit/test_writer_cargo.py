"""The cargo writer, each of its files read back as cargo reads TOML (tomllib: TOML 1.0, as cargo's
toml parser) and as cargo picks a registry's index, provider and token."""

from __future__ import annotations

import sys

import pytest
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import MAIN, Credentials
from codeartifact_refresher.writers.cargo import CREDENTIALS, Options, Writer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG = """\
# my cargo settings
[net]
retry = 3  # flaky wifi

[registries.mirror]
index = "sparse+https://mirror.example/index/"
token = "Bearer user-config-token"
"""
CREDENTIALS_TEXT = """\
# written by cargo login
[registry]
token = "crates-io-secret"

[registries.mirror]
token = "Bearer mirror-secret"
"""
CREDS = Credentials(f"https://{HOST}/cargo/store/", TOKEN_1)
KEY = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True).filter(lambda k: k != "codeartifact")
VALUE = st.one_of(st.integers(0, 99), st.booleans(), st.from_regex(r"[A-Za-z0-9:/._ -]{0,16}", fullmatch=True))


@st.composite
def toml_files(draw):
    """TOML with comments, top-level keys and tables (some under [registries]), LF or CRLF."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    lines = draw(st.lists(st.from_regex(r"# [ -~]{0,20}", fullmatch=True), max_size=2))
    for table in draw(st.lists(KEY, max_size=3, unique=True)):
        lines.append(draw(st.sampled_from([f"[{table}]", f"[registries.{table}]"])))
        for key, value in draw(st.dictionaries(KEY, VALUE, max_size=3)).items():
            lines.append(f"{key} = {tomllib_value(value)}")
    return nl.join(lines) + (nl if lines and draw(st.booleans()) else "")


def tomllib_value(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int) else f'"{value}"'


class TomlContract(WriterContract):
    corrupt = ("\x00\x01binary junk\x00", "[registries\nindex = 1\n", 'registries = "not a table"\n')

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return toml_files()

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self):
        """TOML allows only LF and CRLF: cargo refuses a lone CR, and so does the writer; CRLF files
        keep their endings."""
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads("# old Mac line ending\r")
        with pytest.raises(WriterError):
            self.render(self.make_writer(), "# old Mac line ending\r", self.creds())
        crlf = self.foreign.replace("\n", "\r\n")
        out = self.render(self.make_writer(), crlf, self.creds())
        assert out.startswith(crlf) and self.read_back(out) == self.expected(TOKEN_1)


class TestCredentials(TomlContract):
    role = CREDENTIALS
    foreign = CREDENTIALS_TEXT

    def read_back(self, text):
        """cargo's ``cargo:token`` provider: ``registries.NAME.token``, sent as it is."""
        token = tomllib.loads(text)["registries"]["codeartifact"]["token"]
        assert token.startswith("Bearer ")
        return "codeartifact", token.removeprefix("Bearer ")

    def expected(self, token=TOKEN_1):
        return "codeartifact", token

    def test_the_users_tokens_stay_and_are_found_as_secrets(self):
        writer = Writer()
        text = writer.render_file(CREDENTIALS, CREDENTIALS_TEXT, CREDS)
        read = tomllib.loads(text)
        assert read["registry"]["token"] == "crates-io-secret"
        assert read["registries"]["mirror"]["token"] == "Bearer mirror-secret"
        found = set(writer.find_file_secrets(CREDENTIALS, text))
        assert {"crates-io-secret", "mirror-secret", TOKEN_1} <= found

    def test_a_credential_provider_in_the_credentials_file_is_refused(self):
        """cargo merges credentials.toml over config.toml key by key: a provider here wins."""
        text = '[registries.codeartifact]\ncredential-provider = "cargo:libsecret"\n'
        with pytest.raises(WriterRefusedError, match="credential-provider"):
            Writer().render_file(CREDENTIALS, text, CREDS)

    def test_secrets_are_found_in_text_that_does_not_parse(self):
        found = Writer().find_file_secrets(CREDENTIALS, '[registry\ntoken = "Bearer broken-secret"\n')
        assert "broken-secret" in found


class TestConfig(TomlContract):
    """config.toml holds no token: only the index and the provider, which a new token leaves as
    they are. The contract's token checks become checks that the token stays out of this file."""

    role = MAIN
    holds_token = False
    foreign = CONFIG

    def read_back(self, text):
        """(index URL without ``sparse+``, the registry's credential provider)."""
        table = tomllib.loads(text)["registries"]["codeartifact"]
        assert table["index"].startswith("sparse+")
        return table["index"].removeprefix("sparse+"), table["credential-provider"]

    def expected(self, token=TOKEN_1):
        return self.creds().endpoint, "cargo:token"

    def test_the_users_own_token_in_config_toml_is_a_secret(self):
        writer = self.make_writer()
        text = self.render(writer, self.foreign, self.creds())
        assert "user-config-token" in writer.find_file_secrets(MAIN, text)


def test_a_legacy_file_without_extension_is_the_one_cargo_reads(tmp_path):
    """cargo reads ``config`` (and ``credentials``) when it exists, even beside ``config.toml``."""
    env = {"HOME": str(tmp_path), "CARGO_HOME": str(tmp_path / "ch")}
    paths = Writer().default_paths(env)
    assert paths == {CREDENTIALS: tmp_path / "ch" / "credentials.toml", MAIN: tmp_path / "ch" / "config.toml"}
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "config").write_text("")
    (tmp_path / "ch" / "config.toml").write_text("")
    assert Writer().default_paths(env)[MAIN] == tmp_path / "ch" / "config"
    assert Writer().default_paths({"HOME": str(tmp_path)})[MAIN] == tmp_path / ".cargo" / "config.toml"


def test_a_relative_cargo_home_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Writer().default_paths({"CARGO_HOME": "rel"})[MAIN] == tmp_path / "rel" / "config.toml"


def test_two_repositories_under_two_names_do_not_clobber_each_other():
    other = Credentials("https://other-111122223333.d.codeartifact.us-east-1.amazonaws.com/cargo/b/", TOKEN_2)
    config = Writer(name="b").render_file(MAIN, Writer().render_file(MAIN, CONFIG, CREDS), other)
    creds = Writer(name="b").render_file(CREDENTIALS, Writer().render_file(CREDENTIALS, None, CREDS), other)
    registries = tomllib.loads(config)["registries"]
    assert registries["codeartifact"]["index"] == f"sparse+{CREDS.endpoint}"
    assert registries["b"]["index"] == f"sparse+{other.endpoint}"
    assert registries["mirror"]["index"] == "sparse+https://mirror.example/index/"
    tokens = tomllib.loads(creds)["registries"]
    assert tokens == {"codeartifact": {"token": f"Bearer {TOKEN_1}"}, "b": {"token": f"Bearer {TOKEN_2}"}}


def test_a_foreign_registry_with_our_index_is_refused():
    """cargo stops with "multiple registries are configured with the same index url"."""
    text = f'[registries.old]\nindex = "sparse+https://{HOST.upper()}/cargo/store"\n'
    with pytest.raises(WriterRefusedError, match=r"registries\.old"):
        Writer().render_file(MAIN, text, CREDS)


def test_a_users_other_provider_for_our_registry_is_replaced_by_cargo_token():
    """An old ``cargo:token-from-stdout aws codeartifact ...`` provider would run the AWS CLI
    instead of reading our token: the target owns its registry table."""
    text = '[registries.codeartifact]\ncredential-provider = "cargo:token-from-stdout aws codeartifact"\n'
    out = Writer().render_file(MAIN, text, CREDS)
    assert tomllib.loads(out)["registries"]["codeartifact"]["credential-provider"] == "cargo:token"


def test_default_and_crates_io_replacement_are_claimed_only_when_asked():
    out = Writer(default=True, replace_crates_io=True).render_file(MAIN, CONFIG, CREDS)
    read = tomllib.loads(out)
    assert read["registry"] == {"default": "codeartifact"}
    assert read["source"] == {"crates-io": {"replace-with": "codeartifact"}}
    assert "[registry]" not in Writer().render_file(MAIN, CONFIG, CREDS)
    entries = {(c.entry, c.role) for c in Writer(default=True, replace_crates_io=True).all_claims()}
    assert ("[registry] default", MAIN) in entries and ("[source.crates-io] replace-with", MAIN) in entries
    assert ("[registries.codeartifact]", CREDENTIALS) in entries


@pytest.mark.parametrize("name", ["1abc", "a.b", "a b", "", "-x", "é"])
def test_names_cargo_would_refuse_are_refused(name):
    with pytest.raises(ValueError, match="cargo registry name"):
        Options(name=name)


@pytest.mark.parametrize("value", [1, "yes", None])
def test_boolean_options_take_only_booleans(value):
    with pytest.raises(ValueError, match="true or false"):
        options.validate(Options, "default", value)
