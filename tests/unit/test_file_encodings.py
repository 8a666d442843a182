"""Files in the encoding their tool reads: gradle.properties in ISO 8859-1 (Java's
``Properties.load(InputStream)``), XML in the encoding its declaration or byte-order mark names.
The user's bytes come back exactly; what we add is in the file's encoding; an encoding the tool
cannot read, or one our text cannot be written in, is refused in one line and the file left."""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.errors import TargetError, WriterError
from codeartifact_refresher.outputs import files
from codeartifact_refresher.outputs.file_output import FileOutput
from codeartifact_refresher.testing.standin import StandIn
from codeartifact_refresher.writers import gradle, maven, nuget, pip
from codeartifact_refresher.writers.base import MAIN, Credentials, Writer
from codeartifact_refresher.writers.formats.properties import PropertiesDocument
from codeartifact_refresher.writers.formats.xml import encoding_of

from ..conftest import write_config

CREDS = Credentials("https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/maven/store/", "tok-en")
LATIN1_PROPERTIES = "# Réglages de l'équipe\r\ngreeting=h\xe9llo\r\nname=J\xfcrgen".encode("latin-1")
LATIN1_SETTINGS = (
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    "<!-- paramètres de l'équipe: gardez-moi -->\n"
    "<settings>\n  <localRepository>/srv/dépôt</localRepository>\n</settings>\n"
).encode("latin-1")


def output(path: Path, writer: Writer[Any]) -> FileOutput:
    return FileOutput(path, encoding=functools.partial(writer.encoding, MAIN))


def render_with(writer: Writer[Any]) -> Callable[[str | None], str]:
    return lambda text: writer.render_file(MAIN, text, CREDS)


def test_a_latin1_gradle_properties_keeps_every_byte_and_gets_our_line_in_ascii(tmp_path: Path) -> None:
    path = tmp_path / "gradle.properties"
    path.write_bytes(LATIN1_PROPERTIES)
    writer = gradle.Writer()
    assert output(path, writer).update(render_with(writer))
    # the user's last line had no end: it gets the file's own (CRLF), then our line
    assert path.read_bytes() == LATIN1_PROPERTIES + b"\r\ncodeartifactToken=tok-en\r\n"
    assert not output(path, writer).update(render_with(writer))  # idempotent


def test_what_we_add_to_a_properties_file_is_escaped_and_what_iso_8859_1_cannot_hold_refused(tmp_path: Path) -> None:
    path = tmp_path / "gradle.properties"
    path.write_bytes(LATIN1_PROPERTIES)
    out = output(path, gradle.Writer())

    def escaped(text: str | None) -> str:
        doc = PropertiesDocument(text)
        doc.set("k", "v\u20ac")
        return doc.text()

    out.update(escaped)
    assert path.read_bytes() == LATIN1_PROPERTIES + b"\r\nk=v\\u20AC\r\n"
    with pytest.raises(TargetError, match=r"in its encoding, ISO-8859-1: it cannot hold the character U\+20AC"):
        out.update(lambda text: (text or "") + "k=\u20ac\n")
    assert path.read_bytes() == LATIN1_PROPERTIES + b"\r\nk=v\\u20AC\r\n"


def test_a_gradle_properties_in_utf8_keeps_its_bytes_too(tmp_path: Path) -> None:
    """Java reads it as ISO 8859-1 (``Ã©``): read the same way, its bytes still come back as they were."""
    path = tmp_path / "gradle.properties"
    data = "greeting=h\xe9llo\n".encode()
    path.write_bytes(data)
    writer = gradle.Writer()
    output(path, writer).update(render_with(writer))
    assert path.read_bytes() == data + b"codeartifactToken=tok-en\n"
    assert PropertiesDocument(files.read(path, encoding=lambda _: "ISO-8859-1").text).get("greeting") == "h\xc3\xa9llo"


def test_an_iso_8859_1_settings_xml_keeps_its_bytes_and_declaration(tmp_path: Path) -> None:
    path = tmp_path / "settings.xml"
    path.write_bytes(LATIN1_SETTINGS)
    writer = maven.Writer()
    assert output(path, writer).update(render_with(writer))
    data = path.read_bytes()
    head, tail = LATIN1_SETTINGS.split(b"</settings>")
    assert data.startswith(head) and data.endswith(b"</settings>" + tail)
    assert b"<password>tok-en</password>" in data
    assert b"\xe8tres" in data and b"d\xe9p\xf4t" in data  # still Latin-1, not UTF-8
    assert not output(path, writer).update(render_with(writer))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_settings_xml_is_read_and_written_in_utf16_with_its_bom(tmp_path: Path, codec: str) -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<!-- été -->\n<settings>\n</settings>\n'
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    path = tmp_path / "settings.xml"
    path.write_bytes(bom + text.encode(codec))
    writer = maven.Writer()
    output(path, writer).update(render_with(writer))
    data = path.read_bytes()
    assert data.startswith(bom + text.split("</settings>")[0].encode(codec))
    assert "<password>tok-en</password>" in data[2:].decode(codec)


