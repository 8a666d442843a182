"""One rule for an entry of ours that names a variable instead of holding a token
(``_authToken=${CODEARTIFACT_AUTH_TOKEN}``, as AWS's guides write it): every writer takes it over,
writes the token there, and logs that once at INFO, naming the file and the key, never a value."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.errors import WriterRefusedError
from codeartifact_refresher.testing.standin import StandIn
from codeartifact_refresher.writers import yarn
from codeartifact_refresher.writers.base import Credentials, Writer
from codeartifact_refresher.writers.formats import references
from codeartifact_refresher.writers.registry import Registry

from ..conftest import write_config

HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
PLACEHOLDER = "PLACEHOLDERtoken0123456789"
TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.real-token"
REFERENCES = ["${CODEARTIFACT_AUTH_TOKEN}", "$CODEARTIFACT_AUTH_TOKEN", "%CODEARTIFACT_AUTH_TOKEN%"]
# the writer families the issue names, each with the file role that holds the token
FAMILIES = {
    "npm": "main",
    "pnpm": "main",
    "yarn": "main",
    "yarn-classic": "main",
    "bun": "main",
    "twine": "main",
    "netrc": "main",
    "gradle": "main",
    "maven": "main",
    "nuget": "main",
    "poetry": "auth",
    "uv": "netrc",
    "pdm": "main",
    "pip": "netrc",
    "cargo": "credentials",
    "gem": "credentials",
    "bundler": "main",
    "env": "main",
}


def creds(writer: Writer, token: str) -> Credentials:
    return Credentials(f"https://{HOST}/{writer.repository_format()}/store/", token, "store")


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == references.__name__]


@pytest.mark.parametrize("reference", REFERENCES, ids=["braces", "sh", "percent"])
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_writer_takes_over_its_entry_that_names_a_variable_and_logs_it_once(
    name: str, reference: str, caplog: pytest.LogCaptureFixture
) -> None:
    writer, role = Registry().get(name)(), FAMILIES[name]
    if name == "yarn" and reference.startswith("%"):
        reference = f'"{reference}"'  # unquoted, % cannot start a YAML value: Yarn could not read the file
    user = writer.render_file(role, None, creds(writer, PLACEHOLDER)).replace(PLACEHOLDER, reference)
    expected = writer.render_file(role, None, creds(writer, TOKEN))
    caplog.set_level(logging.INFO)
    with references.logging_for("/home/u/the-file"):
        new = writer.render_file(role, user, creds(writer, TOKEN))
        assert writer.render_file(role, new, creds(writer, TOKEN)) == new
    assert TOKEN in new and reference.strip('"') not in new
    if name != "yarn" or not reference.startswith('"'):
        assert new == expected  # the entry is ours: as if it had held an old token
    logged = records(caplog)
    assert logged and all(r.levelno == logging.INFO for r in logged)  # one per entry, and only the first time
    for record in logged:
        message = record.getMessage()
        assert message.startswith("/home/u/the-file: ") and "named the variable CODEARTIFACT_AUTH_TOKEN" in message
        assert TOKEN not in message and "\n" not in message


def test_nothing_is_logged_for_an_old_token_or_outside_a_write(caplog: pytest.LogCaptureFixture) -> None:
    writer = Registry().get("npm")()
    caplog.set_level(logging.INFO)
    old = writer.render(None, creds(writer, "old-token"))
    with references.logging_for("f"):
        writer.render(old, creds(writer, TOKEN))
    writer.render(old.replace("old-token", "${CODEARTIFACT_AUTH_TOKEN}"), creds(writer, TOKEN))  # a dry run
    assert records(caplog) == []


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("${CODEARTIFACT_AUTH_TOKEN}", "${CODEARTIFACT_AUTH_TOKEN}"),
        ('"${TOKEN:-fallback}"', "${TOKEN:-fallback}"),
        ("Bearer $TOKEN", "$TOKEN"),
        ("%NUGET_TOKEN%", "%NUGET_TOKEN%"),
        ("https://aws:${TOKEN}@host/pypi/r/simple/", "${TOKEN}"),
        ("eyJhbGciOi.abc$def", None),
        ("prefix-${TOKEN}", None),
        ("", None),
        (True, None),
    ],
)
def test_what_a_reference_is(value: object, found: str | None) -> None:
    assert references.reference(value) == found


def test_the_default_of_a_reference_is_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with references.logging_for("f"):
        references.replaced("key", "${TOKEN:-s3cr3t-default}")
    assert [r.getMessage() for r in records(caplog)] == [
        "f: key named the variable TOKEN; the entry is ours, and holds the value itself now"
    ]


YARN_SCOPED = 'npmScopes:\n  acme:\n    npmRegistryServer: "https://{host}/npm/store/"\n    npmAuthToken: {token}\n'


def test_yarn_takes_over_a_scope_token_that_names_a_variable_and_still_refuses_a_real_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer = yarn.Writer(scope="@acme")
    caplog.set_level(logging.INFO)
    with references.logging_for(".yarnrc.yml"):
        new = writer.render(YARN_SCOPED.format(host=HOST, token='"${CODEARTIFACT_AUTH_TOKEN}"'), creds(writer, TOKEN))
    assert f"npmAuthToken: {TOKEN}" in new or f'npmAuthToken: "{TOKEN}"' in new
    assert "CODEARTIFACT_AUTH_TOKEN" not in new
    assert [r.getMessage() for r in records(caplog)] == [
        ".yarnrc.yml: npmScopes.acme.npmAuthToken named the variable CODEARTIFACT_AUTH_TOKEN; "
        "the entry is ours, and holds the value itself now"
    ]
    again = writer.render(new, creds(writer, "the-next-token"))  # the scope's token is ours from now on
    assert TOKEN not in again and again.count("the-next-token") == 2
    with pytest.raises(WriterRefusedError, match=r"npmScopes.acme holds its own credentials"):
        writer.render(YARN_SCOPED.format(host=HOST, token="a-real-token-of-the-users"), creds(writer, TOKEN))


def test_yarn_takes_over_a_top_level_token_that_names_a_variable_as_awss_guide_writes_it() -> None:
    guide = f'npmRegistryServer: "https://{HOST}/npm/store/"\nnpmAlwaysAuth: true\nnpmAuthToken: "${{CODEARTIFACT_AUTH_TOKEN}}"\n'
    new = yarn.Writer().render(guide, creds(yarn.Writer(), TOKEN))
    assert "CODEARTIFACT_AUTH_TOKEN" not in new and new.count(TOKEN) == 2  # the top level's and our registry's


def test_refresh_logs_the_takeover_once_and_a_dry_run_not_at_all(
    standin: StandIn, tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: npm, repository: npm-store}\n")
    assert cli.main(["refresh", "--config", str(config)]) == 0
    npmrc = home / ".npmrc"
    npmrc.write_text(npmrc.read_text().replace(standin.issued_tokens()[-1], "${CODEARTIFACT_AUTH_TOKEN}"))
    capsys.readouterr()

    assert cli.main(["-v", "refresh", "--config", str(config), "--dry-run"]) == 0
    assert "named the variable" not in capsys.readouterr().err
    assert cli.main(["-v", "refresh", "--config", str(config)]) == 0
    err, token = capsys.readouterr().err, standin.issued_tokens()[-1]
    assert f":_authToken={token}" in npmrc.read_text() and "CODEARTIFACT_AUTH_TOKEN}" not in npmrc.read_text()
    said = [line for line in err.splitlines() if "named the variable" in line]
    assert (
        len(said) == 1
        and f"{npmrc}: //" in said[0]
        and ":_authToken named the variable CODEARTIFACT_AUTH_TOKEN" in said[0]
    )
    assert token not in err
    assert cli.main(["-v", "refresh", "--config", str(config)]) == 0
    assert "named the variable" not in capsys.readouterr().err
