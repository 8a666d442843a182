"""The gem writer: ``:sources:`` in the gemrc and the push key in ``~/.gem/credentials``."""

import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest
import yaml
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterError, WriterRefusedError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import MAIN, Credentials
from codeartifact_refresher.writers.gem import CREDENTIALS, Writer, credentials_path, gemrc_path

from ..e2e.tools import tool

FOREIGN_GEMRC = """\
# my RubyGems settings
---
:backtrace: false
:sources:
  # the company mirror first
  - https://gems.mirror.example/
  - https://rubygems.org/
gem: --no-document
:update_sources: true
"""
FOREIGN_CREDENTIALS = """\
---
# from gem signin
:rubygems_api_key: rubygems_0123456789abcdef
:other_api_key: Bearer someone-elses-token
"""
CREDS = Credentials(f"https://{HOST}/ruby/store/", TOKEN_1)
OTHER = Credentials(f"https://{HOST}/ruby/other/", TOKEN_1)


def sources(text: str) -> list[str]:
    """The ``:sources`` list as RubyGems reads it (Psych makes ``:sources`` a symbol; PyYAML
    leaves it a string with the colon)."""
    return (yaml.safe_load(text) or {}).get(":sources") or []


def split_source(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", "")), unquote(
        parts.password or ""
    )


OTHER_LINE = st.sampled_from(
    [
        "# a comment",
        "",
        ":backtrace: true",
        ":verbose: false",
        "gem: --no-document --user-install",
        ":bulk_threshold: 1000",
        ":rubygems_api_key: rubygems_abc",
        ":other_api_key: Bearer xyz",
        ':ssl_verify_mode: "0"',
    ]
)
SOURCES_BLOCK = st.sampled_from(
    [
        ":sources:\n- https://rubygems.org/\n- https://gems.other.example/",
        ":sources:\n  - https://gems.other.example/  # mirror\n",
        ":sources:\n# none yet\n- http://127.0.0.1:1/ruby/x/",
    ]
)


@st.composite
def gemrc_files(draw, forbidden=()):
    lines = draw(
        st.lists(OTHER_LINE.filter(lambda line: line.split(":")[:2] not in forbidden), max_size=6, unique=True)
    )
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(SOURCES_BLOCK))
    head = "---\n" if draw(st.booleans()) else ""
    text = head + "\n".join(lines)
    return text + ("\n" if draw(st.booleans()) else "")


class TestGemrcPrimary(WriterContract):
    foreign = FOREIGN_GEMRC
    corrupt = ("\x00\x01binary junk\x00", ":sources: [unclosed\n", "- a\n- list\n", "a: 1\n---\nb: 2\n")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return gemrc_files()

    def read_back(self, text):
        ours = [s for s in sources(text) if split_source(s)[0] == self.creds().endpoint]
        assert len(ours) == 1, ours
        return split_source(ours[0])


class TestGemrcExtra(TestGemrcPrimary):
    def make_writer(self):
        return Writer(source="extra")


class TestCredentials(WriterContract):
    role = CREDENTIALS
    foreign = FOREIGN_CREDENTIALS
    corrupt = ("\x00junk", ":a: [\n", "just a string\n")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return gemrc_files(forbidden=[["", "codeartifact_api_key"]])

    def read_back(self, text):
        scheme, _, token = (yaml.safe_load(text) or {})[":codeartifact_api_key"].partition(" ")
        return scheme, token

    def expected(self, token=TOKEN_1):
        return "Bearer", token


def test_primary_goes_first_and_extra_last_keeping_the_users_sources():
    first = sources(Writer().render_file(MAIN, FOREIGN_GEMRC, CREDS))
    assert first[1:] == ["https://gems.mirror.example/", "https://rubygems.org/"]
    last = sources(Writer(source="extra").render_file(MAIN, FOREIGN_GEMRC, CREDS))
    assert last[:2] == ["https://gems.mirror.example/", "https://rubygems.org/"]
    assert split_source(first[0]) == split_source(last[-1]) == (CREDS.endpoint, TOKEN_1)


