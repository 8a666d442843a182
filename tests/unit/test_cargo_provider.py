"""cargo's credential-provider protocol, as cargo's ``cargo-credential`` crate defines it: the hello,
then one response per request, the token as cargo sends it with its expiry, and errors of the kinds
cargo knows (``url-not-supported`` lets it try the registry's next provider)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codeartifact_refresher.helpers import cargo_provider

from ..agent_fake import live, refusing, serving

INDEX = "sparse+https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/cargo/cargo-store/"


def request(kind="get", operation="read", index=INDEX, **extra):
    message = {"v": 1, "registry": {"index-url": index, "name": "codeartifact"}, "kind": kind, **extra}
    if kind == "get":
        message["operation"] = operation
    return json.dumps(message) + "\n"


@pytest.fixture
def agent(monkeypatch):
    with serving(monkeypatch, live("FAKE-TOKEN-1", 1765200000.5)) as fake:
        yield fake


def converse(*lines: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    status = cargo_provider.serve(io.StringIO("".join(lines)), out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_hello_then_the_bearer_token_with_its_expiry_for_each_request(agent):
    status, replies = converse(
        request(),
        request(operation="publish", name="c", vers="1.0.0", cksum="00"),
        request(operation="yank", name="c", vers="1.0.0"),
    )
    assert status == 0 and replies[0] == {"v": [1]}
    expected = {
        "Ok": {
            "kind": "get",
            "token": "Bearer FAKE-TOKEN-1",
            "cache": "expires",
            "expiration": 1765200000,
            "operation_independent": True,
        }
    }
    assert replies[1:] == [expected] * 3
    assert [r["url"] for r in agent.requests] == [INDEX.removeprefix("sparse+")] * 3


@pytest.mark.parametrize("kind", ["login", "logout", "something-new"])
def test_login_and_logout_are_not_supported(agent, kind):
    _, replies = converse(request(kind=kind))
    assert replies[1] == {"Err": {"kind": "operation-not-supported"}} and agent.requests == []


@pytest.mark.parametrize("index", ["https://github.com/rust-lang/crates.io-index", "registry+https://x/", ""])
def test_a_non_sparse_index_is_not_ours(agent, index):
    _, replies = converse(request(index=index))
    assert replies[1] == {"Err": {"kind": "url-not-supported"}} and agent.requests == []


def test_another_sparse_registry_the_daemon_does_not_serve_is_not_ours(agent):
    agent.answer = refusing("no configured domain matches this url")
    _, replies = converse(request(index="sparse+https://index.crates.io/"))
    assert replies[1] == {"Err": {"kind": "url-not-supported"}}


def test_a_codeartifact_registry_without_a_token_says_why_in_one_line(agent):
    agent.answer = refusing("the token for acme could not be refreshed: AccessDenied")
    _, replies = converse(request())
    error = replies[1]["Err"]
    assert error["kind"] == "other" and "AccessDenied" in error["message"] and "\n" not in error["message"]


def test_no_daemon_is_an_error_naming_the_socket(monkeypatch, tmp_path):
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_SOCKET", str(tmp_path / "none.sock"))
    _, replies = converse(request())
    assert replies[1]["Err"]["kind"] == "other" and "none.sock" in replies[1]["Err"]["message"]


def test_another_protocol_version_or_garbage(agent):
    _, replies = converse(json.dumps({"v": 2, "registry": {"index-url": INDEX}, "kind": "get"}) + "\n")
    assert replies[1]["Err"]["kind"] == "other"
    status, replies = converse("not json\n", request())
    assert status == 1 and replies[1]["Err"]["kind"] == "other" and len(replies) == 2


def test_the_command_cargo_runs(agent, tmp_path):
    """``cargo-credential-codeartifact-refresher --cargo-plugin`` (the console script): the protocol
    on stdout alone."""
    env = {**os.environ, "CODEARTIFACT_REFRESHER_SOCKET": str(agent.path)}
    script = shutil.which("cargo-credential-codeartifact-refresher", path=str(Path(sys.executable).parent))
    assert script, "the console script is installed beside the interpreter"
    cmd = [script, "--cargo-plugin"]
    done = subprocess.run(cmd, input=request(), env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0] == {"v": [1]} and lines[1]["Ok"]["token"] == "Bearer FAKE-TOKEN-1"
    assert "FAKE-TOKEN-1" not in done.stderr
    alone = subprocess.run(cmd[:-1], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert alone.returncode == 2 and "credential-provider" in alone.stderr and alone.stdout == ""
