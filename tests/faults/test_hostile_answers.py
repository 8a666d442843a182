"""A hostile or broken server and a damaged state file: one clear line and the old files kept,
never a traceback (exit 70), never a line of the server's choosing in a config file."""

import http.server
import json
import threading

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.config import load

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


class _Hostile(http.server.BaseHTTPRequestHandler):
    """Answers every call with an AWS error whose message forges a log line and fills a page."""

    MESSAGE = "denied\nERROR forged: every domain is fine\r\x1b[2K" + "x" * 5000

    def do_POST(self) -> None:
        body = json.dumps({"message": self.MESSAGE}).encode()
        self.send_response(400)
        self.send_header("x-amzn-ErrorType", "ValidationException")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, format, *args) -> None:
        pass


def test_a_servers_error_message_is_one_bounded_line_in_the_log_and_the_state_file(tmp_path, home, capsys):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = tmp_path / "c.yaml"
        path.write_text(
            "domains:\n  - domain: acme\n    region: us-east-1\n"
            f"    endpoint_url: http://127.0.0.1:{server.server_address[1]}\n"
            "    targets: [{writer: npm, repository: npm-store}]\n"
        )
        assert cli.main(["refresh", "--config", str(path)]) == 1
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines and all(line.startswith(("ERROR ", "WARNING ", "INFO ")) for line in lines), err
    assert not any("ERROR forged" in line.split(":", 1)[0] or line.startswith("ERROR forged") for line in lines)
    assert "\x1b" not in err and "\r" not in err and "denied\\nERROR forged" in err
    assert max(len(line) for line in lines) < 1200  # the message is cut, not copied whole
    entry = next(iter(json.loads((home / STATE).read_text())["domains"].values()))
    assert "denied\\nERROR forged" in entry["last_error"] and len(entry["last_error"]) <= 1000
    assert all(len(t["error"] or "") <= 1000 for t in entry["targets"].values())


@pytest.mark.parametrize("expiration", ["soon", [1, 2], {"at": 1}])
def test_an_expiration_that_is_not_a_time_fails_that_domain_and_the_state_is_saved(
    standin, tmp_path, home, capsys, expiration
):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    standin.inject_answer("GetAuthorizationToken", {"authorizationToken": "tok", "expiration": expiration}, times=3)
    assert cli.main(["refresh", "--config", str(path)]) == 1  # that domain's failure, not a crash (70)
    assert "Traceback" not in capsys.readouterr().err
    (entry,) = json.loads((home / STATE).read_text())["domains"].values()
    assert entry["failures"] == 1 and "GetAuthorizationToken" in entry["last_error"]


def test_a_servers_repository_list_cannot_stretch_a_message_or_keep_us_asking(standin, tmp_path, home, capsys):
    """A repository that is not found is named with the domain's repositories: a server that lists
    names no repository can have (a control character, 5,000 characters) and always has another
    page is asked a bounded number of times, and only real names are shown."""
    hostile = "evil\x1b]0;owned\x07" + "x" * 5000
    page = {"repositories": [{"name": hostile}, {"name": "pypi-store"}], "nextToken": "more"}
    standin.inject_answer("ListRepositoriesInDomain", page, times=10_000)
    path = write_config(tmp_path / "c.yaml", standin, "      - {writer: pip, repository: missing}\n")
    assert cli.main(["refresh", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "not found; the domain's repositories: " in err and "pypi-store" in err, err
    assert "evil" not in err and max(len(line) for line in err.splitlines()) < 3000
    assert standin.calls["ListRepositoriesInDomain"] <= 100


def test_a_state_file_cannot_send_escape_sequences_to_the_terminal_of_whoever_reads_status(
    standin, tmp_path, home, capsys
):
    """Root runs ``status`` on the system service's config; the state file is the service user's. What
    it says is shown as text: a terminal's escape sequence in it is escaped, never sent."""
    config = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    (home / STATE).parent.mkdir(parents=True)
    key = load(config).domains[0].key
    entry = {
        "label": "acme\x1b]0;owned\x07",
        "last_error": "boom\x1b[2J\x1b]0;owned\x07",
        "failures": 1,
        "targets": {str(home / ".npmrc"): {"writer": "npm\x1b[8m", "outcome": "failed", "error": "e\x1b[2J"}},
    }
    (home / STATE).write_text(json.dumps({"domains": {key: entry}}))
    for args in (["status"], ["status", "--json"], ["wait", "--timeout", "0"]):
        cli.main([*args, "--config", str(config)])
        shown = capsys.readouterr()
        assert "\x1b" not in shown.out + shown.err, args
    cli.main(["status", "--config", str(config)])
    assert "boom\\x1b[2J\\x1b]0;owned\\x07" in capsys.readouterr().out
