"""Yarn 1's .npmrc: npm's entries plus the per-registry always-auth Yarn 1 needs."""

import pytest

from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.yarn_classic import Writer

from ..strategies import npmrc_files
from .test_writer_npm import FOREIGN, npm_reads

CREDS = Credentials(f"https://{HOST}/npm/store/", TOKEN_1)


def yarn1_reads(text: str, scope: str | None = None) -> tuple[str, str | None, bool]:
    """(registry, token, always-auth) as Yarn 1's ``getRegistryOrGlobalOption`` finds them: the
    key for the registry URL as written, then without ``https?:``."""
    values = npm_reads(text)
    registry = values[f"{scope}:registry" if scope else "registry"]

    def option(name: str) -> str | None:
        reg = registry if registry.endswith("/") else registry + "/"
        for key in (f"{reg}:{name}", f"{reg.split(':', 1)[1]}:{name}"):
            if key in values:
                return values[key]
        return values.get(name)

    return registry, option("_authToken"), option("always-auth") == "true"


class TestDefaultRegistry(WriterContract):
    foreign = FOREIGN.replace("registry=https://registry.npmjs.org/\n", "")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return npmrc_files()

    def read_back(self, text):
        registry, token, always_auth = yarn1_reads(text)
        assert always_auth
        return registry, token


class TestScope(WriterContract):
    foreign = FOREIGN

    def make_writer(self):
        return Writer(scope="@acme")

    def foreign_texts(self):
        return npmrc_files(forbidden_keys=("@acme:registry",))

    def read_back(self, text):
        return yarn1_reads(text, "@acme")[:2]


def test_always_auth_only_for_our_registry_and_not_for_a_scope():
    text = Writer().render(FOREIGN, CREDS)
    assert [k for k in npm_reads(text) if "always-auth" in k] == [f"//{HOST}/npm/store/:always-auth"]
    assert "always-auth" not in Writer(scope="@acme").render(FOREIGN, CREDS)
    assert "always-auth" not in Writer(always_auth=False).render(FOREIGN, CREDS)


def test_the_registry_is_written_as_the_keys_spell_its_host():
    """Yarn 1 looks keys up by the registry URL as written: both must spell the host alike."""
    text = Writer().render(None, Credentials(f"HTTPS://{HOST.upper()}:443/npm/store/", TOKEN_1))
    assert yarn1_reads(text) == (CREDS.endpoint, TOKEN_1, True)


def test_several_repositories_and_domains_in_one_file():
    other = Credentials("https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/web/", TOKEN_2)
    text = Writer(scope="@web").render(Writer().render(FOREIGN, CREDS), other)
    assert yarn1_reads(text) == (CREDS.endpoint, TOKEN_1, True)
    assert yarn1_reads(text, "@web")[:2] == (other.endpoint, TOKEN_2)
    assert npm_reads(text)["//npm.other.example/:_authToken"] == "other-secret"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_always_auth_option_is_a_boolean(value):
    with pytest.raises(ValueError, match="expected true or false"):
        options.validate(Writer.Options, "always_auth", value)
