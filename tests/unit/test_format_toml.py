"""The shared TOML editor (uv, poetry, pdm, bun, cargo), checked against Python's own TOML reader
(tomllib, which follows TOML 1.0 as the tools' readers do)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import is_subsequence
from codeartifact_refresher.writers.formats.toml import TomlDocument, dotted, secrets

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FOREIGN = """\
# my cargo config
[net]
retry = 3   # flaky wifi

[registries.crates-mirror]
index = "sparse+https://mirror.example/index/"  # theirs
"""


def test_a_new_key_is_added_and_every_foreign_byte_kept():
    doc = TomlDocument(FOREIGN)
    doc.set(("registries", "acme"), "index", "sparse+https://h/cargo/r/")
    text = doc.text()
    assert text.startswith(FOREIGN)
    assert tomllib.loads(text)["registries"]["acme"] == {"index": "sparse+https://h/cargo/r/"}
    assert "[registries.acme]" in text and "\n[registries]\n" not in text


def test_changing_our_value_keeps_its_line_layout_and_comment():
    doc = TomlDocument(FOREIGN)
    doc.set(("registries", "crates-mirror"), "index", "sparse+https://new/")
    assert doc.text() == FOREIGN.replace("https://mirror.example/index/", "https://new/")


def test_setting_the_same_value_changes_nothing():
    doc = TomlDocument(FOREIGN)
    doc.set(("net",), "retry", 3)
    assert doc.text() == FOREIGN


def test_a_key_that_holds_a_value_where_we_need_a_table_is_refused():
    doc = TomlDocument('registries = "oops"\n')
    with pytest.raises(WriterRefusedError, match="registries is not a table"):
        doc.set(("registries", "acme"), "index", "x")


@pytest.mark.parametrize("text", ["a = = 1\n", "[a]\nb = 1\n[a]\nb = 2\n", 'x = "unterminated\n', "a\x00 = 1"])
def test_what_toml_readers_refuse_is_refused_without_quoting_it(text):
    with pytest.raises(WriterError) as caught:
        TomlDocument(text)
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    assert "oops" not in str(caught.value) and "unterminated" not in str(caught.value)


def test_a_table_whose_sub_tables_are_scattered_gains_ours():
    """``[registries.a]``, ``[b]``, ``[registries.c]``: tomlkit hands back a proxy for
    ``registries``, which has no ``append``."""
    text = "[registries.a]\nx = 1\n[b]\n[registries.c]\ny = 2\n"
    doc = TomlDocument(text)
    doc.set(("registries", "acme"), "index", "i")
    doc.set(("registries", "acme"), "token", "t")
    read = tomllib.loads(doc.text())
    assert read["registries"] == {"a": {"x": 1}, "c": {"y": 2}, "acme": {"index": "i", "token": "t"}}
    assert read["b"] == {}


def test_a_table_whose_parts_are_out_of_order_gains_ours():
    """``[a.x]``, ``[b]``, ``[a.y]``: tomlkit hands ``a`` out as a proxy over its two parts."""
    text = "[registries.one]\nindex = 1\n[net]\n[registries.two]\nindex = 2\n"
    doc = TomlDocument(text)
    doc.set(("registries", "acme"), "index", "x")
    read = tomllib.loads(doc.text())
    assert read["registries"] == {"one": {"index": 1}, "acme": {"index": "x"}, "two": {"index": 2}}
    assert is_subsequence(text.splitlines(), doc.text().splitlines())


def test_a_lone_carriage_return_is_refused_as_toml_readers_refuse_it():
    """TOML's newline is LF or CRLF: tomllib, tomlkit (poetry) and the other tools' readers stop
    at a lone CR, so the file is left for its owner rather than read as the INI tools read it."""
    for text in ("# old Mac line ending\r", "a = 1\rb = 2\n"):
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads(text)
        with pytest.raises(WriterError):
            TomlDocument(text)


def test_secrets_are_the_values_asked_for_and_url_userinfo():
    text = '[a]\npassword = "p1"\nurl = "https://u:p2@h/"\nname = "n"\n[b.c]\npassword = \'p3\'\n'
    assert sorted(secrets(text, lambda where: where[-1] == "password")) == ["p1", "p2", "p3"]


def test_secrets_of_unparseable_text_are_every_quoted_string():
    text = '[a]\npassword = "p1"\npassword = \'p2\'\nx = "y \\" z"\n'
    assert set(secrets(text, lambda where: False)) >= {"p1", "p2", 'y \\" z'}


def test_dotted_quotes_what_needs_quoting():
    assert dotted(["registries", "my.registry"]) == 'registries."my.registry"'
    assert tomllib.loads(f"{dotted(['a', 'b c'])} = 1\n") == {"a": {"b c": 1}}


keys = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
values = st.one_of(
    st.integers(-1000, 1000),
    st.booleans(),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)


@given(st.dictionaries(keys, st.dictionaries(keys, values, max_size=4), max_size=4), values)
def test_any_foreign_file_keeps_its_values_and_gains_ours(foreign, ours):
    import tomlkit

    text = tomlkit.dumps(foreign)
    doc = TomlDocument(text)
    doc.set(("zz-ours", "acme"), "value", ours)
    read = tomllib.loads(doc.text())
    assert read.pop("zz-ours") == {"acme": {"value": ours}}
    assert read == tomllib.loads(text)


def test_a_crlf_file_gets_crlf_lines_where_ours_are_added():
    text = '# theirs\r\n[pypi.other]\r\nurl = "x"\r\n'
    doc = TomlDocument(text)
    doc.set(("pypi", "acme"), "url", "https://h/")
    out = doc.text()
    assert out.startswith(text) and "\n" not in out.replace("\r\n", "")
    assert tomllib.loads(out)["pypi"]["acme"] == {"url": "https://h/"}
    assert TomlDocument("a = 1\n").text() == "a = 1\n"
