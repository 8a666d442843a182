"""The agent's socket as other users see it: real throw-away users and groups, and a forked child
that becomes one of them and asks (the client is the standard library's sockets alone)."""

import contextlib
import grp
import logging
import os
import tempfile
from pathlib import Path

import pytest

from codeartifact_refresher.agent import client
from codeartifact_refresher.agent.server import AgentServer, Answer

from ..privileges import in_child_as
from ..users import group, users

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="making throw-away users needs root (CI runs as root)")

TOKEN = "agent-token-" + "y" * 30


class Source:
    def credentials(self, query):
        return Answer("acme", "111122223333", "us-east-1", TOKEN, 2_000_000_000.0)


@pytest.fixture
def base():
    path = Path(tempfile.mkdtemp(prefix="agu-", dir="/tmp"))
    os.chmod(path, 0o755)  # root's, as /run or /var/lib: others may pass through to the socket's directory
    yield path
    for child in sorted(path.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    path.rmdir()


@pytest.fixture
def builders():
    """A group with a member, and a user outside it."""
    with group("agb") as name, users(("agin", (name,)), ("agout", ())) as (member, outsider):
        yield name, member, outsider


GROUP: list[str] = []  # the group of the test running


def asks(path: Path, expect: str):
    """A function for the child: ask, and check the outcome is ``expect`` (token, refused, unreachable)."""

    def ask() -> None:
        outcome, text = "token", ""
        try:
            text = client.credentials(domain="acme", path=path, timeout=5).token
        except client.AgentUnavailable as e:
            outcome, text = "unreachable", str(e)
        except client.AgentError as e:
            outcome, text = "refused", str(e)
        assert outcome == expect, text
        expected = {
            "token": TOKEN,
            "unreachable": "this user may not reach the daemon's socket",
            "refused": f"refused: only root may ask, and members of group {GROUP[0] if GROUP else ''}",
        }
        assert expected[outcome] in text

    return ask


def test_a_group_member_is_served_and_another_user_refused_by_uid(base, builders, caplog):
    name, member, outsider = builders
    GROUP[:] = [name]
    gid = grp.getgrnam(name).gr_gid
    agent = AgentServer(base / "d" / "agent.sock", Source(), group=name).start()
    try:
        with caplog.at_level(logging.WARNING, "codeartifact_refresher"):
            in_child_as(member.uid, member.gid, asks(agent.path, "token"), groups=[gid])
            # the outsider holds the group for this process only (so it can reach the socket) but is
            # no member: the kernel's word for its uid and groups is what counts, and refuses it
            in_child_as(outsider.uid, outsider.gid, asks(agent.path, "refused"), groups=[gid])
            # no way in at all without the group
            in_child_as(outsider.uid, outsider.gid, asks(agent.path, "unreachable"))
    finally:
        agent.stop()
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1
    assert f"{outsider.name} (uid {outsider.uid})" in refusals[0]
    assert TOKEN not in caplog.text


def test_without_a_group_other_users_cannot_reach_the_socket(base, builders):
    _, member, outsider = builders
    agent = AgentServer(base / "d" / "agent.sock", Source()).start()
    try:
        for user in (member, outsider):
            in_child_as(user.uid, user.gid, asks(agent.path, "unreachable"))
    finally:
        agent.stop()


def test_a_client_does_not_ask_a_socket_another_user_planted(base):
    """Another user listens where the client looks (a socket path in a directory others can write):
    the client asks nothing of it, and says who serves it; its own user's daemon is still asked."""
    import socket as sockets

    planted = base / "shared"
    planted.mkdir()
    os.chmod(planted, 0o1777)  # as /tmp: anyone may put a socket here
    path = planted / "agent.sock"
    with users(("agplant", ())) as (mallory,):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # mallory's fake daemon: one connection, a token of its own
            code = 1
            try:
                os.setgroups([])
                os.setgid(mallory.gid)
                os.setuid(mallory.uid)
                with sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM) as server:
                    server.bind(str(path))
                    server.listen(1)
                    os.write(write, b"x")
                    server.settimeout(10)
                    with contextlib.suppress(OSError), server.accept()[0] as conn:
                        conn.sendall(
                            b'{"v": 1, "ok": true, "domain": "acme", "owner": "1", "region": "r",'
                            b' "username": "aws", "token": "mallorys", "expires_at": 2000000000}\n'
                        )
                code = 0
            finally:
                os._exit(code)
        try:
            assert os.read(read, 1) == b"x"
            with pytest.raises(client.AgentUnavailable, match=f"served by uid {mallory.uid}.*not asked"):
                client.credentials(domain="acme", path=path, timeout=5)
        finally:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            os.close(read), os.close(write)
            path.unlink(missing_ok=True)
    agent = AgentServer(base / "d" / "agent.sock", Source()).start()  # root's daemon: trusted
    try:
        assert client.credentials(domain="acme", path=agent.path, timeout=5).token == TOKEN
    finally:
        agent.stop()
