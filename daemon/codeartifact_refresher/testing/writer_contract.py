"""The contract every writer honours, as a test base class (needs pytest and hypothesis).

A writer's tests subclass :class:`WriterContract` and fill in the blanks: how to make the writer,
a file in the tool's format with foreign content, texts the tool would refuse, a hypothesis
strategy for foreign files, and ``read_back``: what the tool itself would take from a file. Third-
party writers can subclass it too.

A writer with several files is tested once per file: set ``role`` (and ``expected`` when the file
does not hold the endpoint, as a netrc holds only the host; ``holds_token = False`` when it holds
no token, as a config whose token is in another file). A whole-file writer (a bare token
file) subclasses :class:`WholeFileWriterContract`, which asks for no foreign content to be kept.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ..errors import WriterError
from ..writers.base import MAIN, Credentials, NoDefaultPath, Writer
from ..writers.formats.lines import split_lines

HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
# fake tokens, in a real one's shape
TOKEN_1 = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.first-token_AAAA"  # noqa: S105
TOKEN_2 = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMzYwMH0.second-token_BBBB"  # noqa: S105

#: Every shape of repository endpoint the API returns (``{fmt}`` is the writer's format): the
#: usual host, the dualstack host (no ``.d.``), a VPC endpoint (the domain moves into the path;
#: two popular tools broke on these), and the usual one as a client must never write it (upper
#: case, the default port), which must read back as the usual one.
ENDPOINT_SHAPES = {
    "ipv4": f"https://{HOST}/{{fmt}}/store/",
    "dualstack": "https://acme-111122223333.codeartifact.us-east-1.on.aws/{fmt}/store/",
    "vpce": "https://vpce-0a1b2c3d4e5f67890-abcdefgh.d.codeartifact.us-east-1.vpce.amazonaws.com/{fmt}/d/acme-111122223333/store/",
}


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in split_lines(text)]


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(line == other for other in it) for line in small)


class WriterContract:
    #: text of an existing file holding comments and settings this target does not own
    foreign: str = ""
    #: texts the tool cannot parse; render must refuse each one
    corrupt: tuple[str, ...] = ("\x00\x01binary junk\x00",)
    #: the role of the file under test (a multi-file writer's tests subclass once per role)
    role: str = MAIN
    #: False for a file that names the repository while the token goes to another of the
    #: writer's files (poetry's and cargo's config.toml, uv.toml): ``expected`` is then
    #: (endpoint, ""), and the contract checks that no token ever gets into the file
    holds_token: bool = True

    def make_writer(self) -> Writer[Any]:
        raise NotImplementedError

    def foreign_texts(self) -> st.SearchStrategy[str]:
        """A hypothesis strategy of files with foreign content only."""
        raise NotImplementedError

    def read_back(self, text: str) -> tuple[str, str]:
        """(endpoint URL, token) as the tool itself would read them from ``text``."""
        raise NotImplementedError

    #: the endpoint :meth:`creds` hands the writer; the shapes test sets each of ENDPOINT_SHAPES
    endpoint: str = ENDPOINT_SHAPES["ipv4"]

    def creds(self, token: str = TOKEN_1) -> Credentials:
        """The credentials under test. ``read_back`` finds the entries for ``self.creds().host``
        and ``.endpoint`` (not the constant HOST): the shapes test changes them."""
        fmt = self.make_writer().repository_format()
        return Credentials(self.endpoint.format(fmt=fmt), token, "store")

    def expected(self, token: str = TOKEN_1) -> tuple[str, str]:
        """What :meth:`read_back` must return: (endpoint URL, token) unless the file holds less."""
        return (self.creds().endpoint, token if self.holds_token else "")

    def render(self, writer: Writer[Any], current: str | None, creds: Credentials) -> str:
        """What the program writes: the writer's render, read back by its own reader."""
        return writer.render_checked(self.role, current, creds)

    def secrets(self, writer: Writer[Any], text: str) -> list[str]:
        return list(writer.find_file_secrets(self.role, text))

    # -- the contract ------------------------------------------------------------------------

    def test_new_file_is_read_back_by_the_tool(self) -> None:
        text = self.render(self.make_writer(), None, self.creds())
        assert self.read_back(text) == self.expected(TOKEN_1)

    def test_rendering_again_changes_nothing(self) -> None:
        writer = self.make_writer()
        once = self.render(writer, self.foreign, self.creds())
        assert self.render(writer, once, self.creds()) == once

    def test_new_token_replaces_old_without_duplicates(self) -> None:
        writer = self.make_writer()
        first = self.render(writer, self.foreign, self.creds(TOKEN_1))
        second = self.render(writer, first, self.creds(TOKEN_2))
        assert second == self.render(writer, self.foreign, self.creds(TOKEN_2))
        assert TOKEN_1 not in second and second.count(TOKEN_2) == (1 if self.holds_token else 0)
        assert self.read_back(second) == self.expected(TOKEN_2)
        if not self.holds_token:  # a new token changes nothing here
            assert second == first

    def test_foreign_content_survives(self) -> None:
        text = self.render(self.make_writer(), self.foreign, self.creds())
        assert is_subsequence(self.foreign.splitlines(keepends=True), text.splitlines(keepends=True))
        assert self.read_back(text)[1] == self.expected(TOKEN_1)[1]
        assert self.holds_token or TOKEN_1 not in text

    def test_corrupt_input_is_refused(self) -> None:
        writer = self.make_writer()
        for text in self.corrupt:
            try:
                self.render(writer, text, self.creds())
            except WriterError as e:  # one loop over many inputs: the else names the one accepted
                assert TOKEN_1 not in str(e)  # noqa: PT017
            else:
                raise AssertionError(f"render accepted corrupt input {text!r}")

    def test_every_endpoint_shape_is_written_as_the_tool_looks_it_up(self) -> None:
        """Dualstack and VPC endpoint hosts work like the usual one; for an endpoint spelled in upper
        case with the default port, the token is where the tool looks for the usual host."""
        usual = self.endpoint
        try:
            for name, shape in ENDPOINT_SHAPES.items():
                self.endpoint = shape
                for current in (None, self.foreign):
                    text = self.render(self.make_writer(), current, self.creds())
                    assert self.read_back(text) == self.expected(TOKEN_1), name
            self.endpoint = usual.replace("https://", "HTTPS://").replace(HOST, f"{HOST.upper()}:443")
            text = self.render(self.make_writer(), None, self.creds())
            self.endpoint = usual
            assert self.read_back(text)[1] == self.expected(TOKEN_1)[1], "not where the tool looks for this host"
        finally:
            self.endpoint = usual

    def test_find_secrets_covers_the_token(self) -> None:
        """The token, where the file holds it (``--dry-run`` diffs are redacted with these)."""
        writer = self.make_writer()
        text = self.render(writer, self.foreign, self.creds())
        assert (TOKEN_1 in self.secrets(writer, text)) if self.holds_token else (TOKEN_1 not in text)

    def test_default_path_is_absolute(self) -> None:
        """An absolute default path for each role the target writes, in the order of ``files``; or
        :class:`NoDefaultPath` saying what the file is for (the config check shows it)."""
        writer = self.make_writer()
        try:
            paths = writer.default_paths()
        except NoDefaultPath as e:
            assert str(e), "NoDefaultPath must say what the file is for"  # noqa: PT017 - either outcome is allowed
            return
        assert [r for r in paths if r in writer.roles()] == list(writer.roles())
        assert all(p.is_absolute() for p in paths.values())

    def test_property_foreign_files_survive_and_read_back(self) -> None:
        @settings(max_examples=60, deadline=None)
        @given(self.foreign_texts())
        def check(foreign: str) -> None:
            writer = self.make_writer()
            first = self.render(writer, foreign, self.creds(TOKEN_1))
            second = self.render(writer, first, self.creds(TOKEN_2))
            assert is_subsequence(foreign.splitlines(), second.splitlines())
            assert self.render(writer, second, self.creds(TOKEN_2)) == second
            assert self.read_back(second) == self.expected(TOKEN_2)

        check()

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self) -> None:
        """pip and twine (universal newlines) and npm (``/[\r\n]+/``) end a line at a lone "\r"."""
        writer = self.make_writer()
        for text in ("# old Mac line ending\r", self.foreign.replace("\n", "\r")):
            out = self.render(writer, text, self.creds())
            assert self.render(writer, out, self.creds()) == out
            assert self.read_back(out) == self.expected(TOKEN_1)
        assert self.render(writer, "# old Mac line ending\r", self.creds()).startswith("# old Mac line ending\r")

    def test_property_any_text_is_refused_or_rewritten_keeping_comments(self) -> None:
        """Whatever the file holds (NULs, CRs, stray brackets): a WriterError, or a file the tool
        reads back, that renders to itself again and keeps every comment line."""

        @settings(max_examples=150, deadline=None)
        @given(
            st.text(st.characters(blacklist_categories=["Cs"]), max_size=300)
            | st.lists(
                st.sampled_from([*self.foreign.splitlines(), "[", "]", "=", "#", "\r", "\x00", "\ufeff"]), max_size=12
            ).map("\n".join)
        )
        def check(text: str) -> None:
            out = self.refused_or_rewritten(text)
            if out is not None:  # lines split where the tools split them: "\r\n", a lone "\r", "\n"
                comments = [line for line in _lines(text) if line.lstrip().startswith(("#", ";"))]
                assert is_subsequence(comments, _lines(out))

        check()

    def refused_or_rewritten(self, text: str) -> str | None:
        """``text`` rendered: None when refused (with the token nowhere in the error), else the
        output, checked to render to itself and to read back."""
        writer = self.make_writer()
        try:
            out = self.render(writer, text, self.creds(TOKEN_1))
        except WriterError as e:
            assert TOKEN_1 not in str(e)  # noqa: PT017 - refused or rewritten: either is allowed
            return None
        assert self.render(writer, out, self.creds(TOKEN_1)) == out
        assert self.read_back(out) == self.expected(TOKEN_1)
        return out


