"""A hostile or broken server and a damaged state file: one clear line and the old files kept,
never a traceback (exit 70), never a line of the server's choosing in a config file."""

import json

import pytest

from codeartifact_refresher import cli

from ..conftest import ALL_TARGETS, write_config

STATE = ".local/state/codeartifact-refresher/state.json"


@pytest.mark.parametrize(
    "answer",
    [
        {"authorizationToken": "tok\nregistry=https://evil.example/", "expiration": 4102444800},
        {"authorizationToken": "tok\n[global]\nindex-url = https://evil.example/", "expiration": 4102444800},
        {"authorizationToken": "tok en", "expiration": 4102444800},
        {"authorizationToken": "t" * 20000, "expiration": 4102444800},
        {"authorizationToken": ["a", "list"], "expiration": 4102444800},
        {"authorizationToken": "tok", "expiration": 1e20},
    ],
    ids=["newline registry", "newline section", "blank", "huge", "a list", "expiry out of range"],
)
def test_a_token_answer_that_is_not_one_clean_token_writes_nothing(standin, tmp_path, home, capsys, answer):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    standin.inject_answer("GetAuthorizationToken", answer, times=3)
    assert cli.main(["refresh", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "no usable token" in err or "could not be read" in err
    assert "evil" not in err and "Traceback" not in err
    assert not (home / ".npmrc").exists() and not (home / ".pypirc").exists()


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200000,
        '{"domains": {"K": {"targets": [1], "last_error": {"a": 1}, "failures": "many"}}}',
        '{"domains": {"K": [1, 2]}, "daemon": {"pid": "x"}}',
        '{"domains": {"K": {"endpoints": {"pypi/pypi-store": {"url": "https://x/", '
        '"resolved_at": "0001-01-01T00:00:00+14:00"}}}}}',
    ],
    ids=["deep nesting", "wrong kinds", "not a mapping", "time out of range"],
)
def test_a_damaged_state_file_is_survived_by_every_command(standin, tmp_path, home, capsys, text):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    state_file = home / STATE
    key = next(iter(json.loads(state_file.read_text())["domains"]))
    state_file.write_text(text.replace('"K"', json.dumps(key)))
    capsys.readouterr()
    assert cli.main(["status", "--config", str(path)]) in (0, 1)
    assert cli.main(["status", "--json", "--config", str(path)]) in (0, 1)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert cli.main(["status", "--config", str(path)]) == 0  # the refresh wrote a good state file again
    assert "Traceback" not in capsys.readouterr().err
