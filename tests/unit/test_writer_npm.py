import re

import pytest

from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, WriterContract
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.npm import Writer

from ..strategies import npmrc_files

FOREIGN = """\
; team npm settings
registry=https://registry.npmjs.org/
@other:registry=https://npm.other.example/
//npm.other.example/:_authToken=other-secret
save-exact = true

[section]
registry=https://not-top-level.example/
"""
CREDS = Credentials(f"https://{HOST}/npm/store/", TOKEN_1)
_SECTION = re.compile(r"^\[([^\]]*)\]\s*$")


def npm_reads(text: str) -> dict:
    """Top-level settings as npm's ini parser reads them (the last of a key wins)."""
    values = {}
    for line in re.split(r"[\r\n]+", text):
        if not line.strip() or re.match(r"^\s*[;#]", line):
            continue
        if _SECTION.match(line):
            break
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


class NpmContract(WriterContract):
    def auth_key(self) -> str:
        creds = self.creds()
        return f"//{creds.host}{creds.path}:_authToken"


class TestDefaultRegistry(NpmContract):
    foreign = FOREIGN.replace("registry=https://registry.npmjs.org/\n", "")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return npmrc_files()

    def read_back(self, text):
        values = npm_reads(text)
        return values["registry"], values[self.auth_key()]


class TestScopedRegistry(NpmContract):
    foreign = FOREIGN

    def make_writer(self):
        return Writer(scope="@acme")

    def foreign_texts(self):
        return npmrc_files(forbidden_keys=("@acme:registry",))

    def read_back(self, text):
        values = npm_reads(text)
        return values["@acme:registry"], values[self.auth_key()]


def test_scoped_target_leaves_default_registry_and_other_tokens():
    values = npm_reads(Writer(scope="@acme").render(FOREIGN, CREDS))
    assert values["registry"] == "https://registry.npmjs.org/"
    assert values["//npm.other.example/:_authToken"] == "other-secret"


def test_default_target_replaces_registry_in_place_and_skips_sections():
    text = Writer().render(FOREIGN, CREDS)
    lines = text.splitlines()
    assert lines[1] == f"registry={CREDS.endpoint}"
    assert "registry=https://not-top-level.example/" in lines[-1]
    assert lines.index("[section]") > lines.index(f"//{HOST}/npm/store/:_authToken={TOKEN_1}")


def test_no_always_auth_is_written():
    assert "always-auth" not in Writer().render(None, CREDS)


@pytest.mark.parametrize("scope", ["acme", "@Acme", "@", "@a b", 7])
def test_scope_option_validates(scope):
    with pytest.raises(ValueError, match="expected an npm scope"):
        options.validate(Writer.Options, "scope", scope)
    with pytest.raises(ValueError, match="expected an npm scope"):
        Writer(scope=scope)  # the dataclass checks its fields too


def test_default_path_follows_npm_userconfig(home, monkeypatch, tmp_path):
    assert Writer().default_path() == home / ".npmrc"
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(tmp_path / "npmrc"))
    assert Writer().default_path() == tmp_path / "npmrc"


def test_find_secrets_includes_other_registries_tokens():
    assert set(Writer().find_secrets(Writer().render(FOREIGN, CREDS))) == {"other-secret", TOKEN_1}


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [
        (f"https://{HOST.upper()}/npm/store/", f"//{HOST}/npm/store/:_authToken"),
        (f"HTTPS://{HOST}:443/npm/store/", f"//{HOST}/npm/store/:_authToken"),
        ("http://LocalHost:80/npm/store/", "//localhost/npm/store/:_authToken"),
        ("http://LOCALHOST:8080/npm/store/", "//localhost:8080/npm/store/:_authToken"),
        ("https://Bücher.Example/npm/store/", "//xn--bcher-kva.example/npm/store/:_authToken"),
        ("http://[::1]:80/npm/store/", "//[::1]/npm/store/:_authToken"),
    ],
)
def test_auth_line_names_the_host_as_npm_looks_it_up(endpoint, key):
    """npm's nerfDart: WHATWG URL host (lower-case, IDNA, no default port); keys match as strings."""
    values = npm_reads(Writer().render(None, Credentials(endpoint, TOKEN_1)))
    assert values[key] == TOKEN_1
    assert [k for k in values if k.endswith(":_authToken")] == [key]


@pytest.mark.parametrize("old_host", [HOST.upper(), HOST.title()])
def test_an_auth_line_with_our_host_in_another_case_is_ours(old_host):
    current = f"//{old_host}/npm/store/:_authToken = old-token\nsave-exact=true\n"
    text = Writer().render(current, CREDS)
    assert text.splitlines()[0] == f"//{HOST}/npm/store/:_authToken = {TOKEN_1}"
    assert "old-token" not in text and text.count(":_authToken") == 1


@pytest.mark.parametrize("other", [f"//{HOST.upper()}/npm/other/:_authToken", "//other.example/:_authToken"])
def test_auth_lines_for_other_locations_are_left_alone(other):
    """Another path is another repository."""
    current = f"{other}=theirs\n"
    text = Writer().render(current, CREDS)
    assert text.startswith(current) and npm_reads(text)[f"//{HOST}/npm/store/:_authToken"] == TOKEN_1


@pytest.mark.parametrize("spelled", [HOST, HOST.upper()])
def test_an_explicit_443_line_for_our_repository_stays_and_gets_the_new_token(spelled):
    """npm never reads it, but older pnpm, reading the same file, did: left with the AWS CLI's
    dead token it would be a second entry for our repository, failing with 401 (replay finding)."""
    current = f"//{spelled}:443/npm/store/:_authToken=old-token\n"
    text = Writer().render(current, CREDS)
    values = npm_reads(text)
    assert values[f"//{HOST}:443/npm/store/:_authToken"] == values[f"//{HOST}/npm/store/:_authToken"] == TOKEN_1
    assert "old-token" not in text and text.count(":443") == 1
