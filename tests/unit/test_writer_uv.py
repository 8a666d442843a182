"""The uv writer: [[index]] in uv.toml (read back with tomllib as uv's TOML parser would), the
token in netrc by default or in the URL."""

import sys
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import (
    ENDPOINT_SHAPES,
    TOKEN_1,
    TOKEN_2,
    WriterContract,
    is_subsequence,
)
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.uv import Writer, default_path

from .test_writer_netrc import NetrcRoleContract

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FOREIGN = """\
# my uv settings
native-tls = true  # corporate proxy

[[index]]
name = "internal"  # our own mirror
url = "https://pypi.internal.example/simple/"
explicit = true

[pip]
compile-bytecode = true
"""


def uv_indexes(text: str) -> dict:
    return {i.get("name"): i for i in tomllib.loads(text).get("index", [])}


def split(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme, host, parts.path.removesuffix("simple/"), "", "")), unquote(
        userinfo.partition(":")[2]
    )


class TestTokenInTheUrl(WriterContract):
    foreign = FOREIGN
    corrupt = ("[[index]\nname = 1\n", "index = 3\n", "a = \n", "\x00")

    def make_writer(self):
        return Writer(credentials="url")

    def foreign_texts(self):
        name = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).filter(lambda n: n != "codeartifact")
        table = st.builds(
            lambda n, c: f'[[index]]\nname = "{n}"{c}\nurl = "https://{n}.example/simple/"\n',
            name,
            st.sampled_from(["", "  # note"]),
        )
        head = st.sampled_from(["", "# top comment\n", "native-tls = true\n"])
        tail = st.sampled_from(["", "\n[pip]\nsystem = true\n"])
        return st.builds(lambda h, ts, t: h + "\n".join(ts) + t, head, st.lists(table, max_size=3, unique=True), tail)

    def read_back(self, text):
        return split(uv_indexes(text)["codeartifact"]["url"])

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self):
        """Not in TOML: a lone CR is no line end there, and uv's parser (like tomllib) refuses the
        file, so the writer refuses it too instead of writing a file uv would not read."""
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads("# old Mac line ending\r")
        with pytest.raises(WriterError):
            self.render(self.make_writer(), "# old Mac line ending\r", self.creds())


class TestNetrcRole(NetrcRoleContract):
    role = "netrc"

    def make_writer(self):
        return Writer()


@pytest.mark.parametrize("shape", sorted(ENDPOINT_SHAPES))
def test_by_default_uv_toml_holds_a_clean_default_index(shape):
    creds = Credentials(ENDPOINT_SHAPES[shape].format(fmt="pypi"), TOKEN_1, "store")
    writer = Writer()
    text = writer.render(FOREIGN, creds)
    ours = uv_indexes(text)["codeartifact"]
    assert ours == {"name": "codeartifact", "url": f"https://{creds.host}{creds.path}simple/", "default": True}
    assert TOKEN_1 not in text and is_subsequence(FOREIGN.splitlines(), text.splitlines())
    assert writer.render(text, Credentials(creds.endpoint, TOKEN_2, "store")) == text
    assert writer.roles() == ("netrc", "main")


def test_extra_adds_a_non_default_index_and_drops_our_old_default():
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    text = Writer(index="extra").render(Writer().render(FOREIGN, creds), creds)
    assert "default" not in uv_indexes(text)["codeartifact"]
    assert uv_indexes(text)["internal"]["explicit"] is True


def test_switching_from_url_to_netrc_removes_the_token_and_keeps_the_comment():
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    with_token = (
        Writer(credentials="url")
        .render(FOREIGN, creds)
        .replace('name = "codeartifact"', 'name = "codeartifact"  # mine')
    )
    clean = Writer().render(with_token, creds)
    assert TOKEN_1 not in clean and 'name = "codeartifact"  # mine' in clean


def test_two_names_live_side_by_side():
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    other = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi").replace("store", "other"), TOKEN_1, "other")
    text = Writer(name="other", index="extra").render(Writer().render(None, creds), other)
    assert set(uv_indexes(text)) == {"codeartifact", "other"}


