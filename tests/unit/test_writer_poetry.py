import sys

import pytest
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.outputs import FileOutput
from codeartifact_refresher.platform import paths
from codeartifact_refresher.testing.writer_contract import (
    HOST,
    TOKEN_1,
    TOKEN_2,
    WriterContract,
)
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import MAIN, Claim, Credentials
from codeartifact_refresher.writers.poetry import AUTH, Writer

from ..strategies import NAME, NEWLINE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TOML_COMMENT = st.from_regex(r"#[ -~]{0,30}", fullmatch=True)
TOML_VALUE = st.one_of(
    st.integers(-99, 99).map(str),
    st.sampled_from(["true", "false"]),
    st.from_regex(r"[A-Za-z0-9:/._=#-]{0,20}", fullmatch=True).map(lambda v: f'"{v}"'),
)


def toml_files(tables: st.SearchStrategy[str], keys: st.SearchStrategy[str] = NAME) -> st.SearchStrategy[str]:
    """TOML text every reader accepts: root keys, then tables (``tables`` gives their dotted
    names, which may be parents of ours) of keys, with comments and blank lines between. A draw
    that defines a key twice (``[a] b = 1`` then ``[a.b]``) is not TOML, and is left out."""
    return _toml_files(tables, keys).filter(_is_toml)


def _is_toml(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


@st.composite
def _toml_files(draw, tables: st.SearchStrategy[str], keys: st.SearchStrategy[str]):
    nl = draw(NEWLINE)
    lines = draw(st.lists(TOML_COMMENT, max_size=2))
    for key in draw(
        st.lists(keys.filter(lambda k: k not in ("http-basic", "repositories", "pypi")), max_size=2, unique=True)
    ):
        lines.append(f"{key} = {draw(TOML_VALUE)}")
    for name in draw(st.lists(tables, max_size=3, unique=True)):
        lines += draw(st.lists(st.one_of(TOML_COMMENT, st.just("")), max_size=1))
        lines.append(f"[{name}]" + draw(st.sampled_from(["", "  # a table"])))
        for key in draw(st.lists(keys, max_size=3, unique=True)):
            lines.append(f"{key} = {draw(TOML_VALUE)}" + draw(st.sampled_from(["", " # why"])))
    end = nl if draw(st.booleans()) else ""
    return nl.join(lines) + (end if lines else "")


FOREIGN_CONFIG = """\
# poetry settings, by hand
cache-dir = "/srv/cache/poetry"

[virtualenvs]
in-project = true  # keep the venv beside the project

[repositories.internal]
url = "https://pypi.internal.example/legacy/"
"""
FOREIGN_AUTH = """\
# credentials
[http-basic.internal]
username = "me"
password = "their-secret"

[pypi-token]
pypi = "pypi-their-token"
"""


def poetry_reads(*texts: str) -> dict:
    """What poetry's ``Config.create`` holds: config.toml, then auth.toml merged over it."""
    merged: dict = {}

    def merge(into: dict, other: dict) -> None:
        for k, v in other.items():
            if isinstance(v, dict) and isinstance(into.get(k), dict):
                merge(into[k], v)
            else:
                into[k] = v

    for text in texts:
        merge(merged, tomllib.loads(text))
    return merged


POETRY_TABLES = NAME.map(lambda n: f"http-basic.{n}") | NAME.map(lambda n: f"repositories.{n}") | NAME


def poetry_files():
    return toml_files(POETRY_TABLES.filter(lambda n: not n.endswith(".codeartifact")))


class TomlContract(WriterContract):
    """The contract for a TOML file."""

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self):
        """TOML ends lines with LF or CRLF only: the tools' readers (tomllib, tomlkit) refuse a
        lone CR, and so does the writer, leaving the file as it is."""
        for text in ("# old Mac line ending\r", self.foreign.replace("\n", "\r")):
            with pytest.raises(tomllib.TOMLDecodeError):
                tomllib.loads(text)
            with pytest.raises(WriterError):
                self.render(self.make_writer(), text, self.creds())


class TestAuthFile(TomlContract):
    role = AUTH
    foreign = FOREIGN_AUTH
    corrupt = ("[http-basic.codeartifact]\npassword = 1\npassword = 2\n", "[a\n", "x = \n", "\x00\x01")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return poetry_files()

    def read_back(self, text):
        entry = poetry_reads(text)["http-basic"]["codeartifact"]
        return entry["username"], entry["password"]

    def expected(self, token=TOKEN_1):
        return ("aws", token)


class TestConfigFile(TomlContract):
    """config.toml holds the repository's URL and no token: where the contract checks the token,
    these check the URL, and that a new token leaves the file as it was."""

    foreign = FOREIGN_CONFIG
    corrupt = TestAuthFile.corrupt

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return poetry_files()

    def read_back(self, text):
        return poetry_reads(text)["repositories"]["codeartifact"]["url"], ""

    holds_token = False

    def test_the_users_own_credentials_in_config_toml_are_secrets(self):
        """No token here, but a user's own credentials in config.toml are found."""
        text = self.render(self.make_writer(), FOREIGN_CONFIG + FOREIGN_AUTH, self.creds())
        assert {"their-secret", "pypi-their-token"} <= set(self.secrets(self.make_writer(), text))