def test_a_new_list_is_ours_alone_as_primary_and_keeps_rubygems_org_as_extra():
    assert [split_source(s)[0] for s in sources(Writer().render_file(MAIN, "", CREDS))] == [CREDS.endpoint]
    extra = sources(Writer(source="extra").render_file(MAIN, "# mine\n:verbose: true\n", CREDS))
    assert extra[0] == "https://rubygems.org/" and split_source(extra[1]) == (CREDS.endpoint, TOKEN_1)


def test_an_old_source_at_our_location_is_replaced_where_it_stands():
    old = f":sources:\n- https://rubygems.org/\n- https://aws:old@{HOST.upper()}/ruby/store\n- https://x.example/\n"
    text = Writer().render_file(MAIN, old, CREDS)
    assert sources(text)[0] == "https://rubygems.org/" and sources(text)[2] == "https://x.example/"
    assert split_source(sources(text)[1]) == (CREDS.endpoint, TOKEN_1) and "old" not in text


def test_two_repositories_and_two_domains_share_one_gemrc():
    text = Writer().render_file(MAIN, FOREIGN_GEMRC, CREDS)
    text = Writer(source="extra").render_file(MAIN, text, OTHER)
    other_domain = Credentials("https://beta-444455556666.d.codeartifact.us-east-1.amazonaws.com/ruby/store/", TOKEN_2)
    text = Writer(source="extra").render_file(MAIN, text, other_domain)
    found = [split_source(s) for s in sources(text)]
    assert found[0] == (CREDS.endpoint, TOKEN_1) and found[-2:] == [
        (OTHER.endpoint, TOKEN_1),
        (other_domain.endpoint, TOKEN_2),
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (":sources: https://rubygems.org/\n", "line 1"),
        (":sources:\n", "not a list"),
        (":sources:\n  mirror: https://x.example/\n", "not a list"),
        ("{backtrace: true}\n", "flow mapping"),
        (":sources: [a]\n:sources: [b]\n", "twice"),
        (":codeartifact_api_key: [a]\n", "not a string"),
    ],
)
def test_what_cannot_be_edited_is_refused_naming_the_line(text, error):
    with pytest.raises(WriterError, match=error) as caught:  # noqa: PT012 - whichever file holds it refuses it
        for role in (MAIN, CREDENTIALS):
            Writer().render_file(role, text, CREDS)
    assert TOKEN_1 not in str(caught.value)
    assert caught.type is WriterRefusedError or "twice" in error


def test_credentials_key_is_an_option_and_push_false_writes_no_credentials():
    text = Writer(key="corp_key").render_file(CREDENTIALS, FOREIGN_CREDENTIALS, CREDS)
    assert yaml.safe_load(text)[":corp_key"] == f"Bearer {TOKEN_1}"
    assert Writer(push=False).roles() == (MAIN,)
    with pytest.raises(ValueError, match="API key name"):
        options.validate(Writer.Options, "key", "Not A Key")


def test_secrets_cover_every_key_and_every_source_password():
    text = Writer().render_file(CREDENTIALS, FOREIGN_CREDENTIALS, CREDS)
    found = set(Writer().find_file_secrets(CREDENTIALS, text))
    assert {TOKEN_1, "rubygems_0123456789abcdef", "someone-elses-token"} <= found
    gemrc = Writer().render_file(MAIN, ":sources:\n- https://me:pw@gems.example/\n", CREDS)
    assert {TOKEN_1, "pw"} <= set(Writer().find_file_secrets(MAIN, gemrc))


def test_default_paths_follow_rubygems(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}
    assert gemrc_path(env) == tmp_path / ".gemrc" and credentials_path(env) == tmp_path / ".gem" / "credentials"
    for made in (tmp_path / "cfg" / "gem" / "gemrc", tmp_path / "data" / "gem" / "credentials"):
        made.parent.mkdir(parents=True)
        made.write_text("")
    assert gemrc_path(env) == tmp_path / "cfg" / "gem" / "gemrc"
    assert credentials_path(env) == tmp_path / "data" / "gem" / "credentials"
    (tmp_path / ".gemrc").write_text("")
    assert gemrc_path(env) == tmp_path / ".gemrc"
    assert gemrc_path({**env, "GEMRC": "/etc/a:/srv/b"}) == Path("/srv/b")


