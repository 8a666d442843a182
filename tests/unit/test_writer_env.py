"""The env writer, read back as docker ``--env-file`` reads (a parser written here from docker's
rules: there is no container engine on this machine), as Compose-style ``.env`` parsers read
(python-dotenv, whose rules follow the same Ruby dotenv lineage as compose-go's ``dotenv``), and
as a POSIX shell reads it with ``set -a; . ./FILE``."""

import io
import json
import os
import subprocess
from urllib.parse import urlsplit

import dotenv
import pytest
from hypothesis import strategies as st

from codeartifact_refresher import config
from codeartifact_refresher.errors import ConfigError, TargetError, WriterError
from codeartifact_refresher.redaction import LineValue
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.env import Writer
from codeartifact_refresher.writers.formats.envfile import GO_SPACE

ALL_PYPI = ["token", "endpoint", "pip", "uv", "poetry", "twine"]
FOREIGN = """\
# settings for the build container
APP_ENV=production
  INDENTED=kept as it is
QUOTED="docker keeps these quotes"
MY_API_TOKEN=s3cr3t-of-the-user
PASSTHROUGH
"""
CREDS = Credentials(f"https://{HOST}/pypi/store/", TOKEN_1)


def docker_reads(text: str) -> dict[str, str]:
    """docker/cli ``pkg/kvfile``: lines split at "\\n" (a "\\r" before it dropped), a BOM dropped,
    leading white space trimmed, blank and ``#`` lines skipped, ``KEY=VALUE`` split at the first
    ``=``, the value verbatim; a key with a space or tab, or an empty one, is an error; a line
    without ``=`` imports the variable from docker's environment (here: none)."""
    env = {}
    for number, raw in enumerate(text.split("\n")):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number == 0 and line.startswith("\ufeff"):
            line = line[1:]
        line = line.lstrip(GO_SPACE)
        if not line or line.startswith("#"):
            continue
        key, eq, value = line.partition("=")
        if not key or " " in key or "\t" in key:
            raise ValueError(f"docker refuses line {number + 1}")
        if eq:
            env[key] = value
    return env


def compose_reads(text: str) -> dict:
    return dict(dotenv.dotenv_values(stream=io.StringIO(text), interpolate=True))


def shell_reads(text: str, tmp_path) -> dict[str, str]:
    (tmp_path / "file.env").write_text(text)
    out = subprocess.run(
        ["sh", "-c", "set -a; . ./file.env; env -0"], cwd=tmp_path, env={}, capture_output=True, check=True
    ).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


class TestEnv(WriterContract):
    foreign = FOREIGN
    corrupt = ("KEY WITH SPACE=1\n", "=no-name\n", "# ok\nexport FOO=bar\n", "two words\n", "A=1\x00\n")

    def make_writer(self):
        return Writer(variables=["token", "endpoint"])

    def foreign_texts(self):
        key = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(
            lambda k: not k.startswith(("CODE", "PIP_", "UV_", "POETRY_", "TWINE_"))
        )
        value = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
        line = st.one_of(
            st.builds(lambda k, v: f"{k}={v}", key, value),
            st.from_regex(r"[ \t]*#[ -~]{0,20}", fullmatch=True),
            st.just(""),
            key,
        )
        return st.builds(
            lambda lines, nl, end: nl.join(lines) + (nl if end and lines else ""),
            st.lists(line, max_size=8),
            st.sampled_from(["\n", "\r\n"]),
            st.booleans(),
        )

    def read_back(self, text):
        env = docker_reads(text)
        return env["CODEARTIFACT_REPOSITORY_ENDPOINT"], env["CODEARTIFACT_AUTH_TOKEN"]


