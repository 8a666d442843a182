import configparser
import io
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest

from codeartifact_refresher.errors import WriterError
from codeartifact_refresher.testing.writer_contract import (
    ENDPOINT_SHAPES,
    HOST,
    TOKEN_1,
    TOKEN_2,
    WriterContract,
    is_subsequence,
)
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Claim, Credentials
from codeartifact_refresher.writers.formats import netrc
from codeartifact_refresher.writers.pip import Writer

from ..strategies import NAME, ini_files
from .test_writer_netrc import NetrcRoleContract

FOREIGN = """\
# Company pip settings; keep this comment.
[global]
timeout = 60
; trusted hosts below
trusted-host = pypi.internal.example
extra-index-url =
    https://pypi.internal.example/simple
    https://mirror.example/simple

[install]
user = yes
"""


def pip_values(text: str) -> dict:
    """What pip reads: configparser on a file opened with universal newlines, with pip's key
    normalisation."""
    parser = configparser.RawConfigParser()
    parser.read_file(io.StringIO(text, newline=None))
    return {f"{s}.{k.replace('_', '-')}": v for s in parser.sections() for k, v in parser.items(s)}


def split_url(url: str) -> tuple[str, str]:
    """(endpoint, token) from https://aws:TOKEN@host/path/simple/."""
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    endpoint = urlunsplit((parts.scheme, host, parts.path.removesuffix("simple/"), "", ""))
    return endpoint, unquote(userinfo.partition(":")[2])


def pip_files():
    """pip.conf files with foreign content only (a [global] section among others)."""
    return ini_files(section_names=NAME | NAME.map(lambda _: "global"))


class TestPrimaryIndex(WriterContract):
    foreign = FOREIGN
    corrupt = (
        "no section header = 1\n",
        "[global]\nindex-url = a\nindex-url = b\n",
        "[global]\njunk line\n",
        "[global]\nindex-url = a\nindex_url = b\n",
        "\x00\x01",
    )

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return pip_files()

    def read_back(self, text):
        return split_url(pip_values(text)["global.index-url"])


class TestExtraIndex(WriterContract):
    foreign = FOREIGN
    corrupt = TestPrimaryIndex.corrupt

    def make_writer(self):
        return Writer(index="extra")

    def foreign_texts(self):
        return pip_files()

    def read_back(self, text):
        urls = pip_values(text)["global.extra-index-url"].split()
        ours = [u for u in urls if self.creds().host in u.lower()]
        assert len(ours) == 1, urls
        return split_url(ours[0])


CREDS = Credentials(f"https://{HOST}/pypi/store/", TOKEN_1)


def test_extra_keeps_users_default_index_and_other_extras():
    current = FOREIGN.replace("timeout = 60\n", "timeout = 60\nindex-url = https://pypi.org/simple\n")
    values = pip_values(Writer(index="extra").render(current, CREDS))
    assert values["global.index-url"] == "https://pypi.org/simple"
    urls = values["global.extra-index-url"].split()
    assert urls[:2] == ["https://pypi.internal.example/simple", "https://mirror.example/simple"]
    assert split_url(urls[2]) == (CREDS.endpoint, TOKEN_1)


def test_extra_on_a_single_line_value_stays_on_that_line():
    text = Writer(index="extra").render("[global]\nextra-index-url = https://a.example/simple\n", CREDS)
    first, rest = text.splitlines()[1].split(" = ")[1].split(" ", 1)
    assert first == "https://a.example/simple" and split_url(rest) == (CREDS.endpoint, TOKEN_1)


def test_a_duplicate_of_our_extra_url_is_dropped_without_leaving_an_empty_line():
    ours = f"https://aws:old@{HOST}/pypi/store/simple/"
    current = f"[global]\nextra-index-url =\n    https://a.example/simple\n    {ours}\n    {ours}\ntimeout = 5\n"
    text = Writer(index="extra").render(current, CREDS)
    lines = text.splitlines()
    assert lines[:3] == ["[global]", "extra-index-url =", "    https://a.example/simple"]
    assert split_url(lines[3].strip()) == (CREDS.endpoint, TOKEN_1) and lines[4:] == ["timeout = 5"]


def test_underscore_spelling_of_the_key_is_replaced_not_duplicated():
    text = Writer().render("[global]\nindex_url = https://old.example/simple\n", CREDS)
    assert text.count("index") == 1 and text.startswith("[global]\nindex_url = https://aws:")


