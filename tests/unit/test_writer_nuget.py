import pytest
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.nuget import Writer, element_name

from ..xml_strategies import NAME, VALUE, local_tree, xml_files

FOREIGN = """\
<?xml version="1.0" encoding="utf-8"?>
<!-- my NuGet settings -->
<configuration>
  <packageSources>
    <clear />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
    <add key="Contoso" value="https://contoso.example/nuget/v3/index.json" />
  </packageSources>
  <packageSourceCredentials>
    <Contoso>
      <add key="Username" value="me@contoso.example" />
      <add key="ClearTextPassword" value="contoso-secret" />
    </Contoso>
  </packageSourceCredentials>
  <config>
    <add key="http_proxy.password" value="proxy-secret" />
  </config>
</configuration>
"""
CREDS = Credentials(f"https://{HOST}/nuget/store/", TOKEN_1)
SECTIONS = {
    "packageSources": st.one_of(
        st.just("<clear />"), NAME.map(lambda n: f'<add key="{n}" value="https://{n}.example/v3/index.json" />')
    ),
    "disabledPackageSources": NAME.map(lambda n: f'<add key="{n}" value="true" />'),
    "packageSourceCredentials": st.builds(
        lambda n, v: f'<{n}><add key="Username" value="u" /><add key="ClearTextPassword" value="{v}" /></{n}>',
        NAME,
        VALUE,
    ),
    "config": st.builds(lambda n, v: f'<add key="{n}" value="{v}" />', NAME, VALUE),
}


def nuget_reads(text: str, name: str = "codeartifact") -> tuple[str | None, dict]:
    """The source ``name``'s URL and credentials as NuGet takes them (learn.microsoft.com's
    nuget-config-file reference and NuGet.Configuration's CredentialsItem): ``<clear />`` drops the
    sources before it, keys ignore case, the first Username and first (ClearText)Password count."""
    root = local_tree(text)
    sources: dict = {}
    for item in root.find("packageSources") or []:
        if item.tag == "clear":
            sources.clear()
        elif item.tag == "add":
            sources[item.get("key", "").lower()] = item.get("value")
    creds: dict[str, tuple[str | None, str | None]] = {}
    for item in root.find(f"packageSourceCredentials/{element_name(name)}") or []:
        key = item.get("key", "").lower()
        slot = "password" if key in ("password", "cleartextpassword") else key
        creds.setdefault(slot, (item.get("key"), item.get("value")))
    return sources.get(name.lower()), creds


class TestNuGet(WriterContract):
    foreign = FOREIGN
    corrupt = (
        "\x00\x01binary junk\x00",
        "<configuration><packageSources></configuration>",
        '<!DOCTYPE configuration [<!ENTITY a "aaaa">]><configuration>&a;</configuration>',
        "<settings/>",
        '<configuration><packageSources><add key="codeartifact" value="x"/><add key="CodeArtifact" value="y"/></packageSources></configuration>',
    )

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return xml_files("configuration", SECTIONS)

    def read_back(self, text):
        url, creds = nuget_reads(text)
        assert creds["username"] == ("Username", "aws")
        assert creds["password"][0] == "ClearTextPassword"
        return url, creds["password"][1]

    def expected(self, token=TOKEN_1):
        return (f"{self.creds().endpoint}v3/index.json", token)

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self):
        """XML knows no comment lines: an old Mac file is a comment and a root on CR-ended lines."""
        writer = self.make_writer()
        for text in ("<!-- old Mac line ending -->\r", self.foreign.replace("\n", "\r")):
            out = self.render(writer, text, self.creds())
            assert self.render(writer, out, self.creds()) == out and "\n" not in out
            assert self.read_back(out) == self.expected(TOKEN_1)


