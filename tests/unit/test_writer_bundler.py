"""The bundler writer: ``BUNDLE_<HOST>`` (or the repository URL's setting) in ``~/.bundle/config``."""

import json
import subprocess
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.bundler import Writer, host_key, url_key
from codeartifact_refresher.writers.formats.bundle_config import BundleConfig, key_for

from ..e2e.tools import tool

FOREIGN = """\
---
# written by bundle config
BUNDLE_PATH: "vendor/bundle"
BUNDLE_JOBS: "4"
BUNDLE_GEMS__OTHER__EXAMPLE: "me:secret"
BUNDLE_BUILD__NOKOGIRI:
  BUNDLE_NESTED: "not top level"
BUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/: "https://mirror.example/"
"""
CREDS = Credentials(f"https://{HOST}/ruby/store/", TOKEN_1)
HOST_KEY = "BUNDLE_ACME___111122223333__D__CODEARTIFACT__US___EAST___1__AMAZONAWS__COM"


def credentials_for(text: str, endpoint: str) -> str | None:
    """``Settings#credentials_for``: the URL's setting, else the host's (see bundle_config)."""
    settings = BundleConfig(text).top_level()
    host = urlsplit(endpoint).hostname or ""
    return settings.get(key_for(endpoint)) or settings.get(key_for(host))


OTHER_LINE = st.sampled_from(
    [
        "---",
        "",
        "# a comment",
        'BUNDLE_PATH: "vendor/bundle"',
        'BUNDLE_JOBS: "8"',
        "BUNDLE_FROZEN: 'true'",
        'BUNDLE_GEMS__OTHER__EXAMPLE: "u:p"',
        'BUNDLE_HTTPS://GEMS__OTHER__EXAMPLE/RUBY/X/: "aws:old"',
        "BUNDLE_BUILD__PG:\n  BUNDLE_X: nested",
        "BUNDLE_WITHOUT:\n- development\n- test",
    ]
)