class WholeFileWriterContract(WriterContract):
    """The contract of a writer that owns every byte of its file (``whole_file = True``): round
    trip, idempotence, the old token replaced, corrupt input refused (when the writer parses the
    file at all; else leave ``corrupt`` empty), ``find_secrets`` covering the token. ``foreign`` is
    an old file it replaces."""

    corrupt: tuple[str, ...] = ()

    def test_the_writer_says_it_owns_the_whole_file(self) -> None:
        assert self.make_writer().whole_file

    def test_foreign_content_survives(self) -> None:
        assert self.read_back(self.render(self.make_writer(), self.foreign, self.creds()))[1] == TOKEN_1

    def test_property_foreign_files_survive_and_read_back(self) -> None:
        @settings(max_examples=30, deadline=None)
        @given(self.foreign_texts())
        def check(foreign: str) -> None:
            writer = self.make_writer()
            second = self.render(writer, self.render(writer, foreign, self.creds(TOKEN_1)), self.creds(TOKEN_2))
            assert self.render(writer, second, self.creds(TOKEN_2)) == second
            assert self.read_back(second) == self.expected(TOKEN_2)

        check()

    def test_a_lone_carriage_return_ends_a_line_as_the_tools_read_it(self) -> None:
        writer = self.make_writer()
        out = self.render(writer, "old\r", self.creds())
        assert self.render(writer, out, self.creds()) == out and self.read_back(out) == self.expected(TOKEN_1)

    def test_property_any_text_is_refused_or_rewritten_keeping_comments(self) -> None:
        @settings(max_examples=60, deadline=None)
        @given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=200))
        def check(text: str) -> None:
            self.refused_or_rewritten(text)

        check()