CREDS = Credentials(f"https://{HOST}/pypi/store/", TOKEN_1)


def test_the_config_file_holds_no_token_and_the_auth_file_no_url():
    writer = Writer()
    assert TOKEN_1 not in writer.render_file(MAIN, None, CREDS)
    auth = writer.render_file(AUTH, None, CREDS)
    assert HOST not in auth and auth == '[http-basic.codeartifact]\nusername = "aws"\npassword = "' + TOKEN_1 + '"\n'


def test_a_name_with_dots_is_one_key_as_poetry_splits_it():
    writer = Writer(name="acme.prod")
    auth = writer.render_file(AUTH, None, CREDS)
    assert poetry_reads(auth)["http-basic"]["acme.prod"]["password"] == TOKEN_1
    config = writer.render_file(MAIN, None, CREDS)
    assert poetry_reads(config)["repositories"]["acme.prod"]["url"] == CREDS.endpoint


def test_two_targets_with_two_names_keep_each_others_entries():
    other = Credentials("https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/pypi/r/", TOKEN_2)
    auth = Writer(name="other").render_file(AUTH, Writer().render_file(AUTH, None, CREDS), other)
    config = Writer(name="other").render_file(MAIN, Writer().render_file(MAIN, None, CREDS), other)
    read = poetry_reads(config, auth)
    assert (
        read["http-basic"]["codeartifact"]["password"] == TOKEN_1 and read["http-basic"]["other"]["password"] == TOKEN_2
    )
    assert read["repositories"]["codeartifact"]["url"] == CREDS.endpoint
    assert read["repositories"]["other"]["url"] == other.endpoint


def test_dotted_keys_at_the_top_are_updated_where_they_are():
    current = 'http-basic.codeartifact.username = "aws"\nhttp-basic.codeartifact.password = "old"  # ours\n'
    text = Writer().render_file(AUTH, current, CREDS)
    assert text == current.replace('"old"', f'"{TOKEN_1}"')


def test_a_foreign_repository_url_in_auth_toml_would_hide_ours_and_is_refused():
    current = '[repositories.codeartifact]\nurl = "https://elsewhere.example/upload/"\n'
    with pytest.raises(WriterRefusedError, match=r"^repositories\.codeartifact\.url in auth.toml") as e:
        Writer().render_file(AUTH, current, CREDS)
    assert "elsewhere" not in str(e.value)
    ours = current.replace("https://elsewhere.example/upload/", CREDS.endpoint.replace(HOST, HOST.upper()))
    assert Writer().render_file(AUTH, ours, CREDS).startswith(ours)  # at our location: nothing hidden


def test_http_basic_left_in_config_toml_is_kept_and_hidden_by_ours():
    current = '[http-basic.codeartifact]\nusername = "aws"\npassword = "old"\n'
    config = Writer().render_file(MAIN, current, CREDS)
    assert config.startswith(current)
    assert (
        poetry_reads(config, Writer().render_file(AUTH, None, CREDS))["http-basic"]["codeartifact"]["password"]
        == TOKEN_1
    )


def test_claims_name_both_entries_in_their_files():
    assert list(Writer(name="a.b").claims()) == [
        Claim('[http-basic."a.b"]', AUTH),
        Claim('[repositories."a.b"]', MAIN),
    ]


@pytest.mark.parametrize("name", ["", "-x", "a b", "a/b", 3])
def test_name_option_validates(name):
    with pytest.raises(ValueError, match="expected a poetry source name"):
        options.validate(Writer.Options, "name", name)


def test_default_paths_follow_poetrys_rules(home, monkeypatch, tmp_path):
    where = home / ".config" / "pypoetry"
    assert Writer().default_paths() == {AUTH: where / "auth.toml", MAIN: where / "config.toml"}
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert Writer().default_paths()[MAIN] == tmp_path / "xdg" / "pypoetry" / "config.toml"
    monkeypatch.setattr(paths, "is_macos", lambda: True)
    mac = home / "Library" / "Application Support" / "pypoetry"
    assert Writer().default_paths() == {AUTH: mac / "auth.toml", MAIN: mac / "config.toml"}
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "pc"))
    assert Writer().default_paths() == {AUTH: tmp_path / "pc" / "auth.toml", MAIN: tmp_path / "pc" / "config.toml"}


def test_the_config_refuses_two_targets_owning_one_name_and_takes_two_names(tmp_path, home):
    from codeartifact_refresher import config
    from codeartifact_refresher.errors import ConfigError

    path = tmp_path / "c.yaml"
    targets = "      - {writer: poetry, repository: ra}\n      - {writer: poetry, repository: rb%s}\n"
    path.write_text("domains:\n  - domain: acme\n    targets:\n" + targets % "")
    with pytest.raises(ConfigError, match=r"both write \[http-basic\.codeartifact\] in .*auth\.toml"):
        config.load(path)
    path.write_text("domains:\n  - domain: acme\n    targets:\n" + targets % ", name: rb, auth_path: ~/a.toml")
    second = config.load(path).domains[0].targets[1]
    assert [(role, out.path) for role, out in second.outputs if isinstance(out, FileOutput)] == [
        (AUTH, home / "a.toml"),
        (MAIN, home / ".config" / "pypoetry" / "config.toml"),
    ]