class TestEnvEveryPythonTool(TestEnv):
    """The contract again with every Python tool's variables, each holding the token."""

    def make_writer(self):
        return Writer(variables=ALL_PYPI)

    def read_back(self, text):
        env = docker_reads(text)
        token = env["CODEARTIFACT_AUTH_TOKEN"]
        for key in ("UV_INDEX_CODEARTIFACT_PASSWORD", "POETRY_HTTP_BASIC_CODEARTIFACT_PASSWORD", "TWINE_PASSWORD"):
            assert env[key] == token
        assert urlsplit(env["PIP_INDEX_URL"]).password == token
        assert env["TWINE_REPOSITORY_URL"] == env["CODEARTIFACT_REPOSITORY_ENDPOINT"]
        return env["CODEARTIFACT_REPOSITORY_ENDPOINT"], token

    def test_new_token_replaces_old_without_duplicates(self):
        """As the contract's, but the token is in five variables, once in each."""
        writer = self.make_writer()
        first = self.render(writer, self.foreign, self.creds(TOKEN_1))
        second = self.render(writer, first, self.creds(TOKEN_2))
        assert second == self.render(writer, self.foreign, self.creds(TOKEN_2))
        assert TOKEN_1 not in second and second.count(TOKEN_2) == 5
        assert self.read_back(second) == self.expected(TOKEN_2)


def test_docker_compose_and_sh_read_every_variable_alike(tmp_path):
    text = Writer(variables=ALL_PYPI).render(FOREIGN.replace("PASSTHROUGH\n", ""), CREDS)
    docker = docker_reads(text)
    ours = {k: v for k, v in docker.items() if k not in ("APP_ENV", "INDENTED", "QUOTED", "MY_API_TOKEN")}
    assert len(ours) == 12
    compose, shell = compose_reads(text), shell_reads(text.replace("INDENTED=kept as it is\n", ""), tmp_path)
    for key, value in ours.items():
        assert compose[key] == value and shell[key] == value, key
    assert docker["PIP_INDEX_URL"] == f"https://aws:{TOKEN_1}@{HOST}/pypi/store/simple/"
    assert docker["UV_DEFAULT_INDEX"] == f"codeartifact=https://{HOST}/pypi/store/simple/"
    assert docker["QUOTED"] == '"docker keeps these quotes"'  # the user's line, as docker reads it


def test_extra_index_and_a_named_index():
    env = docker_reads(Writer(variables=["pip", "uv", "poetry"], index="extra", name="ca-store.1").render(None, CREDS))
    assert set(env) == {
        "PIP_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_INDEX_CA_STORE_1_USERNAME",
        "UV_INDEX_CA_STORE_1_PASSWORD",
        "POETRY_HTTP_BASIC_CA_STORE_1_USERNAME",
        "POETRY_HTTP_BASIC_CA_STORE_1_PASSWORD",
        "POETRY_REPOSITORIES_CA_STORE_1_URL",
    }
    assert env["UV_INDEX"].startswith("ca-store.1=https://")


def test_npm_sets_the_registry_and_asks_for_the_npm_endpoint():
    writer = Writer(variables=["token", "npm"])
    assert writer.repository_format() == "npm"
    env = docker_reads(writer.render(None, Credentials(f"https://{HOST}/npm/store/", TOKEN_1)))
    assert env == {"CODEARTIFACT_AUTH_TOKEN": TOKEN_1, "NPM_CONFIG_REGISTRY": f"https://{HOST}/npm/store/"}


@pytest.mark.parametrize(
    ("variables", "fmt"), [(["token"], "generic"), (["endpoint", "twine"], "pypi"), (["npm"], "npm")]
)
def test_the_format_follows_the_variable_sets(variables, fmt):
    assert Writer(variables=variables).repository_format() == fmt


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (["pip", "npm"], "two env targets"),
        (["pip", "gradle"], "unknown variable set 'gradle'"),
        ([], "expected a list"),
        ("token", "expected a list"),
    ],
)
def test_bad_variable_sets_are_refused(variables, message):
    with pytest.raises(ValueError, match=message):
        Writer(variables=variables)


def test_a_value_that_docker_compose_and_sh_would_read_differently_is_refused():
    with pytest.raises(TargetError, match="CODEARTIFACT_REPOSITORY_ENDPOINT") as e:
        Writer(variables=["token", "endpoint"]).render(None, Credentials(f"https://{HOST}/pypi/st$re/", TOKEN_1))
    assert TOKEN_1 not in str(e.value)


def test_a_line_docker_refuses_is_named():
    with pytest.raises(WriterError, match="line 3: docker --env-file refuses it"):
        Writer().render("# ok\nA=1\nexport FOO=bar\n", CREDS)


