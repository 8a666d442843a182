"""The Kubernetes stand-in driven by the official Python client: the Secret output's and leader
election's tests rely on it answering as the API server does."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import pytest
import urllib3
from kubernetes import client, config

from codeartifact_refresher.testing import KubeStandIn

APPLY = "application/apply-patch+yaml"


@pytest.fixture
def kube(kube_standin):
    return kube_standin


def api_for(kube: KubeStandIn, tmp_path, user: str = "replica-a") -> client.ApiClient:
    return config.new_client_from_config(str(kube.write_kubeconfig(tmp_path / f"{user}.kubeconfig", user=user)))


@pytest.fixture
def core(kube, tmp_path) -> client.CoreV1Api:
    return client.CoreV1Api(api_for(kube, tmp_path))


@pytest.fixture
def leases(kube, tmp_path) -> client.CoordinationV1Api:
    return client.CoordinationV1Api(api_for(kube, tmp_path))


def secret_config(name: str, data: dict[str, str] | None = None, **fields) -> dict:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, **fields.pop("metadata", {})}, **fields}
    if data is not None:
        body["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return body


def apply(core: client.CoreV1Api, body: dict, manager: str, force: bool = False) -> client.V1Secret:
    name = body["metadata"]["name"]
    return core.patch_namespaced_secret(name, "default", body, field_manager=manager, force=force, _content_type=APPLY)


def failure(call) -> dict:
    with pytest.raises(client.ApiException) as caught:
        call()
    status = json.loads(caught.value.body or "null")
    assert status["kind"] == "Status" and status["code"] == caught.value.status
    return status


# -- Secrets --------------------------------------------------------------------------------------


def test_a_created_secret_has_string_data_folded_into_data_and_server_metadata(kube, core):
    made = core.create_namespaced_secret(
        "default", client.V1Secret(metadata=client.V1ObjectMeta(name="npm-credentials"), string_data={".npmrc": "x=1"})
    )
    assert made.data == {".npmrc": base64.b64encode(b"x=1").decode()} and made.string_data is None
    assert made.type == "Opaque" and made.metadata.uid and made.metadata.creation_timestamp is not None
    read = core.read_namespaced_secret("npm-credentials", "default")
    assert read.metadata.resource_version == made.metadata.resource_version
    assert kube.secret("default", "npm-credentials")["data"] == {".npmrc": "x=1"}
    assert [(w.verb, w.kind, w.name, w.user) for w in kube.writes] == [
        ("create", "Secret", "npm-credentials", "replica-a")
    ]


def test_creating_twice_is_409_already_exists_and_reading_nothing_is_404(core):
    body = client.V1Secret(metadata=client.V1ObjectMeta(name="twice"))
    core.create_namespaced_secret("default", body)
    assert failure(lambda: core.create_namespaced_secret("default", body))["reason"] == "AlreadyExists"
    missing = failure(lambda: core.read_namespaced_secret("absent", "default"))
    assert (missing["code"], missing["reason"], missing["message"]) == (404, "NotFound", 'secrets "absent" not found')


def test_an_update_with_a_stale_resource_version_is_409_conflict(core):
    made = core.create_namespaced_secret("default", client.V1Secret(metadata=client.V1ObjectMeta(name="s"), data={}))
    made.data = {"a": "YQ=="}
    updated = core.replace_namespaced_secret("s", "default", made)
    assert int(updated.metadata.resource_version) > int(made.metadata.resource_version)
    made.data = {"b": "Yg=="}  # still carries the old resourceVersion
    status = failure(lambda: core.replace_namespaced_secret("s", "default", made))
    assert status["reason"] == "Conflict" and "the object has been modified" in status["message"]
    assert core.read_namespaced_secret("s", "default").data == {"a": "YQ=="}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (secret_config("Bad_Name"), "metadata.name"),
        (secret_config("ok", {"bad key": "x"}), "data[bad key]"),
        (secret_config("big", {"a": "x" * (1024 * 1024), "b": "y"}), "data"),
    ],
)
def test_invalid_names_keys_and_sizes_are_422_naming_the_field(core, body, field):
    status = failure(lambda: core.create_namespaced_secret("default", body))
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert [c["field"] for c in status["details"]["causes"]] == [field]


def test_a_secret_of_exactly_one_mebibyte_is_accepted(core):
    core.create_namespaced_secret("default", secret_config("full", {"a": "x" * (1024 * 1024)}))


def test_delete_removes_it_and_says_success(kube, core):
    core.create_namespaced_secret("default", secret_config("gone", {"a": "1"}))
    status = core.delete_namespaced_secret("gone", "default")
    assert status["status"] == "Success" and kube.secret("default", "gone") is None  # the client gives a dict
    assert failure(lambda: core.delete_namespaced_secret("gone", "default"))["code"] == 404


# -- server-side apply ----------------------------------------------------------------------------


def test_apply_creates_then_tracks_the_managers_fields(core):
    config = secret_config("s", {".npmrc": "one"}, metadata={"labels": {"app": "refresher"}})
    apply(core, config, "codeartifact-refresher")
    fields = core.read_namespaced_secret("s", "default").metadata.managed_fields
    assert [(f.manager, f.operation) for f in fields] == [("codeartifact-refresher", "Apply")]
    assert fields[0].fields_v1 == {
        "f:data": {".": {}, "f:.npmrc": {}},
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
    }


def test_a_field_another_manager_owns_with_another_value_is_a_conflict_naming_it(core):
    apply(core, secret_config("s", {"token": "one"}), "theirs")
    status = failure(lambda: apply(core, secret_config("s", {"token": "two"}), "ours"))
    assert status["reason"] == "Conflict"
    assert status["details"]["causes"] == [
        {"type": "FieldManagerConflict", "message": 'conflict with "theirs" using v1', "field": ".data.token"}
    ]
    assert 'conflict with "theirs"' in status["message"]
    same = apply(core, secret_config("s", {"token": "one"}), "ours")  # the same value: shared, no conflict
    assert sorted(str(f.manager) for f in same.metadata.managed_fields) == ["ours", "theirs"]


def test_force_takes_the_field_over(core):
    apply(core, secret_config("s", {"token": "one", "other": "x"}), "theirs")
    taken = apply(core, secret_config("s", {"token": "two"}), "ours", force=True)
    owners = {f.manager: f.fields_v1 for f in taken.metadata.managed_fields}
    assert owners["ours"] == {"f:data": {".": {}, "f:token": {}}}
    assert owners["theirs"] == {"f:data": {".": {}, "f:other": {}}}


def test_a_field_a_manager_stops_applying_goes_unless_another_owns_it(kube, core):
    apply(core, secret_config("s", {"a": "1", "b": "2", "shared": "s"}), "ours")
    apply(core, secret_config("s", {"shared": "s", "theirs": "t"}), "theirs")
    apply(core, secret_config("s", {"a": "1"}), "ours")
    assert kube.secret("default", "s")["data"] == {"a": "1", "shared": "s", "theirs": "t"}


def test_a_key_another_manager_added_survives_our_applies(kube, core):
    apply(core, secret_config("s", {"token": "one"}), "codeartifact-refresher")
    core.patch_namespaced_secret("s", "default", {"data": {"extra": "eA=="}})  # a strategic merge patch
    apply(core, secret_config("s", {"token": "two"}), "codeartifact-refresher")
    assert kube.secret("default", "s")["data"] == {"token": "two", "extra": "x"}


def test_apply_needs_a_field_manager(core):
    body = secret_config("s", {"a": "1"})
    status = failure(lambda: core.patch_namespaced_secret("s", "default", body, _content_type=APPLY))
    assert status["code"] == 400 and "fieldManager is required" in status["message"]


# -- Leases ---------------------------------------------------------------------------------------


def test_a_lease_keeps_micro_times_and_counts_its_history(kube, leases):
    now = datetime.datetime.now(datetime.timezone.utc)
    spec = client.V1LeaseSpec(holder_identity="replica-a", lease_duration_seconds=15, acquire_time=now, renew_time=now)
    made = leases.create_namespaced_lease(
        "default", client.V1Lease(metadata=client.V1ObjectMeta(name="lock"), spec=spec)
    )
    assert made.spec.renew_time == now and made.spec.lease_duration_seconds == 15
    made.spec.holder_identity, made.spec.lease_transitions = "replica-b", 1
    leases.replace_namespaced_lease("lock", "default", made)
    assert kube.lease("default", "lock")["spec"]["renewTime"] == now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    history = kube.lease_history("default", "lock")
    assert [(c.spec["holderIdentity"], c.spec.get("leaseTransitions")) for c in history] == [
        ("replica-a", None),
        ("replica-b", 1),
    ]
    status = failure(lambda: leases.replace_namespaced_lease("lock", "default", made))  # made is stale now
    assert status["reason"] == "Conflict" and "leases.coordination.k8s.io" in status["message"]


# -- who may do what, and faults --------------------------------------------------------------------


def test_no_token_is_401(kube, tmp_path):
    plain = client.Configuration()
    plain.host = kube.url
    plain.ssl_ca_cert = str(tmp_path / "ca.pem")
    (tmp_path / "ca.pem").write_bytes(kube.certificate.pem)
    status = failure(lambda: client.CoreV1Api(client.ApiClient(plain)).read_namespaced_secret("s", "default"))
    assert status["reason"] == "Unauthorized"


def test_a_role_limited_to_named_secrets_is_403_elsewhere(kube, tmp_path, core):
    core.create_namespaced_secret("default", secret_config("ours", {"a": "1"}))
    core.create_namespaced_secret("default", secret_config("not-ours", {"a": "1"}))
    kube.allow("limited", "get", "secrets", names=["ours"])
    kube.allow("limited", "patch", "secrets", names=["ours"])
    limited = client.CoreV1Api(api_for(kube, tmp_path, "limited"))
    assert limited.read_namespaced_secret("ours", "default").metadata.name == "ours"
    apply(limited, secret_config("ours", {"a": "2"}), "limited", force=True)
    status = failure(lambda: limited.read_namespaced_secret("not-ours", "default"))
    assert status["code"] == 403 and status["message"] == (
        'secrets "not-ours" is forbidden: User "limited" cannot get resource "secrets" in API group "" in the namespace "default"'
    )
    assert failure(lambda: apply(limited, secret_config("new", {"a": "1"}), "limited"))["code"] == 403  # needs create


def test_injected_faults_answer_the_next_requests_then_stop(kube, core):
    kube.inject(times=2, code=500, verb="get", resource="secrets")
    core.create_namespaced_secret("default", secret_config("s", {"a": "1"}))  # not a get: not failed
    assert failure(lambda: core.read_namespaced_secret("s", "default"))["code"] == 500
    assert failure(lambda: core.read_namespaced_secret("s", "default"))["code"] == 500
    assert core.read_namespaced_secret("s", "default").metadata.name == "s"


def test_two_replicas_updating_from_the_same_read_one_wins_one_gets_409(kube, tmp_path, leases):
    spec = client.V1LeaseSpec(holder_identity="nobody", lease_duration_seconds=15)
    leases.create_namespaced_lease("default", client.V1Lease(metadata=client.V1ObjectMeta(name="lock"), spec=spec))
    apis = {user: client.CoordinationV1Api(api_for(kube, tmp_path, user)) for user in ("replica-a", "replica-b")}
    read = {user: api.read_namespaced_lease("lock", "default") for user, api in apis.items()}
    outcomes = {}
    for user, api in apis.items():
        read[user].spec.holder_identity = user
        try:
            api.replace_namespaced_lease("lock", "default", read[user])
            outcomes[user] = 200
        except client.ApiException as e:
            outcomes[user] = e.status
    assert outcomes == {"replica-a": 200, "replica-b": 409}
    assert [(c.user, c.spec["holderIdentity"]) for c in kube.lease_history("default", "lock")] == [
        ("replica-a", "nobody"),  # the fixture's client is replica-a too
        ("replica-a", "replica-a"),
    ]


def test_an_update_takes_a_field_from_its_applier_who_then_conflicts(core):
    apply(core, secret_config("s", {"token": "one"}, metadata={"labels": {"app": "refresher"}}), "refresher")
    read = core.read_namespaced_secret("s", "default")
    read.metadata.labels = {"app": "edited"}
    core.replace_namespaced_secret("s", "default", read)
    owners = {f.manager: f.fields_v1 for f in core.read_namespaced_secret("s", "default").metadata.managed_fields}
    assert owners["OpenAPI-Generator"] == {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}
    assert owners["refresher"] == {"f:data": {".": {}, "f:token": {}}}
    body = secret_config("s", {"token": "one"}, metadata={"labels": {"app": "refresher"}})
    status = failure(lambda: apply(core, body, "refresher"))
    assert status["details"]["causes"][0]["field"] == ".metadata.labels.app"


def test_a_key_applied_as_string_data_is_owned_there_and_stays_when_dropped(kube, core):
    """As on a real cluster (the docs: stringData "does not work well with server-side apply")."""
    apply(core, {**secret_config("s"), "stringData": {"token": "one"}}, "refresher")
    fields = core.read_namespaced_secret("s", "default").metadata.managed_fields
    assert fields[0].fields_v1 == {"f:stringData": {".": {}, "f:token": {}}}
    apply(core, secret_config("s", {"other": "x"}), "refresher")
    assert kube.secret("default", "s")["data"] == {"token": "one", "other": "x"}


def test_a_json_patch_and_a_dry_run(kube, core):
    core.create_namespaced_secret("default", secret_config("s", {"a": "1"}))
    patched = core.patch_namespaced_secret("s", "default", [{"op": "add", "path": "/data/b", "value": "Mg=="}])
    assert patched.data == {"a": "MQ==", "b": "Mg=="}
    core.delete_namespaced_secret("s", "default", dry_run="All")
    assert kube.secret("default", "s") is not None and [w.verb for w in kube.writes] == ["create", "patch"]


@pytest.mark.parametrize(
    ("spec", "field"),
    [({"leaseDurationSeconds": 0}, "spec.leaseDurationSeconds"), ({"leaseTransitions": -1}, "spec.leaseTransitions")],
)
def test_a_lease_spec_out_of_range_is_422(leases, spec, field):
    body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"}, "spec": spec}
    status = failure(lambda: leases.create_namespaced_lease("default", body))
    assert status["code"] == 422 and status["details"]["causes"][0]["field"] == field


def test_a_namespace_that_does_not_exist_is_404(kube, core):
    status = failure(lambda: core.create_namespaced_secret("ci", secret_config("s")))
    assert status["message"] == 'namespaces "ci" not found'
    kube.add_namespace("ci")
    assert core.create_namespaced_secret("ci", secret_config("s")).metadata.namespace == "ci"


def test_unanswered_requests_are_timeouts_for_the_client(kube, core):
    """The Python client retries a GET three times (urllib3's default): four faults outlast it."""
    core.create_namespaced_secret("default", secret_config("s", {"a": "1"}))
    kube.inject(times=4, code=None, delay=0.4, verb="get")
    with pytest.raises(urllib3.exceptions.MaxRetryError) as caught:
        core.read_namespaced_secret("s", "default", _request_timeout=0.1)
    assert isinstance(caught.value.reason, urllib3.exceptions.ReadTimeoutError)
    kube.inject(times=4, code=None, verb="get")  # the connection closed at once, unanswered
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        core.read_namespaced_secret("s", "default")
    assert core.read_namespaced_secret("s", "default").metadata.name == "s"  # the faults are used up


def test_lists_filter_by_label_and_field_selectors(core):
    for name, labels in (("a", {"app": "refresher"}), ("b", {"app": "other"}), ("c", {})):
        core.create_namespaced_secret("default", secret_config(name, metadata={"labels": labels}))

    def names(**selectors) -> list[str]:
        return [s.metadata.name for s in core.list_namespaced_secret("default", **selectors).items]

    assert names() == ["a", "b", "c"]
    assert names(label_selector="app=refresher") == ["a"]
    assert names(label_selector="app!=refresher") == ["b", "c"]
    assert names(label_selector="app") == ["a", "b"] and names(label_selector="!app") == ["c"]
    assert names(field_selector="metadata.name=b") == ["b"]


def test_an_apply_carrying_a_stale_resource_version_is_refused(core):
    made = apply(core, secret_config("s", {"a": "1"}), "refresher")
    stale = secret_config("s", {"a": "2"}, metadata={"resourceVersion": made.metadata.resource_version})
    apply(core, secret_config("s", {"a": "3"}), "refresher")
    assert failure(lambda: apply(core, stale, "refresher"))["reason"] == "Conflict"


def test_the_standin_program_serves_it_with_a_kubeconfig_when_asked(tmp_path):
    from codeartifact_refresher.testing import __main__ as standin_main

    with KubeStandIn() as server:
        said = standin_main.describe_kube(server, tmp_path / "kubeconfig")
        assert said.endswith(f"export KUBECONFIG={tmp_path / 'kubeconfig'}") and server.url in said
        assert (tmp_path / "kubeconfig").stat().st_mode & 0o777 == 0o600
        core = client.CoreV1Api(config.new_client_from_config(str(tmp_path / "kubeconfig")))
        assert core.list_namespaced_secret("default").items == []


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"labels": {"expires": "2026-01-01T00:00:00Z"}}, "metadata.labels"),  # ':' is not allowed in a value
        ({"labels": {"app": "x" * 64}}, "metadata.labels"),
        ({"labels": {"bad key": "x"}}, "metadata.labels"),
        ({"annotations": {"codeartifact-refresher/expires at": "x"}}, "metadata.annotations"),
    ],
)
def test_labels_and_annotations_are_validated_as_the_api_does(core, metadata, field):
    status = failure(lambda: apply(core, secret_config("s", {"a": "1"}, metadata=metadata), "refresher"))
    assert status["code"] == 422 and [c["field"] for c in status["details"]["causes"]] == [field]


