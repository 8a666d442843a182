"""The Kubernetes stand-in driven by the real ``kubectl``: discovery, OpenAPI v3, protobuf bodies,
server-side apply with field managers, Status errors and tables as kubectl reads them. What the
Python client wrote, kubectl reads back, and the other way round, so the two agree on the wire."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from kubernetes import client, config

from codeartifact_refresher.testing import KubeStandIn
from tests.e2e.clients import client_env
from tests.e2e.tools import tool

APPLY = "application/apply-patch+yaml"


@pytest.fixture
def kube(kube_standin):
    return kube_standin


class Kubectl:
    """kubectl as ``user``, isolated: its own kubeconfig and HOME (the discovery cache is there)."""

    def __init__(self, kube: KubeStandIn, home: Path, user: str = "replica-a") -> None:
        self.env = client_env(home, KUBECONFIG=str(kube.write_kubeconfig(home / f"{user}.kubeconfig", user=user)))
        self.program = tool("kubectl", self.env)
        self.home = home

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.program, *args], env=self.env, input=stdin, capture_output=True, text=True, timeout=60, cwd=self.home
        )

    def ok(self, *args: str, stdin: str | None = None) -> str:
        done = self(*args, stdin=stdin)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture
def kubectl(kube, home) -> Kubectl:
    return Kubectl(kube, home)


def python_client(kube: KubeStandIn, home: Path, user: str = "python") -> client.ApiClient:
    return config.new_client_from_config(str(kube.write_kubeconfig(home / f"{user}.kubeconfig", user=user)))


def manifest(name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> str:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return json.dumps(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "labels": labels or {}}, "data": encoded}
    )


def test_kubectl_create_secret_generic_is_read_back_by_the_python_client(kube, kubectl, home):
    assert kubectl.ok("create", "secret", "generic", "npm-credentials", "--from-literal=.npmrc=registry=x") == (
        "secret/npm-credentials created\n"
    )
    read = client.CoreV1Api(python_client(kube, home)).read_namespaced_secret("npm-credentials", "default")
    assert base64.b64decode((read.data or {})[".npmrc"]) == b"registry=x" and read.type == "Opaque"
    assert [(w.verb, w.user, w.field_manager) for w in kube.writes] == [("create", "replica-a", "kubectl-create")]


def test_kubectl_get_secret_json_shows_what_the_python_client_applied(kube, kubectl, home):
    core = client.CoreV1Api(python_client(kube, home))
    body = json.loads(manifest("pip-credentials", {"pip.conf": "[global]"}, {"app": "codeartifact-refresher"}))
    core.patch_namespaced_secret("pip-credentials", "default", body, field_manager="refresher", _content_type=APPLY)
    shown = json.loads(kubectl.ok("get", "secret", "pip-credentials", "-o", "json", "--show-managed-fields"))
    assert base64.b64decode(shown["data"]["pip.conf"]) == b"[global]"
    assert shown["metadata"]["labels"] == {"app": "codeartifact-refresher"}
    assert [(f["manager"], f["operation"]) for f in shown["metadata"]["managedFields"]] == [("refresher", "Apply")]
    assert kubectl.ok("get", "secrets").split("\n")[:2][1].split()[:3] == ["pip-credentials", "Opaque", "1"]


def test_server_side_apply_conflicts_between_two_managers_until_forced(kube, kubectl):
    kubectl.ok(
        "apply", "--server-side", "--field-manager", "refresher", "-f", "-", stdin=manifest("s", {"token": "one"})
    )
    done = kubectl(
        "apply", "--server-side", "--field-manager", "someone", "-f", "-", stdin=manifest("s", {"token": "two"})
    )
    assert done.returncode != 0
    assert 'conflict with "refresher"' in done.stderr and ".data.token" in done.stderr
    assert kube.secret("default", "s")["data"] == {"token": "one"}
    kubectl.ok("apply", "--server-side", "--field-manager", "someone", "--force-conflicts", "-f", "-",
               stdin=manifest("s", {"token": "two"}))  # fmt: skip
    assert kube.secret("default", "s")["data"] == {"token": "two"}
    owners = {f["manager"] for f in kube.secret("default", "s")["metadata"]["managedFields"]}
    assert owners == {"someone"}  # the refresher owned nothing else, so it has no entry left
    assert [w.verb for w in kube.writes] == ["apply", "apply"]  # the refused apply wrote nothing


def test_a_key_dropped_from_the_manifest_goes_and_another_managers_key_stays(kube, kubectl, home):
    kubectl.ok("apply", "--server-side", "--field-manager", "refresher", "-f", "-",
               stdin=manifest("s", {"token": "t", "old": "o"}))  # fmt: skip
    core = client.CoreV1Api(python_client(kube, home))
    core.patch_namespaced_secret("s", "default", {"data": {"theirs": "eA=="}})  # a strategic merge patch
    kubectl.ok("apply", "--server-side", "--field-manager", "refresher", "-f", "-", stdin=manifest("s", {"token": "u"}))
    assert kube.secret("default", "s")["data"] == {"token": "u", "theirs": "x"}


def test_kubectl_get_lease_shows_the_holder_the_python_client_wrote(kube, kubectl, home):
    leases = client.CoordinationV1Api(python_client(kube, home))
    spec = client.V1LeaseSpec(holder_identity="replica-b", lease_duration_seconds=15, lease_transitions=2)
    leases.create_namespaced_lease("default", client.V1Lease(metadata=client.V1ObjectMeta(name="lock"), spec=spec))
    table = kubectl.ok("get", "lease", "lock").splitlines()
    assert table[0].split() == ["NAME", "HOLDER", "AGE"] and table[1].split()[:2] == ["lock", "replica-b"]
    shown = json.loads(kubectl.ok("get", "lease", "lock", "-o", "json"))
    assert shown["spec"] == {"holderIdentity": "replica-b", "leaseDurationSeconds": 15, "leaseTransitions": 2}


def test_kubectl_delete_then_get_is_not_found(kube, kubectl):
    kubectl.ok("create", "secret", "generic", "gone", "--from-literal=a=1")
    assert kubectl.ok("delete", "secret", "gone") == 'secret "gone" deleted\n'
    done = kubectl("get", "secret", "gone")
    assert done.returncode == 1 and 'Error from server (NotFound): secrets "gone" not found' in done.stderr
    assert kube.secret("default", "gone") is None and [w.verb for w in kube.writes] == ["create", "delete"]


def test_kubectl_shows_the_api_servers_forbidden_and_strict_validation_errors(kube, home):
    kube.allow("limited", "get", "secrets", names=["mine"])
    limited = Kubectl(kube, home, "limited")
    done = limited("get", "secret", "other")
    assert 'Error from server (Forbidden): secrets "other" is forbidden: User "limited" cannot get' in done.stderr
    admin = Kubectl(kube, home)
    unknown = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "dta": {}})
    done = admin("apply", "--server-side", "-f", "-", stdin=unknown)
    assert done.returncode != 0 and 'unknown field "dta"' in done.stderr
    assert kube.writes == []
