"""pnpm writes npm's entries in .npmrc; the :443 question answered by pnpm's own lookup rules."""

import re
from urllib.parse import urlsplit

from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.pnpm import Writer

from ..strategies import npmrc_files
from .test_writer_npm import FOREIGN, npm_reads

CREDS = Credentials(f"https://{HOST}/npm/store/", TOKEN_1)


def pnpm_nerf_dart(url: str) -> str:
    """pnpm's ``nerfDart`` (network/auth-header): WHATWG host (default port dropped), the path's folder."""
    parts = urlsplit(url)
    port = parts.port
    host = (parts.hostname or "") + (f":{port}" if port and port != {"http": 80, "https": 443}[parts.scheme] else "")
    return f"//{host}{parts.path.rsplit('/', 1)[0]}/"


def pnpm_auth_for(url: str, values: dict) -> str | None:
    """pnpm's ``getAuthHeaderByURI``: the longest ``//host/path/`` with a token, then the URL without its port."""
    tokens = {k.removesuffix(":_authToken"): v for k, v in values.items() if k.endswith(":_authToken")}
    nerfed = pnpm_nerf_dart(url if url.endswith("/") else url + "/")
    parts = nerfed.split("/")
    for i in range(len(parts) - 1, 2, -1):
        key = "/".join(parts[:i]) + "/"
        if key in tokens:
            return tokens[key]
    without_port = re.sub(r"^(\w+://[^/:]+):\d+", r"\1", url)
    return pnpm_auth_for(without_port, values) if without_port != url else None


class TestPnpm(WriterContract):
    foreign = FOREIGN.replace("registry=https://registry.npmjs.org/\n", "")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return npmrc_files()

    def read_back(self, text):
        values = npm_reads(text)
        tarball = f"{values['registry']}ca-demo-pkg/-/ca-demo-pkg-1.0.0.tgz"
        return values["registry"], pnpm_auth_for(tarball, values)


def test_a_tarball_url_with_an_explicit_443_finds_the_line_without_it():
    values = npm_reads(Writer().render(None, CREDS))
    assert pnpm_auth_for(f"https://{HOST}:443/npm/store/ca-demo-pkg/-/ca-demo-pkg-1.0.0.tgz", values) == TOKEN_1
    assert not any(":443" in k for k in values)  # so no :443 line is added


def test_an_existing_443_line_gets_the_new_token_for_older_pnpm():
    current = f"//{HOST}:443/npm/store/:_authToken=old\nsave-exact=true\n"
    text = Writer().render(Writer().render(current, CREDS), Credentials(CREDS.endpoint, TOKEN_2))
    assert npm_reads(text)[f"//{HOST}:443/npm/store/:_authToken"] == TOKEN_2
    assert "old" not in text and text.count(":443") == 1


def test_no_443_line_for_a_port_or_plain_http():
    for endpoint in ("http://127.0.0.1:8080/npm/store/", f"https://{HOST}:8443/npm/store/"):
        current = "//127.0.0.1:8080:443/npm/store/:_authToken=x\n"
        assert ":443/" not in Writer().render(None, Credentials(endpoint, TOKEN_1))
        assert Writer().render(current, Credentials(endpoint, TOKEN_1)).startswith(current)


def test_several_repositories_and_scopes_in_one_file():
    other = Credentials("https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/web/", TOKEN_2)
    text = Writer(scope="@acme").render(Writer().render(FOREIGN, CREDS), other)
    values = npm_reads(text)
    assert values["registry"] == CREDS.endpoint and values["@acme:registry"] == other.endpoint
    assert pnpm_auth_for(CREDS.endpoint + "x/-/x-1.tgz", values) == TOKEN_1
    assert pnpm_auth_for(other.endpoint + "@acme/x/-/x-1.tgz", values) == TOKEN_2
    assert values["//npm.other.example/:_authToken"] == "other-secret"
