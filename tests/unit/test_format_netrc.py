"""The shared netrc editor, checked against Python's own ``netrc`` module and requests' reading."""

import io
import netrc as pynetrc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import is_subsequence
from codeartifact_refresher.writers.formats import netrc

from ..strategies import netrc_files

HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.first-token_AAAA"
OURS = f"machine {HOST} login aws password {TOKEN}"
FOREIGN = """\
# my credentials
machine github.com login me password ghp_secret
machine api.example.org
    login bot
    # the bot's account
    password bot-secret
    account ops
macdef init
cd /pub
machine inside.a.macro login not password an-entry

default login anonymous password me@example.org
"""


def python_reads(text: str) -> tuple[dict, dict]:
    """(hosts, macros) as Python's netrc module reads ``text`` from a file (universal newlines)."""
    reader = pynetrc.netrc.__new__(pynetrc.netrc)
    reader.hosts, reader.macros = {}, {}
    reader._parse("netrc", io.StringIO(text, newline=None), False)  # type: ignore[attr-defined]  # private: not in typeshed
    return reader.hosts, reader.macros


def requests_auth(tmp_path, monkeypatch, text: str, url: str):
    """What requests (pip's copy, as pip calls it for an index URL) sends for ``url``."""
    from pip._vendor.requests.utils import get_netrc_auth

    path = tmp_path / "netrc"
    path.write_text(text)
    monkeypatch.setenv("NETRC", str(path))
    return get_netrc_auth(url)


def test_a_new_file_holds_our_entry_on_one_line():
    text = netrc.set_machine(None, HOST, TOKEN)
    assert text == OURS + "\n"
    assert python_reads(text)[0] == {HOST: ("aws", "", TOKEN)}


def test_requests_sends_our_entry_for_the_index_url(tmp_path, monkeypatch):
    text = netrc.set_machine(FOREIGN, HOST, TOKEN)
    assert requests_auth(tmp_path, monkeypatch, text, f"https://{HOST}/pypi/store/simple/") == ("aws", TOKEN)
    assert requests_auth(tmp_path, monkeypatch, text, "https://github.com/x") == ("me", "ghp_secret")


def test_foreign_entries_and_macros_are_kept_byte_for_byte_and_ours_goes_before_macros_and_default():
    text = netrc.set_machine(FOREIGN, HOST, TOKEN)
    head, _, tail = FOREIGN.partition("macdef ")
    assert text == f"{head}{OURS}\nmacdef {tail}"
    hosts, macros = python_reads(text)
    before_hosts, before_macros = python_reads(FOREIGN)
    assert hosts == {**before_hosts, HOST: ("aws", "", TOKEN)} and macros == before_macros
    assert "inside.a.macro" not in hosts  # a macro's body is text, never entries


def test_rendering_again_changes_nothing_and_a_new_token_replaces_the_old_one():
    once = netrc.set_machine(FOREIGN, HOST, TOKEN)
    assert netrc.set_machine(once, HOST, TOKEN) == once
    again = netrc.set_machine(once, HOST, "second.token")
    assert TOKEN not in again and again == once.replace(TOKEN, "second.token")


def test_an_entry_after_default_moves_before_it_where_curl_looks_first():
    text = netrc.set_machine(f"default login x password y\n{OURS.replace(TOKEN, 'old')}\n", HOST, TOKEN)
    assert text == f"{OURS}\ndefault login x password y\n"


def test_a_default_in_the_middle_of_a_line_gets_ours_on_a_line_of_its_own():
    text = netrc.set_machine("machine a login b default login x password y\n", HOST, TOKEN)
    assert text == f"machine a login b \n{OURS}\ndefault login x password y\n"
    assert python_reads(text)[0]["a"] == ("b", "", "")


def test_the_users_spelling_over_several_lines_is_replaced_in_place_keeping_its_comments():
    user = f"machine b.example login c\nmachine {HOST.upper()}\n  login aws\n  # renewed daily\n  password old\n# next\nmachine d login e\n"
    text = netrc.set_machine(user, HOST, TOKEN)
    assert text == f"machine b.example login c\n{OURS}\n  # renewed daily\n# next\nmachine d login e\n"
    assert python_reads(text)[0][HOST] == ("aws", "", TOKEN)


def test_duplicates_of_our_entry_become_one():
    """Python and uv take the last entry for a host, curl the first: only one may remain."""
    user = f"machine {HOST} login aws password a\nmachine x login y\nmachine {HOST} login aws password b\n"
    assert netrc.set_machine(user, HOST, TOKEN) == f"{OURS}\nmachine x login y\n"


def test_a_lone_carriage_return_becomes_cr_lf_so_curl_and_uv_end_the_line_there_too():
    text = netrc.set_machine("# old Mac\rmachine x login y\r", HOST, TOKEN)
    assert text == f"# old Mac\r\nmachine x login y\r\n{OURS}\r\n"


