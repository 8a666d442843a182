"""Taking over what ``aws codeartifact login`` left, and leaving nothing behind (issue 15): after
our write there is exactly one entry per repository, so pip never tries a dead token (``401 Error,
Credentials not correct``) and npm 11 never warns about ``always-auth``; a target that leaves the
config takes its entries with it (``Writer.retire``). The files below are what awscli 1.46 writes
(``pip config set``, ``npm config set``, its own ``.pypirc`` rewrite), checked with its real run in
``tests/e2e/test_login.py``."""

import configparser
import dataclasses
import io

import pytest

from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_2
from codeartifact_refresher.writers import npm, pip, pnpm, twine, yarn_classic
from codeartifact_refresher.writers.base import Credentials

ENDPOINT = f"https://{HOST}/pypi/pypi-store/"
NPM_ENDPOINT = f"https://{HOST}/npm/npm-store/"
CREDS = Credentials(ENDPOINT, TOKEN_2, "pypi-store")
NPM_CREDS = Credentials(NPM_ENDPOINT, TOKEN_2, "npm-store")
OLD = "AWSCLIOLDTOKEN"

AWS_CLI_PIP = f"[global]\nindex-url = https://aws:{OLD}@{HOST.upper()}/pypi/pypi-store/simple/\n"
AWS_CLI_NPMRC = (
    f"//{HOST}/npm/npm-store/:_authToken={OLD}\n"
    f"registry={NPM_ENDPOINT}\n"
    f"//{HOST}/npm/npm-store/:always-auth=true\n"
    "always-auth=true\n"
)
AWS_CLI_PYPIRC = (
    "[distutils]\nindex-servers = \n\tpypi\n\tcodeartifact\n\n"
    f"[codeartifact]\nrepository = {ENDPOINT}\nusername = aws\npassword = {OLD}\n\n"
)


def pip_read(text: str) -> dict:
    parser = configparser.RawConfigParser()
    parser.read_file(io.StringIO(text))
    return {f"{s}.{k.replace('_', '-')}": v for s in parser.sections() for k, v in parser.items(s)}


def ours_in(value: str) -> int:
    return sum(HOST in word.lower() for word in value.split())


@pytest.mark.parametrize("spelling", ["index-url", "index_url"])
def test_pip_extra_replaces_the_aws_cli_index_url_of_our_repository(spelling):
    current = AWS_CLI_PIP.replace("index-url", spelling) + "timeout = 30\n"
    text = pip.Writer(index="extra").render(current, CREDS)
    values = pip_read(text)
    assert "global.index-url" not in values  # pip's default index is PyPI again
    assert ours_in(values["global.extra-index-url"]) == 1 and TOKEN_2 in values["global.extra-index-url"]
    assert OLD not in text and values["global.timeout"] == "30"


def test_pip_primary_takes_our_repository_out_of_the_extra_lists():
    current = (
        "[global]\nextra-index-url =\n    https://mirror.example/simple\n"
        f"    https://aws:{OLD}@{HOST}/pypi/pypi-store/simple/\n"
        f"[install]\nextra-index-url = https://aws:{OLD}@{HOST}:443/pypi/pypi-store/simple\n"
    )
    text = pip.Writer(index="primary").render(current, CREDS)
    values = pip_read(text)
    assert values["global.extra-index-url"].split() == ["https://mirror.example/simple"]
    assert "install.extra-index-url" not in values  # left with nothing: the entry goes
    assert TOKEN_2 in values["global.index-url"] and OLD not in text


def test_pip_switching_index_back_and_forth_leaves_one_entry():
    text = pip.Writer(index="extra").render(AWS_CLI_PIP, CREDS)
    text = pip.Writer(index="primary").render(text, CREDS)
    assert ours_in(" ".join(pip_read(text).values())) == 1
    text = pip.Writer(index="extra").render(text, CREDS)
    assert ours_in(" ".join(pip_read(text).values())) == 1


def test_pip_keeps_other_indexes_on_our_host_and_other_repositories():
    other = f"https://aws:{OLD}@{HOST}/pypi/other-store/simple/"
    current = f"[global]\nindex-url = {other}\n"
    values = pip_read(pip.Writer(index="extra").render(current, CREDS))
    assert values["global.index-url"] == other


