"""The gradle writer: its property read back as Gradle reads gradle.properties (java.util.Properties;
the editor's reading is checked against Java's own in test_format_properties.py)."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, WriterContract
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.formats.properties import PropertiesDocument
from codeartifact_refresher.writers.gradle import Options, Writer

FOREIGN = """\
# my Gradle settings
org.gradle.jvmargs=-Xmx2g \\
    -Dfile.encoding=UTF-8
! signing
signing.password = hunter2
mavenUser: me
"""
CREDS = Credentials(f"https://{HOST}/maven/store/", TOKEN_1)
LINE = st.one_of(
    st.from_regex(r"[#!][ -~]{0,20}", fullmatch=True),
    st.just(""),
    st.from_regex(r"[a-z][a-zA-Z.]{0,10}[ ]?[=:][ ]?[ -\[\]-~]{0,12}", fullmatch=True).filter(
        lambda s: not s.startswith("codeartifactToken")
    ),
)


class TestGradleProperties(WriterContract):
    foreign = FOREIGN
    corrupt = ("\x00\x01binary junk\x00", "bad = \\u12zz\n")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return st.builds(lambda lines, nl: nl.join(lines), st.lists(LINE, max_size=8), st.sampled_from(["\n", "\r\n"]))

    def expected(self, token=TOKEN_1):
        return "codeartifactToken", token  # the file holds the token only

    def read_back(self, text):
        return "codeartifactToken", PropertiesDocument(text).get("codeartifactToken")


def test_the_users_secrets_are_found_too():
    found = set(Writer().find_secrets(Writer().render(FOREIGN, CREDS)))
    assert {TOKEN_1, "hunter2"} <= found and "me" not in found


def test_an_old_continued_token_is_replaced_whole_and_another_property_name_is_kept():
    text = "codeartifactToken = old-\\\n   token\nother=1\n"
    out = Writer().render(text, CREDS)
    assert out == f"codeartifactToken={TOKEN_1}\nother=1\n"
    both = Writer(property="ca.token").render(out, CREDS)
    assert PropertiesDocument(both).get("ca.token") == TOKEN_1 and both.startswith(out)


def test_gradle_user_home_moves_the_file(tmp_path):
    assert Writer().default_path({"HOME": str(tmp_path)}) == tmp_path / ".gradle" / "gradle.properties"
    env = {"HOME": str(tmp_path), "GRADLE_USER_HOME": str(tmp_path / "g")}
    assert Writer().default_path(env) == tmp_path / "g" / "gradle.properties"


@pytest.mark.parametrize("name", ["1a", "a b", "a=b", "", "a:b"])
def test_property_names_that_need_escaping_are_refused(name):
    with pytest.raises(ValueError, match="Gradle property name"):
        Options(property=name)


def test_unreadable_text_still_yields_its_secrets():
    found = Writer().find_secrets("signing.password = hunter2\nbad = \\u12zz\n")
    assert "hunter2" in found
    with pytest.raises(WriterError):
        Writer().render("bad = \\u12zz\n", CREDS)
