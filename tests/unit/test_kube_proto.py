"""kubectl's protobuf bodies, as the Kubernetes stand-in reads them."""

from __future__ import annotations

import pytest

from codeartifact_refresher.testing import kube_proto
from codeartifact_refresher.testing.kube_objects import ApiError

#: what kubectl v1.32.4 sent for
#: ``kubectl create secret generic s2 --from-literal=a=1 --from-literal=.npmrc=x --type=example.com/x``
KUBECTL_SECRET = bytes.fromhex(
    "6b387300 0a0c0a02 76311206 53656372 65741238 0a120a02 73321200 1a002200"
    "2a003200 38004200 120b0a06 2e6e706d 72631201 7812060a 01611201 311a0d65"
    "78616d70 6c652e63 6f6d2f78 1a002200".replace(" ", "")
)


def test_kubectls_secret_is_read_with_empty_fields_left_out():
    assert kube_proto.decode(KUBECTL_SECRET) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s2"},
        "data": {".npmrc": "eA==", "a": "MQ=="},
        "type": "example.com/x",
    }


def field(number: int, payload: bytes | int) -> bytes:
    """One protobuf field: a varint, or length-delimited bytes."""
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = field(1, api_version.encode()) + field(2, kind.encode())
    return kube_proto.MAGIC + field(1, type_meta) + field(2, raw)


def test_a_lease_with_micro_times_and_labels():
    label = field(1, b"app") + field(2, b"refresher")
    metadata = field(1, b"lock") + field(3, b"ci") + field(11, label)
    renew = field(1, 1_700_000_000) + field(2, 123_456_000)
    spec = field(1, b"replica-a") + field(2, 15) + field(4, renew) + field(5, 3)
    lease = kube_proto.decode(envelope("coordination.k8s.io/v1", "Lease", field(1, metadata) + field(2, spec)))
    assert lease == {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "lock", "namespace": "ci", "labels": {"app": "refresher"}},
        "spec": {
            "holderIdentity": "replica-a",
            "leaseDurationSeconds": 15,
            "renewTime": "2023-11-14T22:13:20.123456Z",
            "leaseTransitions": 3,
        },
    }


@pytest.mark.parametrize(
    "body",
    [b"{}", envelope("v1", "ConfigMap", b""), KUBECTL_SECRET[:-30]],
    ids=["no envelope", "another kind", "truncated"],
)
def test_what_it_cannot_read_is_a_400(body):
    with pytest.raises(ApiError) as caught:
        kube_proto.decode(body)
    assert caught.value.code == 400
