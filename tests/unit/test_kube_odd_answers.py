"""A Kubernetes API answering a Secret of the wrong shape (odd ``managedFields``, ``data`` that is
not base64, not JSON): the target fails with one line, not an internal error and a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from codeartifact_refresher.kube.connection import KubernetesError
from codeartifact_refresher.kube.secrets import ApiStore, parse

pytest.importorskip("kubernetes")  # the [kubernetes] extra is in the test extra: never skipped in CI


class Response:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, amount: int) -> bytes:
        return self.body[:amount]

    def release_conn(self) -> None:
        pass


class Core:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def read_namespaced_secret(self, name: str, namespace: str, **_: Any) -> Response:
        return Response(self.body)


def secret(**fields: Any) -> bytes:
    return json.dumps({"kind": "Secret", "metadata": {"name": "x"}, **fields}).encode()


@pytest.mark.parametrize(
    "body",
    [
        secret(metadata={"name": "x", "managedFields": [None, "Apply"]}),
        secret(
            metadata={
                "name": "x",
                "managedFields": [{"manager": "codeartifact-refresher", "operation": "Apply", "fieldsV1": "f:data"}],
            }
        ),
        secret(metadata={"name": "x", "managedFields": {"manager": "x"}}),
        secret(metadata={"name": "x", "labels": ["a"]}),
        secret(metadata="x"),
        secret(data={"k": "not base64!"}),
        secret(data=["k"]),
        secret(data={"k": 5}),
        b"[1, 2]",
        b"not json",
        b"\xff\xfe",
    ],
)
def test_a_secret_of_the_wrong_shape_is_one_line(body):
    from kubernetes.client import ApiClient

    store = ApiStore(ApiClient())
    store.core = Core(body)  # type: ignore[assignment]
    with pytest.raises(KubernetesError, match=r"^cannot read secret ci/x: the Kubernetes API answered"):
        store.read("ci", "x")


def test_a_well_formed_secret_still_parses():
    assert parse(json.loads(secret(data={"k": "dg=="}))).data == {"k": b"v"}
