"""The agent's socket: its directory's permissions, a stale socket, and the server's dispatch,
with a real socket and a stand-in source of credentials."""

import grp
import logging
import os
import socket
import tempfile
import time
from pathlib import Path

import pytest

from codeartifact_refresher.agent import client, directory, protocol, server
from codeartifact_refresher.agent.server import AgentServer, Answer, Refused

from ..users import group, skip_unless_root, users

TOKEN = "tok-" + "x" * 40  # what the fake source hands out


class FakeSource:
    def __init__(self):
        self.queries = []

    def credentials(self, query):
        self.queries.append(query)
        if query.domain == "nope":
            raise Refused("nope: no live token: AccessDenied")
        return Answer("acme", "111122223333", "us-east-1", TOKEN, 2_000_000_000.0)


@pytest.fixture
def base():
    """A short directory (a socket's path is at most 107 bytes), root's and 0755 as /run is."""
    path = Path(tempfile.mkdtemp(prefix="agt-", dir="/tmp"))
    os.chmod(path, 0o755)
    yield path
    for child in sorted(path.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() and not child.is_symlink() else child.unlink()
    path.rmdir()


@pytest.fixture
def serving(base):
    source = FakeSource()
    agent = AgentServer(base / "d" / "agent.sock", source).start()
    yield agent, source
    agent.stop()


def raw(path, data: bytes) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(path))
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        return protocol.decode(protocol.read_line(s, time.monotonic() + 5, "reply"), "reply")


def test_credentials_by_url_and_the_directory_made_private(serving):
    agent, source = serving
    got = client.credentials(url="https://h/pypi/r/simple/", path=agent.path, timeout=3)
    assert (got.domain, got.owner, got.region, got.username, got.token) == (
        "acme",
        "111122223333",
        "us-east-1",
        "aws",
        TOKEN,
    )
    assert source.queries[0].url == "https://h/pypi/r/simple/"
    assert source.queries[0].timeout == pytest.approx(3 - client.SLACK)
    assert os.stat(agent.path.parent).st_mode & 0o777 == 0o700
    assert os.stat(agent.path).st_mode & 0o777 == 0o600
    assert client.ask({"op": "ping"}, agent.path) == {"v": 1, "ok": True}


def test_a_refusal_and_protocol_errors_are_one_line_replies(serving):
    agent, _ = serving
    with pytest.raises(client.AgentError, match=r"^nope: no live token: AccessDenied$"):
        client.credentials(domain="nope", path=agent.path)
    with pytest.raises(client.AgentError, match="unknown op 'steal'; expected one of: credentials, environment, ping"):
        client.ask({"op": "steal"}, agent.path)
    assert raw(agent.path, b"garbage\n")["error"] == "the request is not one line of JSON"
    assert "longer than" in raw(agent.path, b"x" * (protocol.MAX_LINE + 10))["error"]


def test_a_new_op_is_one_entry_of_the_table(serving, monkeypatch):
    agent, _ = serving
    monkeypatch.setitem(server.OPS, "environment", lambda request, context: protocol.ok(uid=context.peer.uid))
    assert client.ask({"op": "environment"}, agent.path)["uid"] == os.geteuid()


def test_no_daemon_is_unavailable_not_an_error(base):
    with pytest.raises(client.AgentUnavailable, match="no daemon is listening at"):
        client.credentials(domain="acme", path=base / "none.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(base / "stale.sock"))
    stale.close()  # bound, never listening: what a killed daemon leaves
    with pytest.raises(client.AgentUnavailable, match="no daemon is listening at"):
        client.credentials(domain="acme", path=base / "stale.sock")


def test_a_stale_socket_is_replaced(base):
    (base / "d").mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(base / "d" / "agent.sock"))
    stale.close()
    agent = AgentServer(base / "d" / "agent.sock", FakeSource()).start()
    try:
        assert client.credentials(domain="acme", path=agent.path).token == TOKEN
    finally:
        agent.stop()
    assert not agent.path.exists()


def test_a_live_socket_or_a_file_is_not_replaced(serving, base):
    agent, _ = serving
    with pytest.raises(directory.SocketError, match="another daemon already serves"):
        AgentServer(agent.path, FakeSource()).start()
    assert client.ask({"op": "ping"}, agent.path)["ok"]
    (base / "f").mkdir(mode=0o700)
    (base / "f" / "agent.sock").write_text("mine")
    with pytest.raises(directory.SocketError, match="exists and is not a socket"):
        AgentServer(base / "f" / "agent.sock", FakeSource()).start()
    assert (base / "f" / "agent.sock").read_text() == "mine"


@skip_unless_root()
@pytest.mark.parametrize("mode", [0o755, 0o750, 0o701, 0o707])
def test_a_wider_directory_is_refused(base, mode, users_group):
    d = base / "d"
    d.mkdir()
    os.chmod(d, mode)
    os.chown(d, -1, users_group)
    with pytest.raises(directory.SocketError, match=f"has mode {mode:04o}, wider than 0700; run: chmod 0700"):
        AgentServer(d / "agent.sock", FakeSource()).start()
    assert not (d / "agent.sock").exists()


@pytest.fixture
def users_group():
    """A group other users are in (a wider directory's group must not be a private one)."""
    with group("agt") as name, users(("agtm", (name,))):
        yield grp.getgrnam(name).gr_gid


@skip_unless_root()
def test_a_directory_someone_else_owns_or_a_symlink_is_refused(base):
    theirs = base / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(directory.SocketError, match=r"is owned by nobody \(uid 65534\), not this daemon's user"):
        AgentServer(theirs / "agent.sock", FakeSource()).start()
    (base / "real").mkdir(mode=0o700)
    (base / "link").symlink_to(base / "real")
    with pytest.raises(directory.SocketError, match="is not a directory"):
        AgentServer(base / "link" / "agent.sock", FakeSource()).start()


def test_a_parent_others_can_write_is_refused(base):
    os.chmod(base, 0o777)
    with pytest.raises(directory.SocketError, match="is writable by every user, so others could replace the socket"):
        AgentServer(base / "d" / "agent.sock", FakeSource()).start()
    assert not (base / "d").exists()


@skip_unless_root()
def test_with_a_group_the_directory_is_0750_and_the_groups(base, users_group):
    name = grp.getgrgid(users_group).gr_name
    agent = AgentServer(base / "d" / "agent.sock", FakeSource(), group=name).start()
    try:
        info, sock = os.stat(agent.path.parent), os.stat(agent.path)
        assert (info.st_mode & 0o777, info.st_gid) == (0o750, users_group)
        assert (sock.st_mode & 0o777, sock.st_gid) == (0o660, users_group)
    finally:
        agent.stop()


def test_the_log_never_holds_the_token(serving, caplog):
    agent, _ = serving
    with caplog.at_level(logging.DEBUG, "codeartifact_refresher"):
        client.credentials(domain="acme", path=agent.path)
    assert TOKEN not in caplog.text


def test_missing_parents_are_made_private_whatever_the_umask(base):
    old = os.umask(0o022)
    try:
        agent = AgentServer(base / "p" / "q" / "d" / "agent.sock", FakeSource()).start()
    finally:
        os.umask(old)
    try:
        for made in (base / "p", base / "p" / "q", base / "p" / "q" / "d"):
            assert os.stat(made).st_mode & 0o777 == 0o700, made
    finally:
        agent.stop()
