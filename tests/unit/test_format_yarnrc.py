"""The .yarnrc.yml editor: splices at PyYAML's offsets, so every byte it does not own stays."""

import pytest
import yaml

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.writers.formats import yarnrc
from codeartifact_refresher.writers.formats.yarnrc import YarnrcDocument

TEXT = """\
# top comment
nodeLinker: 'node-modules'   # quoted, with a comment
packageExtensions:
  "foo@*":
    dependencies: {bar: "*"}
plugins:
  - path: .yarn/plugins/x.cjs
"""


def edited(text, keys, key, value):
    doc = YarnrcDocument(text)
    doc.set(keys, key, value)
    return doc.text()


def test_unchanged_document_is_byte_for_byte_the_same():
    assert YarnrcDocument(TEXT).text() == TEXT


def test_set_adds_nested_keys_and_keeps_the_rest():
    text = edited(TEXT, ("npmScopes", "acme"), "npmRegistryServer", "https://x.example/")
    assert text == TEXT + "npmScopes:\n  acme:\n    npmRegistryServer: https://x.example/\n"


def test_a_crlf_file_keeps_its_line_ends():
    crlf = TEXT.replace("\n", "\r\n")
    assert YarnrcDocument(crlf).text() == crlf
    text = edited(crlf, ("npmScopes", "acme"), "npmRegistryServer", "https://x.example/")
    assert text.startswith(crlf) and "\n" not in text.replace("\r\n", "")


def test_a_long_value_stays_on_one_line():
    assert edited(None, (), "npmAuthToken", "x" * 3000) == f"npmAuthToken: {'x' * 3000}\n"


@pytest.mark.parametrize(
    ("text", "added"),
    [
        ("a:\n    b: 1\n", "npmScopes:\n    acme:\n        npmRegistryServer: v\n"),  # the file's step
        ("a:\n   b: 1\n", "npmScopes:\n   acme:\n      npmRegistryServer: v\n"),
        ("a: 1\n", "npmScopes:\n  acme:\n    npmRegistryServer: v\n"),  # none shown: 2
    ],
)
def test_new_keys_nest_by_the_files_own_indentation(text, added):
    assert edited(text, ("npmScopes", "acme"), "npmRegistryServer", "v") == text + added


def test_a_key_added_to_a_block_mapping_takes_its_column_after_its_last_line():
    text = "npmScopes:   # scopes\n    other:\n        npmRegistryServer: 'o'  # theirs\n# after\nx: 1\n"
    assert edited(text, ("npmScopes", "acme"), "npmRegistryServer", "v") == text.replace(
        "# theirs\n", "# theirs\n    acme:\n        npmRegistryServer: v\n"
    )


def test_a_value_is_replaced_where_it_stands():
    text = "npmRegistries:\n  //h/:   # mine\n    npmAuthToken:   'old'   # keep\n    npmAlwaysAuth: true\n"
    assert edited(text, ("npmRegistries", "//h/"), "npmAuthToken", "new") == text.replace("'old'", "new")
    assert edited(text, ("npmRegistries", "//h/"), "npmAlwaysAuth", True) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("npmRegistries: {}  # none yet\n", 'npmRegistries: {"//h/": {"npmAuthToken": "t"}}  # none yet\n'),
        ("npmRegistries: {'//h/': {npmAuthToken: old}}\n", "npmRegistries: {'//h/': {npmAuthToken: \"t\"}}\n"),
        ('npmRegistries: {"//o/": {a: b} ,}\n', 'npmRegistries: {"//o/": {a: b}, "//h/": {"npmAuthToken": "t"} ,}\n'),
        ("{npmRegistries: ~}\n", '{npmRegistries: {"//h/": {"npmAuthToken": "t"}}}\n'),
    ],
)
def test_a_flow_mapping_is_edited_inside_in_flow_style(text, expected):
    assert edited(text, ("npmRegistries", "//h/"), "npmAuthToken", "t") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("npmScopes:\nb: 1\n", "npmScopes:\n  acme:\n    npmRegistryServer: v\nb: 1\n"),
        ("npmScopes: ~  # c\n", "npmScopes:   # c\n  acme:\n    npmRegistryServer: v\n"),
        ("npmScopes:\n  acme:\n    npmRegistryServer:\n", "npmScopes:\n  acme:\n    npmRegistryServer: v\n"),
    ],
)
def test_an_empty_value_on_the_way_is_filled(text, expected):
    assert edited(text, ("npmScopes", "acme"), "npmRegistryServer", "v") == expected


