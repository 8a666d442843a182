import pytest
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.maven import Writer

from ..xml_strategies import NAME, VALUE, local_tree, xml_files

FOREIGN = """\
<?xml version="1.0" encoding="UTF-8"?>
<!-- my Maven settings -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <localRepository>/data/m2</localRepository>
  <servers>
    <server>
      <id>team</id>
      <username>deployer</username>
      <password>{team-encrypted-password}</password>
    </server>
  </servers>
  <mirrors>
    <mirror>
      <id>corp</id>
      <mirrorOf>central</mirrorOf>
      <url>https://corp.example/maven/</url>
    </mirror>
  </mirrors>
  <profiles>
    <profile><id>team</id></profile>
  </profiles>
</settings>
"""
CREDS = Credentials(f"https://{HOST}/maven/store/", TOKEN_1)
SECTIONS = {
    "servers": st.builds(
        lambda n, v: f"<server><id>{n}</id><username>u</username><password>{v}</password></server>", NAME, VALUE
    ),
    "mirrors": st.builds(
        lambda n: f"<mirror><id>{n}</id><mirrorOf>{n}</mirrorOf><url>https://{n}.example/</url></mirror>", NAME
    ),
    "profiles": NAME.map(lambda n: f"<profile><id>{n}</id></profile>"),
}


def maven_reads(text: str) -> dict:
    """Servers and mirrors as Maven's SettingsXpp3Reader takes them: id -> (username, password) and
    a list of (id, mirrorOf, url) in file order (tests/e2e/test_maven.py runs Maven's own reader)."""
    root = local_tree(text)
    servers = {
        s.findtext("id", "").strip(): (s.findtext("username"), s.findtext("password"))
        for s in root.iterfind("servers/server")
    }
    mirrors = [(m.findtext("id"), m.findtext("mirrorOf"), m.findtext("url")) for m in root.iterfind("mirrors/mirror")]
    return {"servers": servers, "mirrors": mirrors}


class MavenContract(WriterContract):
    foreign = FOREIGN
    corrupt = (
        "\x00\x01binary junk\x00",
        "<settings><servers></settings>",
        '<!DOCTYPE settings [<!ENTITY a "aaaa">]><settings>&a;</settings>',
        '<!DOCTYPE settings SYSTEM "file:///etc/passwd"><settings/>',
        "<project/>",
        "<settings><servers/><servers/></settings>",
        "<settings><servers><server><id>codeartifact</id></server><server><id> codeartifact </id></server></servers></settings>",
    )
    mirror = False

    def make_writer(self):
        return Writer(mirror=self.mirror)

    def foreign_texts(self):
        return xml_files("settings", SECTIONS)

    def read_back(self, text):
        seen = maven_reads(text)
        username, password = seen["servers"]["codeartifact"]
        assert username == "aws"
        if not self.mirror:
            return "codeartifact", password
        first = seen["mirrors"][0]
        assert first[:2] == ("codeartifact", "*")
        return first[2], password

    def expected(self, token=TOKEN_1):
        return (self.creds().endpoint if self.mirror else "codeartifact", token)

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self):
        """XML knows no comment lines: an old Mac file is a comment and a root on CR-ended lines."""
        writer = self.make_writer()
        for text in ("<!-- old Mac line ending -->\r", self.foreign.replace("\n", "\r")):
            out = self.render(writer, text, self.creds())
            assert self.render(writer, out, self.creds()) == out and "\n" not in out
            assert self.read_back(out) == self.expected(TOKEN_1)


class TestServer(MavenContract):
    pass


class TestServerAndMirror(MavenContract):
    mirror = True


def test_new_mirror_goes_first_and_existing_mirror_of_is_the_users():
    text = Writer(mirror=True).render(FOREIGN, CREDS)
    assert [m[0] for m in maven_reads(text)["mirrors"]] == ["codeartifact", "corp"]
    mine = text.replace("<mirrorOf>*</mirrorOf>", "<mirrorOf>external:*,!corp</mirrorOf>")
    again = Writer(mirror=True).render(mine, Credentials(CREDS.endpoint, TOKEN_2))
    assert maven_reads(again)["mirrors"][0] == ("codeartifact", "external:*,!corp", CREDS.endpoint)


def test_a_foreign_mirror_of_everything_before_ours_is_refused_with_its_line():
    ours = Writer(mirror=True).render(None, CREDS)
    shadowed = ours.replace(
        "  <mirrors>\n", "  <mirrors>\n    <mirror><id>all</id><mirrorOf>*</mirrorOf><url>https://x/</url></mirror>\n"
    )
    with pytest.raises(WriterRefusedError, match="line 11: the mirror 'all' of '\\*' comes before"):
        Writer(mirror=True).render(shadowed, CREDS)


def test_our_existing_server_keeps_its_other_children_and_gets_the_token():
    text = FOREIGN.replace(
        "  </servers>",
        "    <server>\n      <id>codeartifact</id>\n      <password>{encrypted}</password>\n"
        "      <configuration><timeout>5000</timeout></configuration>\n    </server>\n  </servers>",
    )
    out = Writer().render(text, CREDS)
    assert maven_reads(out)["servers"]["codeartifact"] == ("aws", TOKEN_1)
    assert "      <configuration><timeout>5000</timeout></configuration>\n" in out
    assert out.count("<server>") == 2


def test_an_empty_servers_element_is_opened_and_the_token_escaped():
    out = Writer().render("<settings>\n  <servers/>\n</settings>\n", Credentials(CREDS.endpoint, "a<b&c"))
    assert maven_reads(out)["servers"]["codeartifact"] == ("aws", "a<b&c")
    assert "<password>a&lt;b&amp;c</password>" in out


def test_two_ids_in_one_file_do_not_clobber_each_other():
    other = Credentials(CREDS.endpoint.replace("store", "other"), TOKEN_2)
    text = Writer(id="other").render(Writer().render(FOREIGN, CREDS), other)
    servers = maven_reads(text)["servers"]
    assert servers["codeartifact"] == ("aws", TOKEN_1) and servers["other"] == ("aws", TOKEN_2)
    assert Writer().claims() != Writer(id="other").claims()


def test_malformed_xml_is_refused_naming_the_line_not_the_value():
    with pytest.raises(WriterError, match="line 3: not well-formed XML") as e:
        Writer().render("<settings>\n<servers>\n<server secret-value></server>", CREDS)
    assert "secret-value" not in str(e.value)


def test_find_secrets_covers_every_password_passphrase_and_header_value():
    text = (
        FOREIGN.replace(
            "  </servers>",
            "    <server><id>ssh</id><passphrase>phrase</passphrase><configuration><httpHeaders><property>"
            "<name>Private-Token</name><value>header-secret</value></property></httpHeaders></configuration></server>\n  </servers>",
        )
        + "<!-- <proxy><password>proxy-pw</password></proxy> -->\n"
    )
    found = set(Writer().find_secrets(Writer().render(text, CREDS)))
    assert {"{team-encrypted-password}", "phrase", "header-secret", TOKEN_1} <= found
    assert "proxy-pw" in set(Writer().find_secrets(text + "<unclosed"))  # by pattern when it won't parse


def test_default_path_is_user_settings_under_home():
    assert Writer().default_path({"HOME": "/home/u"}).as_posix() == "/home/u/.m2/settings.xml"


@pytest.mark.parametrize("bad", ["", "has space", "a/b", "-x"])
def test_id_option_rejects_what_is_no_plain_id(bad):
    with pytest.raises(ValueError, match="Maven server id"):
        options.validate(Writer.Options, "id", bad)
