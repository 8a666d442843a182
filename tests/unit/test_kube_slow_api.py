"""A Kubernetes API (or a proxy before it) that drips its answer a byte at a time, or answers
without end: a Secret request ends within its timeout, whole, and with a bounded body, so the
domain's file targets after it are not held up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from codeartifact_refresher.kube import secrets
from codeartifact_refresher.kube.connection import KubernetesError

pytest.importorskip("kubernetes")  # the [kubernetes] extra is in the test extra: never skipped in CI

SECRET = b'{"kind":"Secret","metadata":{"name":"x"},"data":{}}' + b" " * 200


def serve(listener: socket.socket, answer, stop: threading.Event) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=answer, args=(conn, stop), daemon=True).start()


def dripping(conn: socket.socket, stop: threading.Event) -> None:
    """Headers at once, then the body one byte every 0.2 s: each read well within the client's timeout."""
    with conn:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(SECRET))
        for byte in SECRET:
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return
            if stop.wait(0.2):  # the test is over (and no other test's patched sleep is met)
                return


def endless(conn: socket.socket, stop: threading.Event) -> None:
    """A body of 64 MiB, as fast as it goes."""
    with conn:
        conn.recv(65536)
        size = 64 * 1024 * 1024
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % size)
        chunk = b" " * 65536
        try:
            for _ in range(size // len(chunk)):
                if stop.is_set():
                    return
                conn.sendall(chunk)
        except OSError:
            return


@pytest.fixture
def api(request) -> Iterator[secrets.ApiStore]:
    from kubernetes.client import ApiClient, Configuration

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()
    threading.Thread(target=serve, args=(listener, request.param, stop), daemon=True).start()
    configuration = Configuration()
    configuration.host = f"http://127.0.0.1:{listener.getsockname()[1]}"
    yield secrets.ApiStore(ApiClient(configuration))
    stop.set()
    listener.close()


@pytest.mark.parametrize("api", [dripping], indirect=True)
def test_a_dripping_answer_ends_within_the_timeout(api, monkeypatch):
    monkeypatch.setattr(secrets, "TIMEOUT", 1.0)
    started = time.monotonic()
    with pytest.raises(KubernetesError, match=r"^cannot read secret ci/x: .* no whole answer within 1 s$"):
        api.read("ci", "x")
    assert time.monotonic() - started < 5  # before the fix: the whole drip, 50 s


@pytest.mark.parametrize("api", [endless], indirect=True)
def test_an_endless_answer_is_refused_past_the_bound(api):
    with pytest.raises(KubernetesError, match=r"answered more than \d+ bytes for one Secret"):
        api.read("ci", "x")


@pytest.mark.parametrize("api", [dripping], indirect=True)
def test_a_dripping_lease_answer_ends_the_round_within_its_timeout(api):
    from codeartifact_refresher.kube.lease import LeaseError
    from codeartifact_refresher.kube.lease_api import KubeLeaseApi

    lease = KubeLeaseApi(api.core.api_client, "ci", "codeartifact-refresher")
    started = time.monotonic()
    with pytest.raises(LeaseError, match=r"^cannot read the Lease ci/codeartifact-refresher: TimeoutError$"):
        lease.get(timeout=1.0)
    assert time.monotonic() - started < 5  # before the fix: the whole drip, 50 s


def test_a_lease_answered_without_a_spec_is_held_by_nobody():
    """A Secret's JSON (or any object without ``spec``) where a Lease was asked for: before, an
    AttributeError on the election's thread, which then stopped electing for good."""
    from kubernetes.client import V1Lease, V1ObjectMeta

    from codeartifact_refresher.kube.lease_api import _record

    record = _record(V1Lease(metadata=V1ObjectMeta(name="x", resource_version="7")))
    assert (record.holder, record.duration, record.transitions, record.version) == ("", 0, 0, "7")
    assert _record(V1Lease()).version == ""