RUBY_READS = (
    "require 'rubygems'; c = Gem::ConfigFile.new([]); "
    "puts c.sources.inspect; puts c.api_keys[:codeartifact_api_key].inspect"
)
RUBY_READS_SOURCES = "require 'rubygems'; puts Gem::ConfigFile.new([]).sources.inspect"
RUBYGEMS, X = "https://rubygems.org/", "https://x.example/"


@pytest.mark.parametrize(
    ("text", "primary", "extra"),
    [
        (":sources: [https://rubygems.org/]  # mine\n", ["{ours}", RUBYGEMS], [RUBYGEMS, "{ours}"]),
        (
            ":sources: [\n  https://rubygems.org/,\n  'https://x.example/'\n]\n",
            ["{ours}", RUBYGEMS, X],
            [RUBYGEMS, X, "{ours}"],
        ),
        (":sources: []\n", ["{ours}"], ["{ours}"]),
    ],
)
def test_a_flow_list_takes_our_source_too_and_rubygems_reads_it(text, primary, extra, tmp_path):
    """A gemrc written ``:sources: [a, b]`` is as valid to RubyGems as a block list (found by
    replaying such a file: it was refused); the real Psych reads the edited file."""
    ruby = tool("ruby")
    ours = f"https://aws:{TOKEN_1}@{HOST}/ruby/store/"
    for writer, want in ((Writer(), primary), (Writer(source="extra"), extra)):
        written = writer.render_file(MAIN, text, CREDS)
        assert "# mine" in written or "# mine" not in text
        (tmp_path / ".gemrc").write_text(written)
        env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        done = subprocess.run([ruby, "-e", RUBY_READS_SOURCES], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == repr([w.format(ours=ours) for w in want]).replace("'", '"')


def test_rubygems_itself_reads_what_we_wrote(tmp_path):
    """Psych and Gem::ConfigFile (the real ones) on both files: the symbol keys, the list."""
    ruby = tool("ruby")
    gemrc, credentials = tmp_path / ".gemrc", tmp_path / ".gem" / "credentials"
    credentials.parent.mkdir()
    gemrc.write_text(Writer(source="extra").render_file(MAIN, FOREIGN_GEMRC, CREDS))
    credentials.write_text(Writer().render_file(CREDENTIALS, FOREIGN_CREDENTIALS, CREDS))
    credentials.chmod(0o600)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([ruby, "-e", RUBY_READS], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    listed, key = done.stdout.splitlines()
    url = f"https://aws:{TOKEN_1}@{HOST}/ruby/store/"
    assert listed == repr(["https://gems.mirror.example/", "https://rubygems.org/", url]).replace("'", '"')
    assert key == f'"Bearer {TOKEN_1}"'


def load(tmp_path, targets: str):
    from codeartifact_refresher import config
    from codeartifact_refresher.writers.registry import Registry

    path = tmp_path / "c.yaml"
    path.write_text(f"domains:\n  - domain: acme\n    targets:\n{targets}")
    return config.load(path, Registry())


def test_one_gemrc_takes_several_extra_sources_but_one_first_and_one_owner_per_key(tmp_path, home):
    from codeartifact_refresher.errors import ConfigError

    cfg = load(
        tmp_path,
        "      - {writer: gem, repository: ra}\n      - {writer: gem, repository: rb, source: extra, key: other}\n",
    )
    assert len(cfg.domains[0].targets) == 2
    with pytest.raises(ConfigError, match=r"would both write :codeartifact_api_key in .*credentials"):
        load(tmp_path, "      - {writer: gem, repository: ra}\n      - {writer: gem, repository: rb, source: extra}\n")
    with pytest.raises(ConfigError, match="would both write the first of :sources"):
        load(tmp_path, "      - {writer: gem, repository: ra, push: false}\n      - {writer: gem, repository: rb}\n")