def test_in_a_crlf_file_ours_comes_before_a_macro_whose_body_curl_would_read_as_entries():
    user = f"macdef m\r\nmachine {HOST} login evil password bad\r\n\r\nmachine x login y\r\n"
    assert netrc.set_machine(user, HOST, TOKEN) == f"{OURS}\r\n{user}"


def test_crlf_files_get_crlf_lines():
    text = netrc.set_machine("machine x login y\r\n", HOST, TOKEN)
    assert text == f"machine x login y\r\n{OURS}\r\n"


def test_a_file_without_a_final_newline_gets_one_before_ours():
    assert netrc.set_machine("machine x login y", HOST, TOKEN) == f"machine x login y\n{OURS}\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("machine a login b\nbogus\n", 2),  # Python: bad follower token
        ("login a\n", 1),  # Python: bad toplevel token
        ("machine a login b password c\n\n# a comment of words\n", 3),  # Python's comment rule
        ("macdef init\ncd /\n", 1),  # Python: no empty line after the macro
        ("machine\n", 1),
        ("machine a password\n", 1),
        ('machine a login b\n"" machine c\n', 2),  # Python and uv stop reading at ""
        ('machine "a\n', 1),
        ("machine a login b\fc\n", 1),  # curl splits words at a form feed, Python does not
        ("macdef m\nline\n  \nmachine x\n\n", 3),  # uv ends a macro at a line of blanks
        ("machine a\x00\n", 1),
    ],
)
def test_what_a_reader_would_choke_on_or_read_differently_is_refused_naming_the_line(text, line):
    with pytest.raises(WriterError) as refused:
        netrc.set_machine(text, HOST, TOKEN)
    message = str(refused.value)
    assert message.startswith(f"line {line}:") or text.count("\x00"), message
    assert TOKEN not in message and "secret" not in message


def test_values_never_appear_in_errors():
    with pytest.raises(WriterError) as refused:
        netrc.set_machine("machine a password hunter2 oops\n", HOST, TOKEN)
    assert "hunter2" not in str(refused.value) and "oops" not in str(refused.value)


@pytest.mark.parametrize("token", ["with space", 'quo"te', "back\\slash", "#hash", "new\nline", ""])
def test_a_token_a_netrc_cannot_hold_as_a_plain_word_is_refused(token):
    with pytest.raises(WriterRefusedError):
        netrc.set_machine(None, HOST, token)


def test_secrets_finds_every_password_and_account():
    text = netrc.set_machine(FOREIGN, HOST, TOKEN)
    assert {TOKEN, "ghp_secret", "bot-secret", "ops", "me@example.org"} <= set(netrc.secrets(text))
    assert "hunter2" in netrc.secrets("machine a password hunter2 junk junk\n")


def test_machine_name_is_the_host_without_port_in_lower_case():
    assert netrc.machine_name(f"HTTPS://{HOST.upper()}:443/pypi/x/") == HOST
    assert netrc.machine_name("http://127.0.0.1:8080/x/") == "127.0.0.1"


def test_default_path_follows_netrc_like_requests_and_uv():
    assert str(netrc.default_path({"NETRC": "/x/netrc", "HOME": "/h"})) == "/x/netrc"
    assert str(netrc.default_path({"HOME": "/h"})) == "/h/.netrc"


@settings(max_examples=200, deadline=None)
@given(netrc_files(forbidden_hosts=(HOST,)))
def test_property_generated_files_keep_what_python_reads_and_gain_ours(foreign):
    hosts, macros = python_reads(foreign)
    text = netrc.set_machine(foreign, HOST, TOKEN)
    after_hosts, after_macros = python_reads(text)
    assert after_hosts == {**hosts, HOST: ("aws", "", TOKEN)} and after_macros == macros
    assert is_subsequence(foreign.splitlines(), text.splitlines())
    assert netrc.set_machine(text, HOST, TOKEN) == text
    assert text.index(OURS) <= min(text.find(k) % (len(text) + 1) for k in ("\ndefault ", "\nmacdef ", "\rmacdef "))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*FOREIGN.splitlines(), OURS, f"machine {HOST.upper()}", "", "#", " ", '"', "\\", "\r", "\t"]),
        max_size=10,
    ).map("\n".join)
    | st.text(max_size=120)
)
def test_property_any_text_is_refused_or_read_by_python_as_we_read_it(text):
    """Whatever we accept, Python accepts too and reads the same entries; the output holds ours."""
    try:
        ours = netrc.entries(text)
    except WriterError:
        return
    hosts, _ = python_reads(text)
    assert {
        name: (v.get("login", ""), v.get("account", ""), v.get("password", "")) for name, v in ours.items()
    } == hosts
    try:
        out = netrc.set_machine(text, HOST, TOKEN)
    except WriterError as e:  # refused or rewritten: either is allowed
        assert TOKEN not in str(e)  # noqa: PT017
        return
    assert python_reads(out)[0][HOST] == ("aws", "", TOKEN)