def test_a_block_scalar_and_an_alias_at_the_end_of_a_mapping():
    text = "a: |\n  line\n\nb:\n  c: &x 1\n  d: *x\n"
    assert edited(text, (), "k", "v") == text + "k: v\n"
    text = "a: >\n  folded\n"
    assert edited(text, (), "a", "v") == "a: v\n"


def test_merge_keys_still_work():
    text = "base: &b\n  x: 1\nnpmScopes:\n  <<: *b\n"
    out = edited(text, ("npmScopes", "acme"), "npmRegistryServer", "v")
    assert out == text + "  acme:\n    npmRegistryServer: v\n"
    assert yaml.safe_load(out)["npmScopes"] == {"x": 1, "acme": {"npmRegistryServer": "v"}}


@pytest.mark.parametrize(
    ("value", "written"), [("true", '"true"'), ("12", '"12"'), ("a: b", '"a: b"'), ("#x", '"#x"'), ("", '""')]
)
def test_values_are_written_as_scalars_that_read_back_exactly(value, written):
    out = edited("a: 1\n", (), "k", value)
    assert out == f"a: 1\nk: {written}\n" and yaml.safe_load(out)["k"] == value


def test_a_byte_order_mark_and_a_missing_last_line_end_are_kept():
    assert edited("\ufeffa: 1", (), "k", True) == "\ufeffa: 1\nk: true"


def test_a_shared_alias_is_refused_not_edited_through():
    with pytest.raises(WriterRefusedError, match=r"npmAuthToken \(line 2\) is a YAML alias"):
        edited("a: &t v\nnpmAuthToken: *t\n", (), "npmAuthToken", "secret-value")


def test_a_key_goes_before_a_document_end_marker():
    assert edited("a: 1\n...\n", (), "k", "v") == "a: 1\nk: v\n...\n"


@pytest.mark.parametrize(
    ("written", "error"), [("v\nb: 2", "without changing the rest"), ("[v", "without breaking the file")]
)
def test_an_edit_whose_result_would_read_differently_is_refused(monkeypatch, written, error):
    monkeypatch.setattr(yarnrc, "_value", lambda value, flow: written)  # a wrong splice
    with pytest.raises(WriterError, match=f"could not set npmScopes.k {error}") as e:
        edited("a: 1\nnpmScopes:\n  x: 1\n", ("npmScopes",), "k", "secret-value")
    assert "secret-value" not in str(e.value)


@pytest.mark.parametrize(
    ("text", "line"), [("a: 1\nb: [1,\n", "line 3"), ("a: 1\na: 2\n", "line 2"), ("a: 1\n---\nb: 1\n", "documents")]
)
def test_bad_yaml_is_refused_naming_the_line_not_the_value(text, line):
    with pytest.raises(WriterError, match=line) as e:
        YarnrcDocument(text.replace("1", "secret-value", 1))
    assert "secret-value" not in str(e.value)


def test_a_scalar_where_a_mapping_belongs_is_refused():
    with pytest.raises(WriterRefusedError, match=r"npmScopes \(line 2\) is not a mapping"):
        edited("a: 1\nnpmScopes: 3\n", ("npmScopes", "acme"), "npmRegistryServer", "v")
    with pytest.raises(WriterRefusedError, match=r"npmScopes \(line 1\) is not a single value"):
        edited("npmScopes: [a]\n", (), "npmScopes", "v")
    with pytest.raises(WriterError, match="not a mapping"):
        YarnrcDocument("- a list\n")
