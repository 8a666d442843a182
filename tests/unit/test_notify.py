import os
import socket

import pytest

from codeartifact_refresher.service.notify import Notifier


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield str(path), sock
    sock.close()


def test_nothing_without_notify_socket():
    notifier = Notifier({})
    assert not notifier.enabled and notifier.ready("x") is False and notifier.watchdog() is False


def test_messages_reach_the_socket(notify_socket):
    path, sock = notify_socket
    notifier = Notifier({"NOTIFY_SOCKET": path})
    assert notifier.ready("1 of 1 domain(s) OK\nsecond line")
    assert sock.recv(4096) == b"READY=1\nSTATUS=1 of 1 domain(s) OK second line"
    notifier.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    notifier.stopping()
    assert sock.recv(4096) == b"STOPPING=1"


def test_a_receiver_that_does_not_read_never_blocks_the_sender(notify_socket):
    path, _ = notify_socket  # nobody reads: the datagram queue fills after a few messages
    notifier = Notifier({"NOTIFY_SOCKET": path})
    results = [notifier.watchdog() for _ in range(1000)]  # would hang here if sendto blocked
    assert results[0] is True and results[-1] is False


def test_abstract_socket_names_start_with_at():
    name = f"codeartifact-refresher-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    try:
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).status("fine")
        assert sock.recv(4096) == b"STATUS=fine"
    finally:
        sock.close()


def test_a_missing_socket_is_not_fatal(tmp_path):
    assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).watchdog() is False


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 30.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
        ({"WATCHDOG_USEC": "junk"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval(environ, expected):
    assert Notifier(environ).watchdog_seconds == expected
