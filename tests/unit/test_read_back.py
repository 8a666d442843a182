"""Every writer reads back what it rendered, by the tool's own rules, before anything is written
(issue 16, items 11 and 15): an entry the tool would read under another key, with another value
or not at all is refused in one line naming the key, never a value."""

from __future__ import annotations

import pytest

from codeartifact_refresher.errors import WriterRefusedError
from codeartifact_refresher.writers import base, gradle, maven, npm, nuget, pip, pnpm, twine, yarn_classic
from codeartifact_refresher.writers.formats import npmrc

TOKEN = "eyJ2ZXIiOjF9.read-back-token"
USER = "//registry.npmjs.org/:_authToken=npm_USERS0WN\n"


def creds(endpoint: str) -> base.Credentials:
    return base.Credentials(endpoint, TOKEN, "store")


@pytest.mark.parametrize("writer", [npm.Writer, pnpm.Writer, yarn_classic.Writer])
@pytest.mark.parametrize("crafted", [";", "=", "x;//registry.npmjs.org/", "a=b", "x\\;y"])
def test_an_npmrc_key_the_tool_would_end_early_is_refused(writer, crafted):
    """Past the endpoint check (a remembered endpoint, a plugin's own URL...), the key check
    still holds: npm's ini ends a key at ';' or '#' and splits at the first '='."""
    with pytest.raises(WriterRefusedError) as e:
        writer().render_checked(base.MAIN, USER, creds(f"https://h.example/npm/{crafted}/"))
    message = str(e.value)
    assert message.startswith("our entry ") and "would not read back as written (the tool would read " in message
    assert TOKEN not in message and "\n" not in message


def test_an_npm_registry_value_the_tool_would_cut_at_a_hash_is_refused():
    # (Yarn 1's writer writes the URL without what follows "#", a fragment to every URL parser)
    with pytest.raises(WriterRefusedError, match=r"^our entry 'registry' would not read back as written"):
        npm.Writer().render_checked(base.MAIN, USER, creds("https://h.example/npm/x#y/"))


def test_what_npm_reads_back_is_what_we_meant():
    text = npm.Writer().render_checked(base.MAIN, USER, creds("https://h.example/npm/store/"))
    settings = npmrc.read(text)
    assert settings["//h.example/npm/store/:_authToken"] == TOKEN
    assert settings["//registry.npmjs.org/:_authToken"] == "npm_USERS0WN"


def test_without_a_reader_nothing_is_checked():
    class Silent(npm.Writer):
        def read_back(self, role, text, creds):
            return base.Writer.read_back(self, role, text, creds)  # the default: reads nothing back

    crafted = creds("https://h.example/npm/x;/")
    assert "x;" in Silent().render_checked(base.MAIN, USER, crafted)  # what the check stops, above


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_a_gradle_property_after_a_continued_value_reads_back_as_its_own_entry(ending):
    user = f"a=1{ending}org.gradle.jvmargs=-Xmx2g \\{ending}"
    text = gradle.Writer().render_checked(base.MAIN, user, creds("https://h.example/maven/store/"))
    assert text.startswith(user) and text.endswith(f"{ending}codeartifactToken={TOKEN}{ending}")


def test_a_continuation_ending_in_a_lone_cr_is_ended_by_a_lone_cr_in_a_mixed_file():
    user = "a=1\norg.gradle.jvmargs=-Xmx2g \\\r"  # "\n" is the file's ending, the last line ends in "\r"
    text = gradle.Writer().render_checked(base.MAIN, user, creds("https://h.example/maven/store/"))
    assert text == f"{user}\rcodeartifactToken={TOKEN}\n"  # "\r" + "\n" would be one line end


@pytest.mark.parametrize(
    ("writer", "endpoint"),
    [
        (npm.Writer, "https://h.example/npm/store/"),
        (yarn_classic.Writer, "https://h.example/npm/store/"),
        (gradle.Writer, "https://h.example/maven/store/"),
        (pip.Writer, "https://h.example/pypi/store/"),
        (twine.Writer, "https://h.example/pypi/store/"),
    ],
)
def test_a_lone_cr_file_gets_lone_cr_lines(writer, endpoint):
    """Java, npm's ini and Python's universal newlines end a line at a lone CR: a file of them
    keeps its own line end, and what we add reads back as its own lines."""
    user = "# an old Mac file\r# its second line\r"
    text = writer().render_checked(base.MAIN, user, creds(endpoint))
    assert text.startswith(user) and "\n" not in text and TOKEN in text


MAVEN = "https://h.example/maven/store/"
NUGET = "https://h.example/nuget/store/"
SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">\n'
    "  <servers>\n    <server>\n      <id>other</id>\n      <password>theirs</password>\n    </server>\n"
    "    <server>\n      <id> codeartifact </id>\n      <password>\n        old\n      </password>\n"
    "    </server>\n  </servers>\n</settings>\n"
)
NUGET_CONFIG = (
    '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n'
    '    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />\n  </packageSources>\n'
    "</configuration>\n"
)


def read_back_all(writer: base.Writer, text: str, endpoint: str) -> list:
    return list(writer.read_back(base.MAIN, text, creds(endpoint)))