def test_an_inline_index_array_is_edited_inline():
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    text = Writer().render('index = [{name = "internal", url = "https://x.example/simple/"}]\n', creds)
    assert set(uv_indexes(text)) == {"internal", "codeartifact"} and "[[index]]" not in text


@pytest.mark.parametrize(
    "text",
    [
        "no-index = true\n",
        '[[index]]\nname = "pypi-mirror"\nurl = "https://m.example/simple/"\ndefault = true\n',
        'index = "x"\n',
    ],
)
def test_a_file_that_would_make_uv_ignore_our_default_index_is_refused(text):
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    with pytest.raises(WriterRefusedError):
        Writer().render(text, creds)


@pytest.mark.parametrize("credentials", ["netrc", "url"])
def test_our_index_with_authenticate_never_is_refused(credentials):
    """uv 0.13 sends no credentials to such an index: the real uv got 401 with our netrc entry."""
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    text = '[[index]]\nname = "codeartifact"\nurl = "https://old.example/simple/"\nauthenticate = "never"\n'
    with pytest.raises(WriterRefusedError, match='authenticate = "never"'):
        Writer(credentials=credentials).render(text, creds)
    other = text.replace('"codeartifact"', '"mine"')  # another index's policy is the user's business
    assert uv_indexes(Writer(credentials=credentials).render(other, creds))["mine"]["authenticate"] == "never"


def test_another_default_index_is_fine_with_extra():
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    text = Writer(index="extra").render(
        '[[index]]\nname = "m"\nurl = "https://m.example/simple/"\ndefault = true\n', creds
    )
    assert uv_indexes(text)["m"]["default"] is True


@pytest.mark.parametrize("name", ["", "has space", "ünïcode", "a/b"])
def test_index_names_are_checked_as_uv_checks_them(name):
    with pytest.raises(ValueError, match="uv index name"):
        options.validate(Writer.Options, "name", name)


def test_default_path_follows_uvs_lookup():
    assert str(default_path({"HOME": "/h"})) == "/h/.config/uv/uv.toml"
    assert str(default_path({"HOME": "/h", "XDG_CONFIG_HOME": "/x"})) == "/x/uv/uv.toml"
    assert str(default_path({"HOME": "/h", "XDG_CONFIG_HOME": "relative"})) == "/h/.config/uv/uv.toml"
    assert str(default_path({"HOME": "/h", "UV_CONFIG_FILE": "/etc/uv.toml"})) == "/etc/uv.toml"


def test_errors_name_no_value():
    with pytest.raises(WriterError) as refused:
        Writer().render(
            '[[index]]\nname = "secret-name\n', Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1)
        )
    assert "secret-name" not in str(refused.value)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_last_line_without_an_end_is_left_alone_when_our_table_goes_before_it(newline):
    """Our [[index]] joins the user's, before [pip]: the user's last line, which has no line end,
    is not given one (bytes outside our entry do not change)."""
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    text = FOREIGN.rstrip("\n").replace("\n", newline)
    new = Writer(index="extra").render(text, creds)
    url = urlunsplit(urlsplit(creds.endpoint)._replace(path="/pypi/store/simple/"))
    ours = f'[[index]]{newline}name = "codeartifact"{newline}url = "{url}"{newline}'
    assert ours in new
    assert new.replace(ours, "") == text  # every byte but our table's, the last line's missing end too


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_last_line_without_an_end_gets_the_files_own_when_our_table_follows_it(newline):
    creds = Credentials(ENDPOINT_SHAPES["ipv4"].format(fmt="pypi"), TOKEN_1, "store")
    text = f'[[index]]{newline}name = "internal"{newline}url = "https://pypi.internal.example/simple/"'
    new = Writer(index="extra").render(text, creds)
    assert new.startswith(text + newline + "[[index]]")
    assert list(uv_indexes(new)) == ["internal", "codeartifact"]