def test_a_windows_1252_nuget_config_is_written_in_windows_1252(tmp_path: Path) -> None:
    text = '<?xml version="1.0" encoding="windows-1252"?>\n<!-- “quoted” -->\n<configuration>\n</configuration>\n'
    path = tmp_path / "NuGet.Config"
    path.write_bytes(text.encode("cp1252"))
    writer = nuget.Writer()
    output(path, writer).update(
        lambda t: writer.render_file(MAIN, t, Credentials(CREDS.endpoint.replace("maven", "nuget"), "tok"))
    )
    assert path.read_bytes().startswith(text.split("<configuration>")[0].encode("cp1252"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'<?xml version="1.0" encoding="EBCDIC-XYZ"?>\n<settings/>\n',
            "names the encoding EBCDIC-XYZ, which this program cannot read",
        ),
        (b'<?xml version="1.0" encoding="UTF-16"?>\n<settings/>\n', "says UTF-16, but the file has no byte-order mark"),
        (codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="ISO-8859-1"?><settings/>', "the byte-order mark says UTF-8"),
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<settings>\xe9</settings>\n', r"is not UTF-8 text \(byte 49\)"),
        (
            b'<?xml version="1.0" encoding="US-ASCII"?>\n<settings>\xe9</settings>\n',
            r"is not US-ASCII text \(byte 52\)",
        ),
    ],
    ids=["unknown", "utf16-without-bom", "bom-contradicts", "declared-utf8-is-not", "declared-ascii-is-not"],
)
def test_an_xml_file_in_an_encoding_that_cannot_be_read_is_refused_and_left(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "settings.xml"
    path.write_bytes(data)
    writer = maven.Writer()
    with pytest.raises(TargetError, match=message) as refused:
        output(path, writer).update(render_with(writer))
    assert str(refused.value).startswith(f"{path}") and "\n" not in str(refused.value)
    assert path.read_bytes() == data


def test_a_value_an_xml_encoding_cannot_hold_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    data = b'<?xml version="1.0" encoding="US-ASCII"?>\n<settings>\n</settings>\n'
    path = tmp_path / "settings.xml"
    path.write_bytes(data)
    writer = maven.Writer()
    out = output(path, writer)
    with pytest.raises(TargetError, match=r"US-ASCII: it cannot hold the character U\+00E9"):
        out.preview(lambda text: (text or "").replace("<settings>", "<settings><!-- é -->"))
    with pytest.raises(TargetError, match=r"US-ASCII: it cannot hold the character U\+00E9"):
        out.update(lambda text: (text or "").replace("<settings>", "<settings><!-- é -->"))
    assert path.read_bytes() == data


def test_encoding_of_follows_the_bom_then_the_declaration_then_utf8() -> None:
    assert encoding_of(b"") == "UTF-8"
    assert encoding_of(b"<settings/>") == "UTF-8"
    assert encoding_of(b"<?xml version='1.0' encoding='ISO-8859-1'?><a/>") == "ISO-8859-1"
    assert encoding_of(codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="utf-8"?><a/>') == "UTF-8"
    assert encoding_of('<?xml version="1.0"?><a/>'.encode("utf-16-be")) == "UTF-16BE"  # no BOM: the first character
    assert encoding_of(codecs.BOM_UTF16_LE + "<a/>".encode("utf-16-le")) == "UTF-16LE"
    with pytest.raises(WriterError):
        encoding_of(b'<?xml version="1.0" encoding="no-such-thing"?>')


def test_other_writers_still_read_utf8_only(tmp_path: Path) -> None:
    path = tmp_path / "pip.conf"
    path.write_bytes("# équipe\n".encode("latin-1"))
    writer = pip.Writer()
    with pytest.raises(TargetError, match=r"is not UTF-8 text \(byte 2\); left as it is"):
        output(path, writer).update(lambda text: writer.render(text, CREDS))


def test_refresh_writes_a_latin1_gradle_properties_and_settings_xml(
    standin: StandIn, tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The config loader gives each file the writer's encoding (before: "not UTF-8 text", both refused)."""
    standin.add_repository("acme", "maven-store", "maven", demo=False)
    properties, settings = home / ".gradle" / "gradle.properties", home / ".m2" / "settings.xml"
    for path, data in ((properties, LATIN1_PROPERTIES), (settings, LATIN1_SETTINGS)):
        path.parent.mkdir()
        path.write_bytes(data)
    targets = "      - {writer: gradle, repository: maven-store}\n      - {writer: maven, repository: maven-store}\n"
    assert cli.main(["refresh", "--config", str(write_config(tmp_path / "c.yaml", standin, targets))]) == 0, (
        capsys.readouterr().err
    )
    token = standin.issued_tokens()[-1]
    assert properties.read_bytes() == LATIN1_PROPERTIES + f"\r\ncodeartifactToken={token}\r\n".encode()
    assert settings.read_bytes().startswith(LATIN1_SETTINGS.split(b"</settings>")[0])
    assert f"<password>{token}</password>".encode() in settings.read_bytes()


class RetiringGradle(gradle.Writer):
    """gradle, retiring its property: a writer with an encoding that removes what it wrote."""

    def retire(self, current: str, creds: Credentials) -> str:
        doc = PropertiesDocument(current)
        mine = [e for e in doc.entries if e.key == self.options.property]
        for entry in reversed(mine):
            del doc.lines[entry.first : entry.last + 1]
        return doc.text()


def test_retiring_a_target_reads_and_writes_the_files_encoding(tmp_path: Path) -> None:
    """What the refresh wrote in ISO 8859-1 is removed in ISO 8859-1, not refused as not UTF-8."""
    from codeartifact_refresher.retire import Record, retire
    from codeartifact_refresher.writers.registry import Registry

    from .test_registry import FakeEntryPoint

    path = tmp_path / "gradle.properties"
    path.write_bytes(LATIN1_PROPERTIES + b"\r\n")
    writer = RetiringGradle()
    output(path, writer).update(render_with(writer))
    registry = Registry([FakeEntryPoint("gradle", "x:RetiringGradle", target=RetiringGradle)])
    record = Record("gradle", "store", (), ((MAIN, str(path)),), CREDS.endpoint, str(tmp_path / "c.yaml"))
    assert retire(record, registry, dry_run=True)
    assert retire(record, registry)
    assert path.read_bytes() == LATIN1_PROPERTIES + b"\r\n"