@pytest.mark.parametrize("current", [None, SETTINGS])
@pytest.mark.parametrize("mirror", [False, True])
def test_a_maven_settings_xml_reads_back_our_server_as_maven_reads_it(current, mirror):
    writer = maven.Writer(mirror=mirror)
    text = writer.render_checked(base.MAIN, current, creds(MAVEN))
    found = read_back_all(writer, text, MAVEN)
    keys = {key for key, _, _ in found}
    assert keys == {"<server> codeartifact <username>", "<server> codeartifact <password>"} | (
        {"<mirror> codeartifact <url>"} if mirror else set()
    )
    assert all(written == read for _, written, read in found)
    assert ("<server> codeartifact <password>", TOKEN, TOKEN) in found


@pytest.mark.parametrize("name", ["codeartifact", "acme/store", "my store", "a_x0041_b"])
@pytest.mark.parametrize("current", [None, NUGET_CONFIG])
def test_a_nuget_config_reads_back_our_source_and_credentials_as_nuget_reads_them(name, current):
    writer = nuget.Writer(name=name)
    text = writer.render_checked(base.MAIN, current, creds(NUGET))
    found = read_back_all(writer, text, NUGET)
    assert {key for key, _, _ in found} == {
        f"<packageSources> {name}",
        f"<packageSourceCredentials> {name} Username",
        f"<packageSourceCredentials> {name} ClearTextPassword",
    }
    assert all(written == read for _, written, read in found)
    assert (f"<packageSources> {name}", f"{NUGET}v3/index.json", f"{NUGET}v3/index.json") in found


def test_an_earlier_maven_server_of_our_id_is_refused(monkeypatch):
    """Maven's ``Settings.getServer`` takes the first server of an id: one the render would leave
    before ours (the writer refuses two today; this is the read-back's own check) is refused."""
    render = maven.Writer.render

    def shadowed(self, current, creds):
        text = render(self, current, creds)
        earlier = (
            "<servers>\n    <server><id>codeartifact</id><username>aws</username><password>old</password></server>"
        )
        return text.replace("<servers>", earlier, 1)

    monkeypatch.setattr(maven.Writer, "render", shadowed)
    with pytest.raises(WriterRefusedError, match=r"^our entry '<server> codeartifact <password>' would not read back"):
        maven.Writer().render_checked(base.MAIN, None, creds(MAVEN))


def test_a_maven_password_the_parser_reads_otherwise_is_refused():
    # XML ends a line at a lone CR: the parser reads "\n" where "\r" was written
    with pytest.raises(WriterRefusedError, match=r"^our entry '<server> codeartifact <password>' would not read back"):
        maven.Writer().render_checked(base.MAIN, None, base.Credentials(MAVEN, "a\rb", "store"))


def test_a_maven_password_holding_an_element_is_refused(monkeypatch):
    render = maven.Writer.render
    monkeypatch.setattr(
        maven.Writer, "render", lambda self, c, k: render(self, c, k).replace("</password>", "<x/></password>")
    )
    with pytest.raises(WriterRefusedError, match=r"the tool would read no such key"):
        maven.Writer().render_checked(base.MAIN, None, creds(MAVEN))


def test_nuget_credentials_of_our_source_under_another_encoding_of_its_name_are_refused():
    """``_x0063_odeartifact`` decodes to ``codeartifact``: NuGet reads the credentials the user
    had there, not those the writer adds under the plain name after them."""
    user = NUGET_CONFIG.replace(
        "</configuration>",
        "  <packageSourceCredentials>\n    <_x0063_odeartifact>\n"
        '      <add key="Username" value="aws" />\n      <add key="ClearTextPassword" value="old" />\n'
        "    </_x0063_odeartifact>\n  </packageSourceCredentials>\n</configuration>",
    )
    with pytest.raises(WriterRefusedError) as e:
        nuget.Writer().render_checked(base.MAIN, user, creds(NUGET))
    assert str(e.value).startswith("our entry '<packageSourceCredentials> codeartifact ClearTextPassword' would not")


def test_a_nuget_value_the_parser_normalizes_is_refused():
    # an attribute value's tab is read as a space (XML 1.0's attribute-value normalization)
    with pytest.raises(WriterRefusedError, match=r"'<packageSourceCredentials> codeartifact ClearTextPassword'"):
        nuget.Writer().render_checked(base.MAIN, None, base.Credentials(NUGET, "a\tb", "store"))


@pytest.mark.parametrize("declared", ["ISO-8859-1", "UTF-16", "windows-1252"])
def test_xml_files_declaring_another_encoding_read_back(declared):
    """The text is already decoded: its declaration must not make the parse refuse it."""
    prolog = f'<?xml version="1.0" encoding="{declared}"?>\n<!-- \u00e9t\u00e9 -->\n'
    for writer, root, endpoint in ((maven.Writer(), "settings", MAVEN), (nuget.Writer(), "configuration", NUGET)):
        text = writer.render_checked(base.MAIN, f"{prolog}<{root}>\n</{root}>\n", creds(endpoint))
        found = read_back_all(writer, text, endpoint)
        assert found and all(written == read for _, written, read in found)
