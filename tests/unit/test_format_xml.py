"""The XML editor: offsets as expat reports them, splices that keep every other byte, refusals."""

import hashlib

import pytest

from codeartifact_refresher.errors import WriterError
from codeartifact_refresher.testing import maven_repo
from codeartifact_refresher.writers.formats.xml import XmlDocument, parse

BILLION_LAUGHS = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;">\n]>\n<settings>&lol2;</settings>\n'
XXE = '<?xml version="1.0"?>\n<!DOCTYPE settings [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<settings>&xxe;</settings>\n'


def test_offsets_cover_each_element_exactly_even_after_multibyte_text_and_quoted_brackets():
    text = '\ufeff<?xml version="1.0"?>\n<r a="1>2">\n  <é x=\'/>\'>ü<b/></é>\n  <c></c>\n</r>\n'
    root = parse(text)
    assert root is not None
    e, c = root.children
    assert text[e.start : e.end] == "<é x='/>'>ü<b/></é>" and e.text == "ü" and e.line == 3
    assert text[e.children[0].start : e.children[0].end] == "<b/>" and e.children[0].empty
    assert text[c.start : c.end] == "<c></c>" and not c.empty


@pytest.mark.parametrize("text", [BILLION_LAUGHS, XXE, '<!DOCTYPE settings SYSTEM "http://x/">\n<settings/>'])
def test_any_document_type_declaration_is_refused_before_an_entity_is_expanded(text):
    with pytest.raises(WriterError, match=r"line [12]: a <!DOCTYPE> declaration"):
        parse(text)


def test_an_undeclared_entity_is_refused_with_its_line():
    with pytest.raises(WriterError, match="line 2: not well-formed XML \\(undefined entity\\)"):
        parse("<settings>\n&secret;</settings>")


def test_the_declared_encoding_does_not_matter_once_the_text_is_decoded():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<settings>\n  <x>café</x>\n</settings>\n'
    doc = XmlDocument(text, "settings")
    assert doc.root is not None
    doc.append(doc.ensure_child(doc.root, "servers"), "<server/>")
    assert doc.text.startswith(text.split("</settings>")[0]) and "<x>café</x>" in doc.text


def test_edits_keep_every_foreign_byte_and_follow_the_files_indent_and_newlines():
    text = "<!-- c -->\r\n<settings>\r\n\t<a   x = 'q' />\r\n</settings>"
    doc = XmlDocument(text, "settings")
    assert doc.root is not None
    doc.set_attribute(doc.root.children[0], "x", "it's")
    doc.set_attribute(doc.root.children[0], "y", "<&>")
    servers = doc.ensure_child(doc.root, "servers")
    doc.append(servers, doc.fragment("server", ["<id>x</id>"], doc.child_indent(servers)))
    assert doc.text == (
        "<!-- c -->\r\n<settings>\r\n\t<a   x = 'it&apos;s' y=\"&lt;&amp;&gt;\" />\r\n"
        "\t<servers>\r\n\t\t<server>\r\n\t\t\t<id>x</id>\r\n\t\t</server>\r\n\t</servers>\r\n</settings>"
    )


def test_a_file_with_only_a_prolog_gets_the_root_after_it():
    doc = XmlDocument("<?xml version='1.0'?>\n<!-- empty for now -->\n", "configuration")
    doc.ensure_root()
    assert doc.text == "<?xml version='1.0'?>\n<!-- empty for now -->\n<configuration>\n</configuration>\n"


def test_maven_repository_serves_files_checksums_and_metadata():
    files: dict = {}
    maven_repo.publish(files, "com.example", "lib", "1.0.0")
    maven_repo.publish(files, "com.example", "lib", "1.2.0")
    jar = maven_repo.serve(files, "GET", "com/example/lib/1.2.0/lib-1.2.0.jar")
    assert jar[0] == 200 and jar[2][:2] == b"PK"
    sha1 = maven_repo.serve(files, "GET", "com/example/lib/1.2.0/lib-1.2.0.jar.sha1")
    assert sha1[2].decode() == hashlib.sha1(jar[2]).hexdigest()
    metadata = maven_repo.serve(files, "GET", "com/example/lib/maven-metadata.xml")[2].decode()
    assert "<release>1.2.0</release>" in metadata and "<version>1.0.0</version>" in metadata
    assert maven_repo.serve(files, "GET", "com/example/lib/9/lib-9.jar.md5")[0] == 404
    assert maven_repo.serve(files, "PUT", "com/example/lib/1.2.0/lib-1.2.0.jar")[0] == 405