def test_pip_retire_removes_our_repository_and_nothing_else():
    current = pip.Writer(index="extra").render(
        "# mine\n[global]\ntimeout = 5\nextra-index-url = https://a/simple\n", CREDS
    )
    text = pip.Writer(index="extra").retire(current, dataclasses.replace(CREDS, token=""))
    assert text == "# mine\n[global]\ntimeout = 5\nextra-index-url = https://a/simple\n"
    primary = pip.Writer().render("[global]\ntimeout = 5\n", CREDS)
    assert pip.Writer().retire(primary, dataclasses.replace(CREDS, token="")) == "[global]\ntimeout = 5\n"


@pytest.mark.parametrize("cls", [npm.Writer, pnpm.Writer])
def test_npm_takes_over_the_aws_cli_lines_and_drops_always_auth(cls):
    text = cls().render("save-exact=true\n" + AWS_CLI_NPMRC, NPM_CREDS)
    lines = text.splitlines()
    assert "always-auth" not in text and OLD not in text and "save-exact=true" in lines
    assert sum(line.endswith(f":_authToken={TOKEN_2}") for line in lines) == 1
    assert lines.count(f"registry={NPM_ENDPOINT}") == 1


def test_yarn_classic_keeps_the_per_registry_always_auth_it_needs():
    text = yarn_classic.Writer().render(AWS_CLI_NPMRC, NPM_CREDS)
    assert text.count("always-auth") == 1 and f"//{HOST}/npm/npm-store/:always-auth=true" in text


def test_npm_keeps_another_registrys_lines():
    current = AWS_CLI_NPMRC + "//other.example/:_authToken=theirs\n@other:registry=https://other.example/\n"
    text = npm.Writer(scope="@acme").render(current, NPM_CREDS)
    assert "//other.example/:_authToken=theirs" in text and "@other:registry=https://other.example/" in text


def test_npm_retire_removes_our_registry_auth_and_always_auth_only():
    current = "save-exact=true\n" + npm.Writer().render("", NPM_CREDS) + f"//{HOST}/npm/npm-store/:always-auth=true\n"
    assert npm.Writer().retire(current, dataclasses.replace(NPM_CREDS, token="")) == "save-exact=true\n"
    elsewhere = "registry=https://registry.npmjs.org/\n" + npm.Writer(scope="@a").render("", NPM_CREDS)
    assert npm.Writer().retire(elsewhere, NPM_CREDS).startswith("registry=https://registry.npmjs.org/\n")


def test_twine_under_another_name_removes_the_aws_cli_section_and_its_server():
    text = twine.Writer(name="acme").render(AWS_CLI_PYPIRC, CREDS)
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    assert parser.sections() == ["distutils", "acme"]
    assert parser.get("distutils", "index-servers").split() == ["pypi", "acme"]
    assert parser.get("acme", "password") == TOKEN_2 and OLD not in text


def test_twine_keeps_a_section_of_the_users_own_for_our_repository():
    current = AWS_CLI_PYPIRC.replace("username = aws\n", "username = aws\nca_cert = /etc/ca.pem\n")
    text = twine.Writer(name="acme").render(current, CREDS)
    assert "[codeartifact]" in text and "ca_cert = /etc/ca.pem" in text


def test_twine_retire_removes_our_section_and_server_name():
    current = twine.Writer().render("# keep\n[distutils]\nindex-servers =\n    pypi\n", CREDS)
    text = twine.Writer().retire(current, dataclasses.replace(CREDS, token=""))
    assert text == "# keep\n[distutils]\nindex-servers =\n    pypi\n"


def test_only_the_writers_that_implement_retire_say_they_do():
    from codeartifact_refresher.writers import netrc, token

    assert pip.Writer.retires() and npm.Writer.retires() and twine.Writer.retires()
    assert not token.Writer.retires() and not netrc.Writer.retires()


# -- found by replaying odd files (defaults sections, duplicates, inline comments, :443) ----------


