"""The ``.properties`` editor, checked against Java's own ``java.util.Properties.load`` (a one-file
Java program run by the JDK on this machine, once per batch of files)."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError
from codeartifact_refresher.writers.formats.properties import PropertiesDocument, escape

from ..e2e.tools import tool

LOADER = """\
import java.io.*;
import java.util.*;

public class Load {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(Integer.toHexString(c)).append('.');
        return b.toString();
    }
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            Properties p = new Properties();
            try (InputStream in = new FileInputStream(path)) {
                p.load(in);
            } catch (IllegalArgumentException e) {
                System.out.println("ERROR");
                continue;
            }
            StringBuilder line = new StringBuilder("OK");
            for (String k : new TreeSet<>(p.stringPropertyNames())) line.append(' ').append(hex(k)).append('=').append(hex(p.getProperty(k)));
            System.out.println(line);
        }
    }
}
"""


def _unhex(text: str) -> str:
    """The UTF-16 code units Load prints as hex, as a Python string."""
    units = b"".join(int(c, 16).to_bytes(2, "big") for c in text.split(".") if c)
    return units.decode("utf-16-be", "surrogatepass")


@pytest.fixture(scope="module")
def java_load(tmp_path_factory):
    """``java_load(texts)``: for each text, Java's ``{key: value}``, or None when load throws."""
    java = tool("java")
    where = tmp_path_factory.mktemp("java")
    (where / "Load.java").write_text(LOADER)

    def load(texts: list[str]) -> list[dict | None]:
        files = []
        for i, text in enumerate(texts):
            files.append(where / f"{i}.properties")
            files[-1].write_bytes(text.encode("latin-1"))
        done = subprocess.run(
            [java, str(where / "Load.java"), *map(str, files)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        results: list[dict | None] = []
        for line in done.stdout.splitlines():
            words = line.split(" ")
            results.append(
                None
                if words[0] == "ERROR"
                else dict((_unhex(k), _unhex(v)) for k, v in (w.split("=") for w in words[1:]))
            )
        return results

    return load


def ours(text: str) -> dict | None:
    try:
        doc = PropertiesDocument(text)
    except WriterError:
        return None
    return {e.key: doc.get(e.key) for e in doc.entries}


CASES = [
    "a=1\nb = 2\nc:3\nd 4\n\te\t=\t5\n",
    "# comment\n! bang comment\n   \n  key = value with spaces  \n",
    "multi = first \\\n    second \\\n\tthird\nafter = x\n",
    "# a comment does not continue \\\nnot.a.comment = yes\n",
    "k = a\\\\\nnext = 1\n",  # an even number of backslashes: no continuation
    "k = a\\\\\\\n  b\n",  # odd: continued
    "esc\\=aped\\:key\\ x = v\n",
    "u = \\u0041\\u00e9\\t\\n\\q\n",
    "bad = \\u00zz\n",
    "cr = 1\rlf = 2\ncrlf = 3\r\n",
    "empty\nonly.key =\n",
    "dup = 1\ndup = 2\n",
    "cont = a\\\n\nnext = b\n",  # an empty continuation line ends the logical line
    "last = a\\",  # a backslash at the end of the file
    "a = 1\n\t  \\",  # a line of only a backslash at the end of the file: Java's entry "" = ""
    "  \\\n  # a comment after all, the logical line being empty = x\n",
    "  \\\nk=v\n",
    "\\\n\nk=v\n",
    "=no key\n",
]


def test_the_editor_reads_as_java_does(java_load):
    for text, java in zip(CASES, java_load(CASES), strict=True):
        assert ours(text) == java, text


def test_what_we_write_java_reads_back_and_foreign_lines_stay(java_load):
    foreign = "# keep\nmulti = first \\\n    second\nother=1\ncodeartifactToken = old \\\n  continued-old\ntail: x"
    values = ["plain.TOKEN-_", " leading space", "tab\tnew\nline", "#!=:\\", "é€𝄞"]
    texts = []
    for value in values:
        doc = PropertiesDocument(foreign)
        doc.set("codeartifactToken", value)
        texts.append(doc.text())
        assert "multi = first \\\n    second\n" in doc.text() and "continued-old" not in doc.text()
        assert doc.text().isascii()
    for value, java in zip(values, java_load(texts), strict=True):
        assert java is not None
        assert java["codeartifactToken"] == value and java["multi"] == "first second" and java["tail"] == "x"


def test_setting_the_same_value_changes_nothing_and_duplicates_collapse():
    doc = PropertiesDocument("t=1\nx=2\nt=1\n")
    doc.set("t", "1")
    assert doc.text() == "x=2\nt=1\n"
    doc.set("t", "1")
    assert doc.text() == "x=2\nt=1\n"


def test_a_new_key_goes_at_the_end_with_the_files_line_ending():
    doc = PropertiesDocument("a=1\r\nb=2")
    doc.set("k", "v")
    assert doc.text() == "a=1\r\nb=2\r\nk=v\r\n"


def test_a_line_added_after_a_dangling_continuation_is_not_swallowed(java_load):
    texts = []
    for before in ("x = 1\\", "x = 1\\\n", "# comment \\", "x = 1\n \\"):
        doc = PropertiesDocument(before)
        doc.set("k", "v")
        assert doc.text().startswith(before)
        texts.append(doc.text())
    for java in java_load(texts):
        assert java is not None and java["k"] == "v" and java.get("x", "1") == "1"


def test_escape_follows_store():
    assert escape(" a b") == "\\ a b" and escape("a b", key=True) == "a\\ b"
    assert escape("é") == "\\u00E9" and escape("𝄞") == "\\uD834\\uDD1E"


LINE = st.one_of(
    st.from_regex(r"[#!][ -~]{0,12}", fullmatch=True),
    st.from_regex(r"[ \t]{0,2}", fullmatch=True),
    st.from_regex(r"[ \t]?[A-Za-z.\\:= ]{1,8}[ \t]?[=: ]?[ \t]?[ -~]{0,10}\\?", fullmatch=True),
)


def test_java_agrees_on_generated_files(java_load):
    """Hypothesis makes a batch of files (comments, continuations, escapes, odd separators);
    one JVM reads them all; the editor must read each the same way."""
    samples: list[str] = []

    @settings(max_examples=150, deadline=None, database=None)
    @given(st.lists(LINE, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]))
    def collect(lines, newline):
        samples.append(newline.join(lines))

    collect()
    for text, java in zip(samples, java_load(samples), strict=True):
        assert ours(text) == java, repr(text)


def test_malformed_unicode_escape_names_the_line_not_the_value():
    with pytest.raises(WriterError, match="line 2") as caught:
        PropertiesDocument("a=1\nsecret = s3cr3t\\u12\n")
    assert "s3cr3t" not in str(caught.value)


def test_nul_is_refused():
    with pytest.raises(WriterError):
        PropertiesDocument("a=\x00")
