"""The election's Lease calls through the official client (``CoordinationV1Api``) against the
Kubernetes API stand-in: create, read, update with the resourceVersion read, 409 on a stale one,
release, and a refusal worded for the person who must fix the Role."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from codeartifact_refresher.kube import connection
from codeartifact_refresher.kube.election import Elector
from codeartifact_refresher.kube.lease import Conflict, LeaseError
from codeartifact_refresher.kube.lease_api import KubeLeaseApi
from codeartifact_refresher.kube.settings import Settings
from codeartifact_refresher.testing import KubeStandIn

NAME = "codeartifact-refresher"


@pytest.fixture
def kube(kube_standin):
    return kube_standin


def api_for(kube: KubeStandIn, tmp_path: Path, user: str) -> KubeLeaseApi:
    kubeconfig = kube.write_kubeconfig(tmp_path / f"{user}.kubeconfig", user=user)
    return KubeLeaseApi(connection.client(Settings("default", str(kubeconfig), NAME)), "default", NAME)


class Clock:
    def __init__(self) -> None:
        self.mono = 0.0

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> datetime:
        return datetime(2026, 12, 7, tzinfo=timezone.utc) + timedelta(seconds=self.mono)


def test_two_replicas_elect_through_the_real_client(kube, tmp_path):
    ca, cb = Clock(), Clock()
    a = Elector(api_for(kube, tmp_path, "replica-a"), "a_1", monotonic=ca.monotonic, wall=ca.wall)
    b = Elector(api_for(kube, tmp_path, "replica-b"), "b_2", monotonic=cb.monotonic, wall=cb.wall)
    assert a.try_acquire_or_renew()  # created
    assert not b.try_acquire_or_renew() and b.leader == "a_1"
    ca.mono += 2
    assert a.try_acquire_or_renew()  # renewed with the version it read
    spec = (kube.lease("default", NAME) or {})["spec"]
    assert spec["holderIdentity"] == "a_1" and spec["leaseDurationSeconds"] == 15 and spec["leaseTransitions"] == 0
    assert spec["renewTime"].startswith("2026-12-07T00:00:02")
    assert a.release()
    spec = (kube.lease("default", NAME) or {})["spec"]
    assert spec.get("holderIdentity") in (None, "") and spec["leaseDurationSeconds"] == 1
    assert b.try_acquire_or_renew() and b.term == 1
    users = [c.user for c in kube.lease_history("default", NAME)]
    assert users == ["replica-a", "replica-a", "replica-a", "replica-b"]


def test_a_stale_resource_version_is_a_conflict(kube, tmp_path):
    api = api_for(kube, tmp_path, "replica-a")
    c = Clock()
    Elector(api, "a_1", monotonic=c.monotonic, wall=c.wall).try_acquire_or_renew()
    first = api.get(5)
    assert first is not None
    api.update(first, 5)  # moves the resourceVersion on
    with pytest.raises(Conflict):
        api.update(first, 5)
    with pytest.raises(Conflict):
        api.create(first, 5)


def test_a_role_without_the_lease_says_what_it_needs(kube, tmp_path):
    kube.allow("replica-a", "get", "secrets")
    api = api_for(kube, tmp_path, "replica-a")
    with pytest.raises(LeaseError, match=r"HTTP 403.*needs get, create and update on this Lease"):
        api.get(5)


def test_a_time_on_a_whole_second_is_still_sent_with_six_fraction_digits():
    """The API server reads a Lease's MicroTime as RFC 3339 with exactly six fraction digits; the
    client's ``isoformat()`` would leave them out on a whole second."""
    import re
    from datetime import datetime, timezone

    from kubernetes.client import ApiClient, V1LeaseSpec

    from codeartifact_refresher.kube.lease_api import micro

    whole = datetime(2026, 12, 7, 23, 59, 1, tzinfo=timezone.utc)
    sent = ApiClient().sanitize_for_serialization(V1LeaseSpec(renew_time=micro(whole)))["renewTime"]
    assert re.fullmatch(r"2026-12-07T23:59:01\.\d{6}\+00:00", sent), sent
    later = whole.replace(microsecond=250_000)
    assert micro(later) == later and micro(None) is None