def pip_reads(text: str, command: str, key: str) -> str:
    """What ``pip COMMAND`` takes for ``key`` from one file: pip reads [global], then the
    command's section (configparser fills it from [DEFAULT]); empty values do not count."""
    parser = configparser.RawConfigParser()
    parser.read_file(io.StringIO(text, newline=None))
    found = ""
    for section in ("global", command):
        if parser.has_section(section):
            values = {k.replace("_", "-").removeprefix("--"): v for k, v in parser.items(section)}
            found = values.get(key) or found
    return found


OLD = f"https://aws:old-token@{HOST}/pypi/store/simple/"
OURS_SPELLED_OTHERWISE = [
    OLD,
    f"https://aws:old-token@{HOST.upper()}/pypi/store/simple/",
    f"HTTPS://aws:old-token@{HOST}:443/pypi/store/simple",
    f"https://{HOST.title()}/pypi/store/simple",
]


@pytest.mark.parametrize("command", ["install", "download", "wheel", "index", "list", "lock"])
def test_a_commands_own_index_url_naming_another_index_is_refused_naming_its_section(command):
    current = f"[global]\ntimeout = 5\n[{command}]\nindex-url = https://other.example/simple\n"
    with pytest.raises(WriterError, match=rf"^\[{command}\] index-url .*'pip {command}'") as e:
        Writer().render(current, CREDS)
    assert "other.example" not in str(e.value)


def test_default_sections_index_url_overrides_global_for_each_command_section_present():
    current = "[DEFAULT]\nindex-url = https://other.example/simple\n[install]\nuser = yes\n"
    with pytest.raises(WriterError, match=r"^\[DEFAULT\] index-url .*'pip install' reads it \(through \[install\]\)"):
        Writer().render(current, CREDS)
    # with no command section to carry it, [DEFAULT] only fills [global], whose own value wins
    text = Writer().render("[DEFAULT]\nindex-url = https://other.example/simple\n", CREDS)
    assert split_url(pip_reads(text, "install", "index-url")) == (CREDS.endpoint, TOKEN_1)


@pytest.mark.parametrize("section", ["freeze", "uninstall", "Install"])
def test_sections_pip_never_reads_for_an_index_are_not_overrides(section):
    current = f"[{section}]\nindex-url = https://other.example/simple\n"
    text = Writer().render(current, CREDS)
    assert text.startswith(current) and split_url(pip_values(text)["global.index-url"]) == (CREDS.endpoint, TOKEN_1)


def test_an_empty_override_is_one_pip_ignores():
    text = Writer().render("[install]\nindex-url =\n", CREDS)
    assert text.startswith("[install]\nindex-url =\n")
    assert split_url(pip_reads(text, "install", "index-url")) == (CREDS.endpoint, TOKEN_1)


@pytest.mark.parametrize("old", OURS_SPELLED_OTHERWISE)
@pytest.mark.parametrize("holder", ["install", "DEFAULT"])
def test_an_override_at_our_repository_gets_the_new_token(old, holder):
    current = f"[global]\nindex-url = {OLD}\n[{holder}]\nindex-url = {old}\n[download]\nno-deps = yes\n"
    text = Writer().render(current, CREDS)
    assert "old-token" not in text
    for command in ("install", "download", "wheel"):
        assert split_url(pip_reads(text, command, "index-url")) == (CREDS.endpoint, TOKEN_1)


@pytest.mark.parametrize("holder", ["install", "DEFAULT"])
def test_extra_joins_every_list_that_overrides_globals(holder):
    current = (
        "[global]\nextra-index-url = https://g.example/simple\n"
        f"[{holder}]\nextra-index-url = https://i.example/simple {OLD}\n"
    )
    current += "[install]\nuser = yes\n" if holder == "DEFAULT" else ""
    text = Writer(index="extra").render(current, CREDS)
    assert "old-token" not in text
    for command, theirs in (("install", "https://i.example/simple"), ("download", "https://g.example/simple")):
        urls = pip_reads(text, command, "extra-index-url").split()
        assert urls[0] == theirs and [split_url(u) for u in urls[1:]] == [(CREDS.endpoint, TOKEN_1)]


def test_extra_goes_into_defaults_list_when_global_takes_that_one():
    current = "[DEFAULT]\nextra-index-url = https://d.example/simple\n[global]\ntimeout = 5\n"
    text = Writer(index="extra").render(current, CREDS)
    assert text.count("extra-index-url") == 1  # [global] still takes [DEFAULT]'s list, now with ours
    urls = pip_reads(text, "install", "extra-index-url").split()
    assert urls[0] == "https://d.example/simple" and split_url(urls[1]) == (CREDS.endpoint, TOKEN_1)


