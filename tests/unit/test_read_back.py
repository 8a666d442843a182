"""Every writer reads back what it rendered, by the tool's own rules, before anything is written
(issue 16, items 11 and 15): an entry the tool would read under another key, with another value
or not at all is refused in one line naming the key, never a value."""

from __future__ import annotations

import pytest

from codeartifact_refresher.errors import WriterRefusedError
from codeartifact_refresher.writers import base, gradle, npm, pip, pnpm, twine, yarn_classic
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