@pytest.mark.parametrize(
    ("source", "element"),
    [
        ("codeartifact", "codeartifact"),
        ("Test Source", "Test_x0020_Source"),  # the example in NuGet's nuget-config-file reference
        ("acme/store", "acme_x002F_store"),  # what `aws codeartifact login --tool dotnet` names a source
        ("1st", "_x0031_st"),
        ("a_x0041_b", "a_x005F_x0041_b"),  # an underscore that would read as an escape is escaped
        ("a_b-c.d", "a_b-c.d"),
    ],
)
def test_credentials_element_is_named_as_nuget_encodes_the_source_name(source, element):
    assert element_name(source) == element
    url, creds = nuget_reads(Writer(name=source).render(FOREIGN, CREDS), source)
    assert url == f"{CREDS.endpoint}v3/index.json" and creds["password"] == ("ClearTextPassword", TOKEN_1)


def test_a_source_that_a_later_clear_drops_is_refused():
    ours = Writer().render(None, CREDS)
    cleared = ours.replace("  </packageSources>", "    <clear />\n  </packageSources>")
    with pytest.raises(WriterRefusedError, match="line 5: a <clear /> after the source 'codeartifact' drops it"):
        Writer().render(cleared, CREDS)


def test_a_disabled_source_is_refused():
    text = FOREIGN.replace(
        "  <config>",
        '  <disabledPackageSources>\n    <add key="CodeArtifact" value="true" />\n  </disabledPackageSources>\n  <config>',
    )
    with pytest.raises(WriterRefusedError, match="disables 'codeartifact'"):
        Writer().render(text, CREDS)
    assert Writer().render(text.replace('value="true"', 'value="false"'), CREDS)


def test_existing_source_and_credentials_are_updated_in_place_keeping_their_extras():
    text = FOREIGN.replace(
        "  </packageSources>",
        "    <add key='CodeArtifact' value='https://old.example/' protocolVersion='3' />\n  </packageSources>",
    ).replace(
        "  </packageSourceCredentials>",
        '    <codeartifact>\n      <add key="password" value="encrypted" />\n      <add key="username" value="someone" />\n'
        '      <add key="ValidAuthenticationTypes" value="basic" />\n    </codeartifact>\n  </packageSourceCredentials>',
    )
    out = Writer().render(text, Credentials(CREDS.endpoint, "a\"b'c&"))
    assert f"<add key='codeartifact' value='{CREDS.endpoint}v3/index.json' protocolVersion='3' />" in out
    _url, creds = nuget_reads(out)
    assert creds == {
        "password": ("ClearTextPassword", "a\"b'c&"),
        "username": ("username", "aws"),  # NuGet compares keys ignoring case: left as spelled
        "validauthenticationtypes": ("ValidAuthenticationTypes", "basic"),
    }
    assert out.count("<add") == text.count("<add")


def test_two_sources_in_one_file_do_not_clobber_each_other():
    other = Credentials(CREDS.endpoint.replace("store", "other"), TOKEN_2)
    text = Writer(name="other").render(Writer().render(FOREIGN, CREDS), other)
    assert nuget_reads(text)[1]["password"][1] == TOKEN_1
    assert nuget_reads(text, "other") == (
        f"{other.endpoint}v3/index.json",
        {"username": ("Username", "aws"), "password": ("ClearTextPassword", TOKEN_2)},
    )
    assert nuget_reads(text, "Contoso")[1]["password"][1] == "contoso-secret"


def test_find_secrets_covers_passwords_proxy_password_and_api_keys():
    text = FOREIGN.replace(
        "  <config>", '  <apikeys>\n    <add key="https://x/" value="api-key-secret" />\n  </apikeys>\n  <config>'
    )
    found = set(Writer().find_secrets(Writer().render(text, CREDS)))
    assert {"contoso-secret", "proxy-secret", "api-key-secret", TOKEN_1} <= found
    with pytest.raises(WriterError):
        Writer().render(text + "<", CREDS)
    assert "contoso-secret" in set(Writer().find_secrets(text + "<"))


def test_default_path_follows_the_dotnet_cli():
    assert Writer().default_path({"HOME": "/home/u"}).as_posix() == "/home/u/.nuget/NuGet/NuGet.Config"


@pytest.mark.parametrize("bad", ["", " lead", "tab\there", "é"])
def test_name_option_rejects_what_no_source_name_should_be(bad):
    with pytest.raises(ValueError, match="NuGet source name"):
        options.validate(Writer.Options, "name", bad)