def test_extra_in_a_file_of_defaults_alone_goes_where_pip_reads_it():
    """pip reads [DEFAULT] only through a section: with no [global], our URL joined [DEFAULT]'s
    list and pip never saw it (replay finding)."""
    current = "[DEFAULT]\nextra-index-url = https://d.example/simple\ntimeout = 9\n"
    text = Writer(index="extra").render(current, CREDS)
    assert text.startswith(current)
    urls = pip_reads(text, "install", "extra-index-url").split()
    assert [split_url(u) for u in urls] == [(CREDS.endpoint, TOKEN_1)]


@pytest.mark.parametrize("old", OURS_SPELLED_OTHERWISE)
def test_extra_recognises_our_old_url_however_its_host_is_spelled(old):
    current = f"[global]\nextra-index-url =\n    https://a.example/simple\n    {old}\n"
    urls = pip_values(Writer(index="extra").render(current, CREDS))["global.extra-index-url"].split()
    assert urls[0] == "https://a.example/simple" and [split_url(u) for u in urls[1:]] == [(CREDS.endpoint, TOKEN_1)]


@pytest.mark.parametrize(
    "other",
    [
        f"https://{HOST}/pypi/other/simple/",
        f"https://{HOST}:8443/pypi/store/simple/",
        f"http://{HOST}/pypi/store/simple/",
    ],
)
def test_extra_keeps_urls_at_other_locations_on_our_host(other):
    current = f"[global]\nextra-index-url = {other}\n"
    urls = pip_values(Writer(index="extra").render(current, CREDS))["global.extra-index-url"].split()
    assert urls[0] == other and split_url(urls[1]) == (CREDS.endpoint, TOKEN_1)


def test_the_index_url_is_written_with_the_host_as_clients_spell_it():
    creds = Credentials(f"HTTPS://{HOST.upper()}:443/pypi/store/", TOKEN_1)
    assert split_url(pip_values(Writer().render(None, creds))["global.index-url"]) == (CREDS.endpoint, TOKEN_1)


@pytest.mark.parametrize(
    "current",
    [
        "[global]\nindex-url = https://a.example/simple\nindex_url = https://b.example/simple\n",
        "[install]\n--index-url = https://a.example/simple\nINDEX-URL = https://b.example/simple\n",
        "[wheel]\nextra_index_url = https://a.example/simple\nextra-index-url = https://b.example/simple\n",
    ],
)
def test_one_option_spelled_twice_in_a_section_is_refused(current):
    with pytest.raises(
        WriterError, match=r"^line 3: option '[^']+' in \[\w+\] is another spelling of '[^']+' \(line 2\)"
    ) as e:
        Writer().render(current, CREDS)
    assert "example" not in str(e.value)


def test_one_option_in_two_sections_is_not_spelled_twice():
    current = "[global]\nindex_url = https://old.example/simple\n[freeze]\nindex-url = x\n"
    assert split_url(pip_values(Writer().render(current, CREDS))["global.index-url"]) == (CREDS.endpoint, TOKEN_1)


