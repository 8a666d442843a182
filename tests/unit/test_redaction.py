"""The one redaction module: its rules, and every place that shows or keeps text using them
(logs, ``--dry-run`` diffs, hook output, the state file)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from codeartifact_refresher import log, redaction
from codeartifact_refresher.hooks.output import redact as hook_redact
from codeartifact_refresher.outputs import Snapshot
from codeartifact_refresher.refresh import redacted_diff
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1
from codeartifact_refresher.writers import env, gradle
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.formats import urls

CREDS = Credentials(f"https://{HOST}/pypi/store/", TOKEN_1)
# what each item-12 gap left visible: the line, then the words that must not be shown
GAPS = [
    ("fetching https://u:Pa55@word@host.example/simple/ failed", ["Pa55", "word"]),
    ('{"password": "correct horse battery staple"}', ["correct", "horse", "battery", "staple"]),
    ("password = 'correct horse battery staple'", ["correct", "horse", "battery", "staple"]),
    ("> Authorization: Basic YXdzOmhvcnNlYmF0dGVyeQ==", ["YXdzOmhvcnNlYmF0dGVyeQ"]),
    ("authorization: bearer eyJ0eXAiOiJKV1Qi.eyJzdWIi.c2ln", ["eyJ0eXAiOiJKV1Qi"]),
    ("curl -H 'Authorization: Token ghp_0123456789abcdef'", ["ghp_0123456789abcdef"]),
    ("sent Bearer eyJ0eXAiOiJKV1Qi.eyJzdWIi.c2ln to the registry", ["eyJ0eXAiOiJKV1Qi"]),
    ("retrying with token ghp_0123456789abcdef", ["ghp_0123456789abcdef"]),
    ("DB_PASS=hunter2 SMTP_PWD=sw0rdfish GH_PAT=ghp_x1", ["hunter2", "sw0rdfish", "ghp_x1"]),
    ('{"token": "abc\\"def-ghi"}', ["abc", "def-ghi"]),  # an escaped quote does not end the value
    ("mysql --password hunter2 --user ci", ["hunter2"]),  # a flag's value is the next word
    ("login -p x --api-key 'sk live 0042'", ["sk live", "0042"]),
]


@pytest.mark.parametrize(("line", "hidden"), GAPS)
def test_hook_output_hides_every_part_of_a_credential(line, hidden):
    shown = hook_redact(line)
    assert "<redacted>" in shown
    for word in hidden:
        assert word not in shown, shown


def test_the_userinfo_ends_at_the_last_at_sign_and_keeps_the_user_name():
    assert redaction.redact_userinfo("https://u:Pa55@word@host/") == "https://u:<redacted>@host/"
    assert redaction.userinfo_secrets("https://u:Pa55@word@host/") == ["Pa55@word"]
    assert redaction.redact_userinfo("https://ghp_abc@host/ and mail@example.com") == (
        "https://<redacted>@host/ and mail@example.com"
    )
    assert urls.redact is redaction.redact_userinfo and urls.secrets is redaction.userinfo_secrets


def test_words_that_are_not_credentials_are_kept():
    for line in (
        "Basic authentication failed",
        "token expired; fetching a new one",
        "token 2 of 3 refused",
        "path=/usr/bin username=aws url: https://host/",
        "Bearer",
    ):
        assert hook_redact(line) == line


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASS", True),
        ("SMTP_PWD", True),
        ("GH_PAT", True),
        ("gpr.key", True),
        ("signing.key", True),
        ("mavenCentralToken", True),
        ("ossrhPassword", True),
        ("_authToken", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("AWS_ACCESS_KEY_ID", False),
        ("TWINE_USERNAME", False),
        ("org.gradle.jvmargs", False),
        ("APP_ENV", False),
    ],
)
def test_credential_key_names(name, secret):
    assert redaction.is_credential_key(name) is secret


def test_control_characters_are_one_rule_for_logs_and_hook_output():
    assert log.one_line("a\nb\x1b[31m\u2028") == "a\\nb\\x1b[31m\\u2028"
    assert redaction.replace_controls("a\nb\x1b\u2028") == "a?b??"


def test_a_log_line_hides_a_urls_userinfo():
    stream = io.StringIO()
    log.setup(logging.INFO, stream)
    logging.getLogger("codeartifact_refresher.test").info("cannot reach https://aws:s3cr3t-token@host/x")
    assert "s3cr3t-token" not in stream.getvalue() and "https://aws:<redacted>@host/x" in stream.getvalue()


def test_the_state_file_keeps_errors_redacted(tmp_path: Path):
    from types import SimpleNamespace

    from codeartifact_refresher.state import State

    state = State(tmp_path / "state.json")
    domain = SimpleNamespace(key="acme", label="acme", domain="acme", owner=None, source=None)
    where = str(tmp_path / "pip.conf")
    target = SimpleNamespace(writer="pip", repository="pypi-store", where=where, identity=f"pip pypi-store {where}")
    failure = 'hook said {"password": "correct horse battery staple"} via https://u:Pa55@word@h/'
    report = SimpleNamespace(
        domain=domain,
        expires_at=None,
        endpoints={},
        targets=[SimpleNamespace(target=target, outcome="failed", error=failure, endpoint="")],
        ok=False,
        failure=failure,
    )
    state.record(report, now=1.0)  # type: ignore[arg-type]  # a stand-in: only what record() reads
    kept = json.dumps(state.to_json(1.0))
    for word in ("correct", "horse", "Pa55", "word@"):
        assert word not in kept, kept
    assert '\\"password\\": \\"<redacted>\\"' in kept


# -- --dry-run: env files are mostly secrets; gradle.properties has GitHub Packages' token ----------

# a diff shows three lines around a change: the user's lines, three at a time
USERS_ENV = ["DB_PASS=hunter2\nSMTP_PWD=sw0rdfish\nGH_PAT=ghp_x1\n", "APP_ENV=production\nDEBUG=1\n"]


def _dry_run(writer, before: str) -> str:
    after = writer.render(before, CREDS)
    secrets = [CREDS.token, *writer.find_secrets(before), *writer.find_secrets(after)]
    return redacted_diff(Snapshot("f", before, 0o600), Snapshot("f", after, 0o600), secrets)


@pytest.mark.parametrize("users", USERS_ENV)
def test_an_env_files_dry_run_shows_no_value_that_is_not_ours(users):
    writer = env.Writer(variables=["token", "endpoint", "twine"])
    diff = _dry_run(writer, users)
    for value in ("production", "hunter2", "sw0rdfish", "ghp_x1", TOKEN_1):
        assert value not in diff, diff
    for line in users.splitlines():
        assert f" {line.split('=')[0]}=<redacted>\n" in diff, diff
    assert "+CODEARTIFACT_AUTH_TOKEN=<redacted>" in diff
    # ours that are no secret stay readable: a value "1" of the user's is not hidden inside them
    assert f"+CODEARTIFACT_REPOSITORY_ENDPOINT=https://{HOST}/pypi/store/" in diff
    assert "+TWINE_USERNAME=aws" in diff


def test_a_gradle_dry_run_hides_github_packages_token_and_the_like():
    for before in (
        "org.gradle.jvmargs=-Xmx2g\ngpr.key=ghp_0123456789\ngpr.user=me\n",
        "sonatypeToken=abc1\nossrhPassword=pw9\n",
    ):
        diff = _dry_run(gradle.Writer(), before)
        for value in ("ghp_0123456789", "abc1", "pw9", TOKEN_1):
            assert value not in diff, diff
    assert "-Xmx2g" in _dry_run(gradle.Writer(), "org.gradle.jvmargs=-Xmx2g\ngpr.key=k1\n")


def test_a_short_line_value_is_hidden_only_where_it_stands():
    known = [redaction.LineValue("1", "DEBUG=")]
    assert redaction.redact_known("DEBUG=1\nrepo1=x\r\nDEBUG=12\n", known) == "DEBUG=<redacted>\nrepo1=x\r\nDEBUG=12\n"