def test_an_annotation_may_hold_a_timestamp_under_a_prefixed_key(core):
    metadata = {"annotations": {"codeartifact-refresher.io/expires-at": "2026-01-01T00:00:00Z"}}
    apply(core, secret_config("s", {"a": "1"}, metadata=metadata), "refresher")


def test_a_secrets_type_cannot_change_nor_an_immutable_secrets_data(core):
    apply(core, secret_config("s", {"a": "1"}), "refresher")
    status = failure(lambda: apply(core, {**secret_config("s", {"a": "1"}), "type": "example.com/x"}, "refresher"))
    assert status["details"]["causes"][0]["field"] == "type"
    apply(core, {**secret_config("s", {"a": "1"}), "immutable": True}, "refresher")
    status = failure(lambda: apply(core, {**secret_config("s", {"a": "2"}), "immutable": True}, "refresher"))
    assert [c["field"] for c in status["details"]["causes"]] == ["data"]


def test_a_role_cannot_limit_create_by_name_except_when_an_apply_creates(kube, tmp_path):
    """As RBAC: a POST has no name to match ``resourceNames``; an apply that creates is
    authorized as ``create`` of its name. So a Lease the client POSTs needs ``create`` unlimited."""
    kube.allow("limited", "create", "leases", names=["lock"])
    kube.allow("limited", "*", "secrets", names=["s"])
    api = api_for(kube, tmp_path, "limited")
    body: Any = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "lock"}, "spec": {}}
    assert failure(lambda: client.CoordinationV1Api(api).create_namespaced_lease("default", body))["code"] == 403
    apply(client.CoreV1Api(api), secret_config("s", {"a": "1"}), "limited")  # patch + create, both of "s"