def test_crlf_file_gets_crlf_lines_and_missing_final_newline_is_handled():
    text = Writer().render("[global]\r\ntimeout = 5", CREDS)
    assert text.startswith("[global]\r\ntimeout = 5\r\nindex-url = https://aws:") and text.endswith("/simple/\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_token_with_url_special_characters_is_quoted():
    creds = Credentials(CREDS.endpoint, "a/b+c=d@e")
    text = Writer().render(None, creds)
    assert "a%2Fb%2Bc%3Dd%40e@" in text
    assert split_url(pip_values(text)["global.index-url"])[1] == "a/b+c=d@e"


def test_error_names_the_line_but_never_the_content():
    with pytest.raises(WriterError, match=r"^line 3: ") as e:
        Writer().render("[global]\nx = 1\nsecret-junk-line\n", CREDS)
    assert "secret-junk-line" not in str(e.value)


@pytest.mark.parametrize("index", ["main", "", None, 3])
def test_index_option_validates(index):
    with pytest.raises(ValueError, match="expected one of primary, extra"):
        options.validate(Writer.Options, "index", index)
    with pytest.raises(ValueError, match="expected one of primary, extra"):
        Writer(index=index)  # the dataclass checks its fields too


def test_default_path_follows_pips_rules(home, monkeypatch, tmp_path):
    xdg = home / ".config" / "pip" / "pip.conf"
    assert Writer().default_path() == xdg
    legacy = home / ".pip" / "pip.conf"
    legacy.parent.mkdir()
    legacy.write_text("")
    assert Writer().default_path() == legacy  # only the legacy file exists: pip reads it
    xdg.parent.mkdir(parents=True)
    xdg.write_text("")
    assert Writer().default_path() == xdg
    monkeypatch.setenv("PIP_CONFIG_FILE", str(tmp_path / "ci.conf"))
    assert Writer().default_path() == tmp_path / "ci.conf"


def test_replacing_a_multi_line_value_keeps_comments_inside_it():
    current = (
        "[global]\nindex-url =\n    # the old mirror, retired in May\n    https://old.example/simple\ntimeout = 5\n"
    )
    text = Writer().render(current, CREDS)
    assert text.splitlines()[1].startswith("index-url = https://aws:")
    assert text.splitlines()[2:] == ["    # the old mirror, retired in May", "timeout = 5"]
    assert split_url(pip_values(text)["global.index-url"]) == (CREDS.endpoint, TOKEN_1)


@pytest.mark.parametrize("spelling", ["index-url=", "index-url = ", "index-url:", "index-url  =  "])
def test_replacing_keeps_the_users_spelling_of_the_separator(spelling):
    text = Writer().render(f"[global]\n{spelling}https://old.example/simple\n", CREDS)
    assert text.splitlines()[1].startswith(f"{spelling}https://aws:")


def test_form_feed_inside_a_line_is_not_a_line_break():
    current = "[global]\ntimeout = 5\x0c6\n"  # configparser sees one option line here
    text = Writer().render(current, CREDS)
    assert text.startswith(current) and pip_values(text)["global.timeout"] == "5\x0c6"


# -- credentials: netrc -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", sorted(ENDPOINT_SHAPES))
@pytest.mark.parametrize("index", ["primary", "extra"])
def test_credentials_netrc_leaves_the_token_out_of_pip_conf(shape, index):
    """pip.conf holds the clean URL (the contract runs on the netrc file below): read back by pip's
    parser, with the foreign lines kept, no token anywhere, and a second render a no-op."""
    creds = Credentials(ENDPOINT_SHAPES[shape].format(fmt="pypi"), TOKEN_1, "store")
    writer = Writer(credentials="netrc", index=index)
    text = writer.render(FOREIGN, creds)
    key = "global.index-url" if index == "primary" else "global.extra-index-url"
    urls = pip_values(text)[key].split()
    assert f"https://{creds.host}{creds.path}simple/" in urls
    assert TOKEN_1 not in text and is_subsequence(FOREIGN.splitlines(), text.splitlines())
    assert writer.render(text, Credentials(creds.endpoint, TOKEN_2, "store")) == text


class TestNetrcCredentialsNetrc(NetrcRoleContract):
    role = "netrc"

    def make_writer(self):
        return Writer(credentials="netrc")


def test_credentials_netrc_writes_the_netrc_first_and_claims_the_shared_host_entry():
    writer = Writer(credentials="netrc", index="extra")
    assert writer.roles() == ("netrc", "main")
    assert Claim(netrc.MACHINE_CLAIM, "netrc", shared=True) in writer.all_claims()
    assert Writer().roles() == ("main",) and all(c.role == "main" for c in Writer().all_claims())


def test_switching_from_url_to_netrc_replaces_the_url_holding_the_token():
    creds = Credentials(f"https://{HOST}/pypi/store/", TOKEN_1, "store")
    with_token = Writer(index="extra").render(FOREIGN, creds)
    clean = Writer(credentials="netrc", index="extra").render(with_token, creds)
    assert TOKEN_1 not in clean and f"https://{HOST}/pypi/store/simple/" in clean
    assert clean == Writer(credentials="netrc", index="extra").render(FOREIGN, creds)
    primary = Writer(credentials="netrc").render(Writer().render(FOREIGN, creds), creds)
    assert TOKEN_1 not in primary and pip_values(primary)["global.index-url"] == f"https://{HOST}/pypi/store/simple/"


def test_the_netrc_path_option_moves_the_netrc_file():
    writer = Writer(credentials="netrc", netrc="/srv/ci/netrc")
    assert writer.options.netrc == Path("/srv/ci/netrc")
    assert str(writer.default_paths({"HOME": "/h"})["netrc"]) == "/h/.netrc"