def test_duplicates_of_our_key_are_removed_and_the_first_place_kept():
    text = Writer().render("CODEARTIFACT_AUTH_TOKEN=old\nA=1\n  CODEARTIFACT_AUTH_TOKEN=older\n", CREDS)
    assert text == f"CODEARTIFACT_AUTH_TOKEN={TOKEN_1}\nA=1\n"


@pytest.mark.parametrize("last_end", ["\r\n", ""], ids=["ended", "no-end"])
def test_a_crlf_file_gets_our_lines_with_crlf_too(last_end):
    """Our lines end as the file's own do: a replaced line keeps its CR, an added one gets CRLF,
    and a last line without an end gets CRLF before ours (docker drops the CR before LF)."""
    text = f"A=1\r\nCODEARTIFACT_AUTH_TOKEN=old\r\nB=2{last_end}"
    writer = Writer(variables=["token", "endpoint"])
    new = writer.render(text, CREDS)
    endpoint = f"https://{HOST}/pypi/store/"
    assert new == (
        f"A=1\r\nCODEARTIFACT_AUTH_TOKEN={TOKEN_1}\r\nB=2\r\nCODEARTIFACT_REPOSITORY_ENDPOINT={endpoint}\r\n"
    )
    assert writer.render(new, CREDS) == new


def test_find_secrets_finds_the_users_credentials_too():
    text = Writer(variables=ALL_PYPI).render(FOREIGN + "DATABASE_URL=postgres://me:pw-db@db/x\n", CREDS)
    found = set(Writer().find_secrets(text))
    assert {TOKEN_1, "s3cr3t-of-the-user", "pw-db"} <= found
    # every other value is hidden where it stands only (APP_ENV=<redacted>), not wherever it occurs
    assert all(isinstance(f, LineValue) for f in found if f == "production")


def _load(tmp_path, targets: list):
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps({"domains": [{"domain": "acme", "targets": targets}]}, indent=1))
    return config.load(path)


def test_config_asks_for_a_path_in_one_line(tmp_path):
    with pytest.raises(ConfigError) as e:
        _load(tmp_path, [{"writer": "env", "repository": "store"}])
    assert str(e.value) == (
        f"{tmp_path / 'c.yaml'}:6: the env target needs 'path:' "
        "(an env file belongs to a project, a container or a CI job: say where)"
    )


def test_config_names_the_line_of_a_bad_variable_set(tmp_path):
    with pytest.raises(ConfigError, match=r"c.yaml:\d+: variables: npm and the Python tools"):
        _load(tmp_path, [{"writer": "env", "repository": "store", "path": "/x.env", "variables": ["pip", "npm"]}])


def test_two_targets_share_a_file_each_with_its_own_keys_but_not_the_token(tmp_path):
    pypi = {"writer": "env", "repository": "py", "path": "/b/.env", "variables": ["token", "pip"]}
    npm = {"writer": "env", "repository": "js", "path": "/b/.env", "variables": ["npm"]}
    targets = _load(tmp_path, [pypi, npm]).domains[0].targets
    assert [t.repository for t in targets] == ["py", "js"]
    with pytest.raises(ConfigError, match="would both write variable CODEARTIFACT_AUTH_TOKEN"):
        _load(tmp_path, [pypi, {**npm, "variables": ["token", "npm"]}])
    text = Writer(variables=["token", "pip"]).render("# mine\n", CREDS)
    both = Writer(variables=["npm"]).render(text, Credentials(f"https://{HOST}/npm/js/", TOKEN_1))
    assert Writer(variables=["token", "pip"]).render(both, CREDS) == both
    assert set(docker_reads(both)) == {"CODEARTIFACT_AUTH_TOKEN", "PIP_INDEX_URL", "NPM_CONFIG_REGISTRY"}


def test_shell_sees_the_values_in_a_clean_environment(tmp_path):
    assert "CODEARTIFACT_AUTH_TOKEN" not in os.environ
    assert shell_reads(Writer().render("# c\n", CREDS), tmp_path)["CODEARTIFACT_AUTH_TOKEN"] == TOKEN_1