def test_pip_primary_keeps_our_url_in_default_current_where_global_takes_it():
    """configparser gives [global] the [DEFAULT] section's index-url: ours with the AWS CLI's old
    token stays there, once, with the new token (it was left dead beside a new [global] line)."""
    current = f"[DEFAULT]\nindex-url = https://aws:{OLD}@{HOST}/pypi/pypi-store/simple/\ntimeout = 30\n\n[global]\nretries = 2\n"
    text = pip.Writer().render(current, CREDS)
    assert OLD not in text and ours_in(text) == 1 and text.count("index-url") == 1
    assert TOKEN_2 in pip_read(text)["global.index-url"] and pip_read(text)["global.retries"] == "2"


def test_pip_primary_never_leaves_a_dead_token_in_default_beside_globals_own():
    current = f"[DEFAULT]\nindex-url = {AWS_CLI_PIP.split(' = ')[1]}[global]\nindex-url = https://aws:{OLD}@{HOST}/pypi/pypi-store/simple/\n"
    text = pip.Writer().render(current, CREDS)
    assert OLD not in text
    text += "[install]\nno-compile = yes\n"  # a command section added later takes [DEFAULT]'s value
    assert TOKEN_2 in pip_read(text)["install.index-url"]


@pytest.mark.parametrize("cls", [npm.Writer, pnpm.Writer, yarn_classic.Writer])
def test_npm_kin_keep_an_explicit_443_line_current_and_retire_it(cls):
    """npm never reads ``//host:443/path/`` (its nerf dart drops a default port), older pnpm did:
    the AWS CLI's old token there was left dead by npm, and pnpm's retire left the last live token."""
    current = AWS_CLI_NPMRC + f"//{HOST.upper()}:443/npm/npm-store/:_authToken={OLD} # for pnpm 7\n"
    text = cls().render(current, NPM_CREDS)
    assert OLD not in text and f"//{HOST}:443/npm/npm-store/:_authToken={TOKEN_2}\n" in text
    retired = cls().retire("save-exact=true\n" + text, dataclasses.replace(NPM_CREDS, token=""))
    assert retired == "save-exact=true\n"


def test_npm_keeps_one_line_per_entry_of_ours_where_the_first_stood():
    current = f"registry={NPM_ENDPOINT}\nsave-exact=true\nregistry={NPM_ENDPOINT}\n" + AWS_CLI_NPMRC
    text = npm.Writer().render(current, NPM_CREDS)
    assert text.splitlines()[0] == f"registry={NPM_ENDPOINT}" and text.count("registry=") == 1
    assert text.count(":_authToken=") == 1 and "save-exact=true" in text


def test_npm_reads_an_inline_comment_as_npm_does_and_replaces_the_whole_value():
    """npm's ini ends an unquoted value at ';' or '#', so a registry line with a comment names our
    repository (retire left it); pnpm reads the comment as part of the URL, so a value we write
    takes the rest of the line (``tests/e2e/test_replay.py`` runs pnpm on it)."""
    commented = f"registry={NPM_ENDPOINT} ; set by aws codeartifact login\n"
    current = commented + f"//{HOST}/npm/npm-store/:_authToken = {OLD} # old\n"
    text = npm.Writer().render(current, NPM_CREDS)
    assert text == f"registry={NPM_ENDPOINT}\n//{HOST}/npm/npm-store/:_authToken = {TOKEN_2}\n"
    assert npm.Writer().retire(commented + text, dataclasses.replace(NPM_CREDS, token="")) == ""
    quoted = f'registry = "{NPM_ENDPOINT}"\nkeep = "a;b"\n'
    assert npm.Writer().retire(quoted, NPM_CREDS) == 'keep = "a;b"\n'


def test_npm_retire_keeps_the_auth_line_another_registry_line_still_needs():
    """``login`` (kept in no config) set ``registry=`` to our repository; a scoped target of the
    same repository then left the config: taking the shared auth line would make every unscoped
    install fail with 401 at once (replay finding)."""
    current = npm.Writer(scope="@acme").render(AWS_CLI_NPMRC, NPM_CREDS)
    text = npm.Writer(scope="@acme").retire(current, dataclasses.replace(NPM_CREDS, token=""))
    assert "@acme:registry" not in text and f"registry={NPM_ENDPOINT}" in text.splitlines()
    assert f"//{HOST}/npm/npm-store/:_authToken={TOKEN_2}" in text.splitlines()
