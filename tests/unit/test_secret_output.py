"""The secret: output kind: the kubernetes: section, keys, claims, and what an apply carries
(against an in-memory store with server-side apply's ownership rules: :mod:`tests.kube_fake`)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

import pytest

from codeartifact_refresher import config
from codeartifact_refresher.errors import ConfigError
from codeartifact_refresher.kube import secrets, settings
from codeartifact_refresher.kube.secrets import Desired
from codeartifact_refresher.outputs.base import Context
from codeartifact_refresher.outputs.secret import EXPIRY, LABEL, SecretOutput
from codeartifact_refresher.writers.registry import Registry

from ..kube_fake import ApiError, FakeSecrets

KUBE = "kubernetes:\n  namespace: ci\n"
EXPIRES = datetime(2026, 12, 8, 10, 0, 0, tzinfo=timezone.utc)


def load(tmp_path: Path, targets: str, top: str = KUBE, environ: dict[str, str] | None = None) -> config.Config:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"{top}domains:\n  - domain: acme\n    owner: '111122223333'\n    region: us-east-1\n    targets:\n{targets}"
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", **(environ or {})}
    return config.parse(path, config.yamlfile.read(path), Registry(), env)


def refused(tmp_path: Path, targets: str, top: str = KUBE) -> str:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, targets, top)
    return str(e.value).replace(f"{tmp_path / 'c.yaml'}:", "")


def outputs(cfg: config.Config) -> list[list[tuple[str, str]]]:
    return [[(role, out.describe()) for role, out in t.outputs] for d in cfg.domains for t in d.targets]


def test_each_writer_file_is_a_key_named_as_its_usual_file(tmp_path):
    cfg = load(
        tmp_path,
        "      - {writer: npm, repository: npm-store, secret: npm-credentials}\n"
        "      - {writer: pip, repository: pypi-store, secret: pip-credentials, key: pip.conf}\n"
        "      - {writer: token, repository: pypi-store, secret: codeartifact-token}\n"
        "      - {writer: cargo, repository: cargo-store, secret: cargo, namespace: build}\n"
        "      - {writer: pip, repository: other, secret: pip-credentials, key: other.conf}\n",
    )
    assert outputs(cfg) == [
        [("main", "secret ci/npm-credentials .npmrc")],
        [("main", "secret ci/pip-credentials pip.conf")],
        [("main", "secret ci/codeartifact-token token")],
        [("credentials", "secret build/cargo credentials.toml"), ("main", "secret build/cargo config.toml")],
        [("main", "secret ci/pip-credentials other.conf")],
    ]
    pip = cfg.domains[0].targets[1].output
    assert isinstance(pip, SecretOutput) and pip.siblings == {"pip.conf", "other.conf"} and pip.leader_only
    assert cfg.kubernetes == settings.Settings("ci", str(tmp_path / ".kube/config"), "codeartifact-refresher", 1)


def test_a_secret_target_needs_the_kubernetes_section(tmp_path):
    assert refused(tmp_path, "      - {writer: npm, repository: npm-store, secret: s}\n", top="") == (
        "6: secret: the npm target needs the top-level 'kubernetes:' section"
    )


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("{writer: npm, repository: npm-store, secret: Bad_Name}", "8: secret: 'Bad_Name' is not valid: expected"),
        ("{writer: npm, repository: npm-store, secret: s, key: 'a/b'}", "8: key: 'a/b' is not valid: expected"),
        ("{writer: npm, repository: npm-store, secret: s, key: password}", "8: key: 'password' is one of the keys"),
        ("{writer: npm, repository: npm-store, secret: s, namespace: A}", "8: namespace: 'A' is not valid"),
        ("{writer: env, repository: npm-store, secret: s}", "8: secret: the env writer's file has no usual name"),
        ("{writer: npm, repository: npm-store, path: /x/.npmrc, key: k}", "8: key: applies to a target written with"),
    ],
)
def test_a_bad_secret_target_names_its_line_and_key(tmp_path, target, error):
    assert refused(tmp_path, f"      - {target}\n").startswith(error)


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ("kubernetes:\n  namespace: CI\n", "2: namespace: 'CI' is not valid: expected a Kubernetes namespace"),
        ("kubernetes:\n  lease: 'a b'\n", "2: lease: 'a b' is not valid: expected a Kubernetes object name"),
        ("kubernetes:\n  kubeconfig: rel/config\n", "2: kubeconfig: 'rel/config' is relative"),
        ("kubernetes:\n  namspace: ci\n", "2: unknown key 'namspace' in kubernetes; did you mean 'namespace'?"),
        ("kubernetes: [ci]\n", "1: kubernetes must be a mapping of keys to values"),
    ],
)
def test_a_bad_kubernetes_section_names_its_line_and_key(tmp_path, section, error):
    assert refused(tmp_path, "      - {writer: npm, repository: npm-store}\n", top=section).startswith(error)


def test_the_section_defaults_come_from_the_pod_then_the_environment(tmp_path, monkeypatch):
    sa = tmp_path / "namespace"
    monkeypatch.setattr(settings, "SERVICE_ACCOUNT_NAMESPACE", sa)
    target = "      - {writer: npm, repository: npm-store, secret: s}\n"
    assert load(tmp_path, target, "kubernetes:\n").kubernetes.namespace == "default"
    sa.write_text("team-a\n")
    in_cluster = load(tmp_path, target, "kubernetes:\n  lease: false\n", {"KUBERNETES_SERVICE_HOST": "10.0.0.1"})
    assert in_cluster.kubernetes == settings.Settings("team-a", None, None, 1)
    assert outputs(in_cluster) == [[("main", "secret team-a/s .npmrc")]]
    env = {"KUBECONFIG": "/etc/k.yaml"}
    assert load(tmp_path, target, "kubernetes: {lease: elect}\n", env).kubernetes == settings.Settings(
        "team-a", "/etc/k.yaml", "elect", 1
    )


def test_two_domains_may_not_write_one_secret(tmp_path):
    path = tmp_path / "c.yaml"
    domain = "  - domain: {}\n    owner: '111122223333'\n    region: us-east-1\n    targets:\n      - {}\n"
    path.write_text(
        KUBE
        + "domains:\n"
        + domain.format("acme", "{writer: npm, repository: npm-store, secret: s}")
        + domain.format("other", "{writer: pip, repository: pypi-store, secret: s, key: pip.conf}")
    )
    with pytest.raises(ConfigError) as e:
        config.parse(path, config.yamlfile.read(path), Registry(), {"HOME": str(tmp_path)})
    assert str(e.value).startswith(f"{path}:13: secret: ci/s is written by the domain on line 4 too")


def test_two_whole_file_targets_may_not_share_a_key(tmp_path):
    error = refused(
        tmp_path,
        "      - {writer: token, repository: npm-store, secret: s}\n"
        "      - {writer: token, repository: pypi-store, secret: s}\n",
    )
    assert error.startswith("9: this token target and the one on line 8 would both write the whole file")


def test_a_gem_target_keeps_its_own_key_option(tmp_path):
    """gem's ``key`` option is not the secret kind's setting: a file target may give it."""
    [target] = load(tmp_path, "      - {writer: gem, repository: gems, key: my_key}\n").domains[0].targets
    assert dict(target.options)["key"] == "my_key" and outputs_are_files(target)


def outputs_are_files(target: config.Target) -> bool:
    return all(not isinstance(out, SecretOutput) for _, out in target.outputs)


# -- applying -------------------------------------------------------------------------------------------


@pytest.fixture
def store(monkeypatch) -> FakeSecrets:
    fake = FakeSecrets()
    monkeypatch.setattr(SecretOutput, "_store", lambda self: fake)
    return fake


def bound(entry: str, siblings: set[str] | None = None, token: str = "tok-1") -> SecretOutput:
    out = SecretOutput("creds", entry, "ci", siblings=frozenset(siblings or {entry}))
    bound = out.bind(Context(token, EXPIRES))
    assert isinstance(bound, SecretOutput)
    return bound


def text(store: FakeSecrets, key: str) -> str:
    return store.objects["ci", "creds"].data[key].decode()


def test_an_apply_carries_the_token_keys_our_key_the_label_and_the_expiry(store):
    assert bound(".npmrc").update(lambda current: f"was {current}\n") is True
    obj = store.objects["ci", "creds"]
    assert {k: v.decode() for k, v in obj.data.items()} == {
        ".npmrc": "was None\n",
        "authorizationToken": "tok-1",
        "password": "tok-1",
        "username": "aws",
        "expiration": "2026-12-08T10:00:00Z",
        "expires_at": str(int(EXPIRES.timestamp())),
    }
    assert obj.labels == dict([LABEL]) and obj.annotations == {EXPIRY: "2026-12-08T10:00:00Z"}


def test_nothing_changed_is_not_applied(store):
    out = bound(".npmrc")
    assert out.update(lambda current: "x\n") is True
    assert out.update(lambda current: "x\n") is False
    assert len(store.applies) == 1 and store.objects["ci", "creds"].version == 2
    assert bound(".npmrc", token="tok-2").update(lambda current: "x\n") is True  # a new token is a change
    assert text(store, "password") == "tok-2"


def test_two_targets_of_one_secret_keep_each_others_key(store):
    both = {"pip.conf", ".npmrc"}
    assert bound(".npmrc", both).update(lambda current: "npm\n")
    assert bound("pip.conf", both).update(lambda current: "pip\n")
    assert bound(".npmrc", both, token="tok-2").update(lambda current: "npm\n")
    assert (text(store, ".npmrc"), text(store, "pip.conf"), text(store, "password")) == ("npm\n", "pip\n", "tok-2")
    assert store.applies[-1][3] == (
        ".npmrc",
        "authorizationToken",
        "expiration",
        "expires_at",
        "password",
        "pip.conf",
        "username",
    )


def test_a_key_the_config_no_longer_writes_is_dropped_by_the_next_apply(store):
    assert bound(".npmrc", {".npmrc", "pip.conf"}).update(lambda current: "npm\n")
    assert bound("pip.conf", {".npmrc", "pip.conf"}).update(lambda current: "pip\n")
    assert bound(".npmrc", {".npmrc"}).update(lambda current: "npm\n")  # the pip target left the config
    assert "pip.conf" not in store.objects["ci", "creds"].data


def test_another_managers_key_survives_and_stays_theirs(store):
    store.apply("ci", "creds", Desired({"extra": b"theirs"}, {}, {}), manager="other")
    assert bound(".npmrc", {".npmrc", "extra"}).update(lambda current: "npm\n")
    assert bound(".npmrc", {".npmrc", "extra"}, token="tok-2").update(lambda current: "npm\n")
    obj = store.objects["ci", "creds"]
    assert obj.data["extra"] == b"theirs" and obj.owners["extra"] == {"other"}
    assert all("extra" not in keys for *_, manager, keys in store.applies if manager == secrets.MANAGER)


def test_a_conflict_names_the_other_manager_and_forces_nothing(store):
    store.apply("ci", "creds", Desired({".npmrc": b"theirs"}, {}, {}), manager="helm")
    with pytest.raises(secrets.ConflictError) as e:
        bound(".npmrc").update(lambda current: "ours\n")
    assert str(e.value) == (
        "cannot apply secret ci/creds: a key we write is managed by 'helm'; "
        "remove it from that manager's object or give this target another key or Secret"
    )
    assert e.value.retryable is False and text(store, ".npmrc") == "theirs"


def test_a_preview_shows_the_key_before_and_after(store):
    assert bound(".npmrc").update(lambda current: "old\n")
    before, after = bound(".npmrc").preview(lambda current: f"{current}new\n")
    assert (before.name, before.text, after.text) == ("secret ci/creds .npmrc", "old\n", "old\nnew\n")
    assert len(store.applies) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            ApiError(403, "secrets is forbidden"),
            "cannot apply secret ci/s: forbidden; the Role must allow get and patch on it",
        ),
        (
            ApiError(422, 'Secret "s" is invalid:\n data'),
            'cannot apply secret ci/s: HTTP 422: Secret "s" is invalid: data',
        ),
        (
            ConnectionRefusedError(),
            "cannot apply secret ci/s: the Kubernetes API is unreachable (ConnectionRefusedError)",
        ),
    ],
)
def test_api_failures_are_one_line(error, expected):
    assert str(secrets.failure(error, "apply", "ci", "s")) == expected


def test_a_secret_is_parsed_with_the_keys_our_manager_applied():
    data = {k: base64.b64encode(v).decode() for k, v in {"a": b"1", "b": b"2", "c": b"3"}.items()}
    managed = [
        {"manager": secrets.MANAGER, "operation": "Apply", "fieldsV1": {"f:data": {"f:a": {}, "f:b": {}}}},
        {"manager": secrets.MANAGER, "operation": "Update", "fieldsV1": {"f:data": {"f:c": {}}}},
        {"manager": "other", "operation": "Apply", "fieldsV1": {"f:data": {"f:c": {}}}},
    ]
    current = secrets.parse({"metadata": {"managedFields": managed, "labels": {"x": "y"}}, "data": data})
    assert current.ours == {"a", "b"} and current.text("c") == "3" and current.labels == {"x": "y"}


def test_a_state_file_lists_written_secrets_only_as_checked_records():
    from codeartifact_refresher.kube import retire

    good = {"config": "/etc/c.yaml", "namespace": "ci", "name": "creds"}
    data = [good, {**good, "config": "c.yaml"}, {**good, "name": 3}, {"config": "/x"}, "junk"]
    assert retire.from_json(data) == {("/etc/c.yaml", "ci", "creds")}
    assert retire.to_json(retire.from_json(data)) == [good] and retire.from_json({"x": 1}) == set()
