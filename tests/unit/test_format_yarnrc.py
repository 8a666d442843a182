"""The .yarnrc.yml editor: ruamel.yaml's round trip keeps what it is not asked to change."""

import pytest
import yaml

from codeartifact_refresher.errors import WriterError, WriterRefusedError
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


def test_unchanged_document_is_byte_for_byte_the_same():
    assert YarnrcDocument(TEXT).text() == TEXT


def test_set_adds_nested_keys_and_keeps_the_rest():
    doc = YarnrcDocument(TEXT)
    doc.set(("npmScopes", "acme"), "npmRegistryServer", "https://x.example/")
    text = doc.text()
    assert text.startswith(TEXT)
    assert yaml.safe_load(text)["npmScopes"] == {"acme": {"npmRegistryServer": "https://x.example/"}}


def test_a_crlf_file_keeps_its_line_ends():
    crlf = TEXT.replace("\n", "\r\n")
    assert YarnrcDocument(crlf).text() == crlf
    doc = YarnrcDocument(crlf)
    doc.set(("npmScopes", "acme"), "npmRegistryServer", "https://x.example/")
    text = doc.text()
    assert text.startswith(crlf) and "\n" not in text.replace("\r\n", "")


def test_a_long_value_stays_on_one_line():
    doc = YarnrcDocument(None)
    doc.set((), "npmAuthToken", "x" * 3000)
    assert doc.text() == f"npmAuthToken: {'x' * 3000}\n"


@pytest.mark.parametrize(("text", "line"), [("a: 1\nb: [1,\n", "line 3"), ("a: 1\na: 2\n", "line 2")])
def test_bad_yaml_is_refused_naming_the_line_not_the_value(text, line):
    with pytest.raises(WriterError, match=line) as e:
        YarnrcDocument(text.replace("1", "secret-value", 1))
    assert "secret-value" not in str(e.value)


def test_a_scalar_where_a_mapping_belongs_is_refused():
    with pytest.raises(WriterRefusedError, match="npmScopes is not a mapping"):
        YarnrcDocument("npmScopes: 3\n").mapping("npmScopes", "acme")
    with pytest.raises(WriterError, match="not a YAML mapping"):
        YarnrcDocument("- a list\n")