@st.composite
def bundle_configs(draw):
    lines = draw(st.lists(OTHER_LINE, max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines)
    return text + (newline if lines and draw(st.booleans()) else "")


class TestHostKey(WriterContract):
    foreign = FOREIGN
    corrupt = ("\x00\x01binary junk\x00",)

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return bundle_configs()

    def read_back(self, text):
        user, _, password = (credentials_for(text, self.creds().endpoint) or "").partition(":")
        assert user == "aws"
        return self.creds().endpoint, unquote(password)


class TestUrlKey(TestHostKey):
    def make_writer(self):
        return Writer(key="url")

    def read_back(self, text):
        assert key_for(self.creds().endpoint) in BundleConfig(text).top_level()
        return super().read_back(text)


def test_keys_are_spelled_as_bundler_looks_them_up():
    assert host_key(CREDS) == HOST_KEY
    assert url_key(CREDS) == f"BUNDLE_HTTPS://{HOST.upper().replace('.', '__').replace('-', '___')}/RUBY/STORE/"
    assert host_key(Credentials("http://127.0.0.1:8080/acme-111122223333/ruby/store/", "t")) == "BUNDLE_127__0__0__1"
    text = Writer().render(None, CREDS)
    assert text == f'---\n{HOST_KEY}: "aws:{TOKEN_1}"\n'


def test_host_key_also_refreshes_a_url_setting_for_our_repository_which_bundler_prefers():
    stale = f'---\n{url_key(CREDS)}: "aws:old"\nBUNDLE_HTTPS://ELSEWHERE__EXAMPLE/: "aws:keep"\n'
    text = Writer().render(stale, CREDS)
    settings = BundleConfig(text).top_level()
    assert settings[url_key(CREDS)] == settings[HOST_KEY] == f"aws:{TOKEN_1}"
    assert settings["BUNDLE_HTTPS://ELSEWHERE__EXAMPLE/"] == "aws:keep"


def test_repositories_and_domains_share_the_file():
    other_domain = Credentials("https://beta-444455556666.d.codeartifact.us-east-1.amazonaws.com/ruby/x/", TOKEN_2)
    second_repo = Credentials(f"https://{HOST}/ruby/other/", TOKEN_1)
    text = Writer().render(FOREIGN, CREDS)
    text = Writer(key="url").render(text, second_repo)
    text = Writer().render(text, other_domain)
    assert credentials_for(text, CREDS.endpoint) == f"aws:{TOKEN_1}"
    assert credentials_for(text, second_repo.endpoint) == f"aws:{TOKEN_1}"
    assert credentials_for(text, other_domain.endpoint) == f"aws:{TOKEN_2}"
    assert BundleConfig(text).top_level()["BUNDLE_GEMS__OTHER__EXAMPLE"] == "me:secret"


def test_a_key_written_with_dashes_or_dots_is_ours_as_bundler_normalises_it():
    dotted = f'BUNDLE_{HOST.upper()}: "aws:old"\n'
    assert Writer().render(dotted, CREDS) == f'BUNDLE_{HOST.upper()}: "aws:{TOKEN_1}"\n'


def test_only_top_level_keys_count():
    nested = f'BUNDLE_SOMETHING:\n  {HOST_KEY}: "aws:nested"\n'
    text = Writer().render(nested, CREDS)
    assert text.startswith(nested) and credentials_for(text, CREDS.endpoint) == f"aws:{TOKEN_1}"


def test_secrets_cover_every_credential_setting():
    text = Writer().render(FOREIGN, CREDS)
    assert {TOKEN_1, "secret", "me:secret"} <= set(Writer().find_secrets(text))


def test_default_path_follows_bundler(tmp_path):
    home = {"HOME": str(tmp_path)}
    assert Writer().default_path(home) == tmp_path / ".bundle" / "config"
    assert Writer().default_path({**home, "BUNDLE_USER_HOME": "/u"}).as_posix() == "/u/config"
    assert Writer().default_path({**home, "BUNDLE_USER_CONFIG": "/c", "BUNDLE_USER_HOME": "/u"}).as_posix() == "/c"
    assert Writer().default_path({**home, "BUNDLE_CONFIG": "/b", "BUNDLE_USER_CONFIG": "/c"}).as_posix() == "/b"


RUBY_READS = (
    'require "bundler"; require "bundler/yaml_serializer"; require "json"; '
    "puts JSON.dump(ARGV.map { |f| Bundler::YAMLSerializer.load(File.read(f)) })"
)


@settings(max_examples=1, deadline=None)
@given(st.lists(bundle_configs(), min_size=40, max_size=40))
def test_our_reading_of_the_format_is_bundlers(tmp_path_factory, texts):
    """Bundler's own YAMLSerializer (the installed one) reads what our port reads: the foreign
    files, and each with our setting added."""
    ruby = tool("ruby")
    folder = tmp_path_factory.mktemp("bundle")
    texts = [*texts, FOREIGN, "# c\r", f'{HOST_KEY}: "aws:x"\r\nBUNDLE_A: x'] + [
        Writer().render(t, CREDS) for t in texts
    ]
    files = []
    for n, text in enumerate(texts):
        (folder / str(n)).write_bytes(text.encode())
        files.append(str(folder / str(n)))
    done = subprocess.run([ruby, "-e", RUBY_READS, *files], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for text, read in zip(texts, json.loads(done.stdout), strict=True):
        theirs = {k.replace("-", "___"): v for k, v in read.items()}  # as Settings#load_config stores them
        ours = BundleConfig(text).top_level()
        assert all(ours.get(k) == v for k, v in theirs.items() if isinstance(v, str)), text
        assert all(theirs.get(k) == v for k, v in ours.items() if v), text


@pytest.mark.parametrize("key", ["host", "url"])
def test_bad_key_option_is_refused(key):
    from codeartifact_refresher.writers import options

    assert options.validate(Writer.Options, "key", key) == key
    with pytest.raises(ValueError, match="expected one of host, url"):
        options.validate(Writer.Options, "key", "both")


def test_targets_of_one_domain_entry_share_the_host_setting(tmp_path, home):
    from codeartifact_refresher import config
    from codeartifact_refresher.writers.registry import Registry

    path = tmp_path / "c.yaml"
    path.write_text(
        "domains:\n  - domain: acme\n    targets:\n"
        "      - {writer: bundler, repository: ra}\n      - {writer: bundler, repository: rb}\n"
    )
    assert len(config.load(path, Registry()).domains[0].targets) == 2
