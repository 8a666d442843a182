"""secret: targets against the Kubernetes API stand-in, read back with the real ``kubectl``: what
``refresh`` and ``run`` wrote is in the Secret, a key another field manager added survives our
writes and stays theirs, a conflict names that manager, and a key the config dropped is removed."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from codeartifact_refresher import cli, config
from codeartifact_refresher.kube import connection
from codeartifact_refresher.kube.secrets import MANAGER
from codeartifact_refresher.outputs.base import Context
from codeartifact_refresher.outputs.secret import TOKEN_KEYS, SecretOutput
from codeartifact_refresher.testing import KubeStandIn, StandIn

from ..leaks import assert_no_token
from .daemon_process import DaemonProcess, wait_for
from .tools import tool

pytestmark = pytest.mark.e2e

NPM = "      - {writer: npm, repository: npm-store, secret: creds}\n"
PIP = "      - {writer: pip, repository: pypi-store, secret: creds, key: pip.conf}\n"


@pytest.fixture
def kube(kube_standin):
    return kube_standin


def write(tmp_path: Path, kube: KubeStandIn, standin: StandIn, targets: str) -> Path:
    kubeconfig = tmp_path / "kubeconfig"
    if not kubeconfig.exists():
        kube.write_kubeconfig(kubeconfig, user="refresher")
    path = tmp_path / "config.yaml"
    path.write_text(
        f"kubernetes:\n  kubeconfig: {kubeconfig}\n  lease: false\n"
        f"domains:\n  - domain: acme\n    owner: '{standin.account}'\n    region: us-east-1\n"
        f"    endpoint_url: {standin.url}\n    targets:\n{targets}"
    )
    return path


def kubectl(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    kubeconfig = tmp_path / "kubectl.kubeconfig"
    return subprocess.run(
        [tool("kubectl"), "--kubeconfig", str(kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def get_secret(tmp_path: Path, name: str = "creds") -> dict[str, Any]:
    done = kubectl(tmp_path, "get", "secret", name, "-o", "json", "--show-managed-fields")
    assert done.returncode == 0, done.stderr
    secret: dict[str, Any] = json.loads(done.stdout)
    secret["data"] = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    return secret


def owned(secret: dict[str, Any], manager: str) -> set[str]:
    entries = [m for m in secret["metadata"].get("managedFields", []) if m["manager"] == manager]
    return {k[2:] for m in entries for k in m.get("fieldsV1", {}).get("f:data", {}) if k.startswith("f:")}


def other_applies(tmp_path: Path, kube: KubeStandIn, data: dict[str, str]) -> None:
    kube.write_kubeconfig(tmp_path / "kubectl.kubeconfig", user="someone")
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "data": encoded}
    done = kubectl(
        tmp_path, "apply", "--server-side", "--field-manager", "other", "-f", "-", stdin=json.dumps(manifest)
    )
    assert done.returncode == 0, done.stderr


def test_refresh_writes_the_secret_and_keeps_another_managers_key(tmp_path, kube, standin, home, capsys):
    other_applies(tmp_path, kube, {"extra": "theirs"})
    path = write(tmp_path, kube, standin, NPM + PIP)
    for _ in range(2):  # two refreshes, two tokens
        assert cli.main(["refresh", "--config", str(path)]) == 0
        secret = get_secret(tmp_path)
        data, token = secret["data"], standin.issued_tokens()[-1]
        assert data["password"] == data["authorizationToken"] == token and data["username"] == "aws"
        assert f":_authToken={token}" in data[".npmrc"] and f"aws:{token}@" in data["pip.conf"]
        expires = datetime.fromisoformat(data["expiration"].replace("Z", "+00:00"))
        assert int(data["expires_at"]) == int(expires.timestamp()) > 0
        assert secret["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "codeartifact-refresher"
        assert secret["metadata"]["annotations"]["codeartifact-refresher/expiration"] == data["expiration"]
        assert data["extra"] == "theirs" and owned(secret, "other") == {"extra"}
        assert owned(secret, MANAGER) == {".npmrc", "pip.conf", *TOKEN_KEYS}
    assert len(set(standin.issued_tokens())) == 2
    logged = capsys.readouterr()
    assert cli.main(["status", "--config", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "secret default/creds .npmrc: written" in shown
    state = (home / ".local/state/codeartifact-refresher/state.json").read_text()
    assert_no_token(standin.issued_tokens(), {"state": state, "status": shown, "log": logged.err + logged.out})


def test_a_conflict_names_the_other_manager_and_takes_nothing(tmp_path, kube, standin, capsys):
    other_applies(tmp_path, kube, {".npmrc": "theirs"})
    path = write(tmp_path, kube, standin, NPM)
    assert cli.main(["refresh", "--config", str(path)]) == 1
    assert "cannot apply secret default/creds: a key we write is managed by 'other'" in capsys.readouterr().err
    assert get_secret(tmp_path)["data"] == {".npmrc": "theirs"}


def test_a_key_the_config_dropped_is_removed_by_the_next_refresh(tmp_path, kube, standin):
    other_applies(tmp_path, kube, {"extra": "theirs"})
    assert cli.main(["refresh", "--config", str(write(tmp_path, kube, standin, NPM + PIP))]) == 0
    assert {".npmrc", "pip.conf"} <= set(get_secret(tmp_path)["data"])
    assert cli.main(["refresh", "--config", str(write(tmp_path, kube, standin, NPM))]) == 0
    data = get_secret(tmp_path)["data"]
    assert "pip.conf" not in data and ".npmrc" in data and data["extra"] == "theirs"


def test_an_unchanged_key_is_not_written_again(tmp_path, kube, standin):
    cfg = config.load(write(tmp_path, kube, standin, NPM))
    output = cfg.domains[0].targets[0].output
    assert isinstance(output, SecretOutput)
    bound = output.bind(Context("tok", datetime.fromisoformat("2026-12-08T10:00:00+00:00")))
    assert bound.update(lambda current: "registry=x\n") is True
    version = kube.secret("default", "creds")["metadata"]["resourceVersion"]
    assert bound.update(lambda current: "registry=x\n") is False
    assert len(kube.writes_to("Secret", "default", "creds")) == 1
    assert kube.secret("default", "creds")["metadata"]["resourceVersion"] == version


@pytest.mark.slow
@pytest.mark.timing
def test_run_keeps_the_secret_fresh_across_token_lifetimes(tmp_path, kube, home):
    with StandIn(token_lifetime=8) as standin:
        standin.add_repository("acme", "npm-store", "npm")
        path = write(tmp_path, kube, standin, NPM)
        kube.write_kubeconfig(tmp_path / "kubectl.kubeconfig", user="reader")
        daemon = DaemonProcess(path, tmp_path / "daemon.log")
        seen: list[str] = []

        def third_token() -> bool:
            secret = kube.secret("default", "creds")
            password = secret["data"].get("password") if secret else None
            if password and password not in seen:
                seen.append(password)
            return len(seen) >= 3

        try:
            wait_for(third_token, 40, "three tokens in the Secret", interval=0.2)
            secret = get_secret(tmp_path)  # what kubectl reads is the newest token
            status, _ = daemon.stop()
        finally:
            daemon.close()
        assert status == 0
        assert seen == [t for t in standin.issued_tokens() if t in seen]  # in the order they were issued
        assert secret["data"]["password"] == seen[-1] and f":_authToken={seen[-1]}" in secret["data"][".npmrc"]
        assert_no_token(standin.issued_tokens(), {"daemon log": daemon.log})


SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" / "secret"


def test_the_shipped_role_suffices_once_the_shipped_secrets_exist(tmp_path, kube, standin, home, capsys):
    """The refresher allowed exactly deploy/kubernetes/secret's Role: it may not create a Secret
    (an apply that would is refused, saying what to do), and refreshes every target once the
    shipped empty Secrets exist; re-applying them, client- or server-side, keeps our keys."""
    for rule in yaml.safe_load((SHIPPED / "role.yaml").read_text())["rules"]:
        for verb in rule["verbs"]:
            kube.allow("refresher", verb, rule["resources"][0], rule.get("resourceNames", ()))
    shipped = yaml.safe_load((SHIPPED / "config.yaml").read_text())
    targets = "".join(f"      - {json.dumps(t)}\n" for t in shipped["domains"][0]["targets"])
    path = write(tmp_path, kube, standin, targets)
    assert cli.main(["refresh", "--config", str(path)]) == 1
    assert (
        "cannot create secret default/npm-credentials: forbidden; create it empty beforehand" in capsys.readouterr().err
    )
    kube.write_kubeconfig(tmp_path / "kubectl.kubeconfig", user="admin")
    applied = kubectl(tmp_path, "apply", "-f", str(SHIPPED / "secrets.yaml"))
    assert applied.returncode == 0, applied.stderr
    assert cli.main(["refresh", "--config", str(path)]) == 0
    for how in (["apply"], ["apply", "--server-side"]):
        again = kubectl(tmp_path, *how, "-f", str(SHIPPED / "secrets.yaml"))
        assert again.returncode == 0, again.stderr
        assert get_secret(tmp_path, "codeartifact-token")["data"]["token"] == standin.issued_tokens()[-1]
        assert ".npmrc" in get_secret(tmp_path, "npm-credentials")["data"]


def test_a_dry_run_shows_the_key_redacted_and_writes_nothing(tmp_path, kube, standin, capsys):
    path = write(tmp_path, kube, standin, NPM)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    writes = len(kube.writes)
    capsys.readouterr()
    assert cli.main(["refresh", "--dry-run", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "--- secret default/creds .npmrc\n+++ secret default/creds .npmrc\n" in out
    assert ":_authToken=<redacted>" in out and len(kube.writes) == writes
    assert_no_token(standin.issued_tokens(), {"dry run": out})


def test_a_secret_no_target_writes_any_more_gives_back_our_keys_and_stays(tmp_path, kube, standin, home, capsys):
    other_applies(tmp_path, kube, {"extra": "theirs"})
    token = "      - {writer: token, repository: pypi-store, secret: token-only}\n"
    assert cli.main(["refresh", "--config", str(write(tmp_path, kube, standin, NPM + token))]) == 0
    assert set(get_secret(tmp_path)["data"]) == {".npmrc", "extra", *TOKEN_KEYS}
    assert cli.main(["refresh", "--dry-run", "--config", str(write(tmp_path, kube, standin, token))]) == 0
    assert ".npmrc" in get_secret(tmp_path)["data"]  # a dry run retires nothing
    assert cli.main(["refresh", "--config", str(write(tmp_path, kube, standin, token))]) == 0
    secret = get_secret(tmp_path)
    assert secret["data"] == {"extra": "theirs"} and owned(secret, MANAGER) == set()
    assert "app.kubernetes.io/managed-by" not in secret["metadata"].get("labels", {})
    assert "token" in get_secret(tmp_path, "token-only")["data"]
    state = json.loads((home / ".local/state/codeartifact-refresher/state.json").read_text())
    assert [s["name"] for s in state["secrets_written"]] == ["token-only"]
    writes = len(kube.writes)
    assert cli.main(["refresh", "--config", str(write(tmp_path, kube, standin, token))]) == 0
    assert len(kube.writes) == writes + 1  # the token-only Secret's new token; creds is left alone


@pytest.mark.parametrize(
    ("code", "said"),
    [(None, "cannot read secret default/creds: the Kubernetes API is unreachable ("), (500, "HTTP 500")],
)
def test_an_api_that_fails_fails_the_target_in_one_line_and_the_others_are_written(
    tmp_path, kube, standin, home, capsys, code, said
):
    path = write(tmp_path, kube, standin, NPM + "      - {writer: pip, repository: pypi-store}\n")
    kube.inject(times=10, code=code, verb="get", resource="secrets")
    assert cli.main(["refresh", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    [line] = [x for x in err.splitlines() if "secret default/creds .npmrc:" in x]
    assert said in line and "Traceback" not in err
    assert (home / ".config/pip/pip.conf").exists()


def test_in_a_pod_the_service_account_gives_the_api_and_the_namespace(tmp_path, standin, monkeypatch):
    """No kubeconfig in the config and KUBERNETES_SERVICE_HOST set: the in-cluster config (the
    service account's token and CA) and its namespace, as in the shipped Deployment."""
    from kubernetes.config import incluster_config

    from codeartifact_refresher.kube import settings

    connection.forget()
    with KubeStandIn(tls=True) as kube:
        kube.add_namespace("team-a")
        account = tmp_path / "serviceaccount"
        for name, value in kube.write_service_account(account, user="in-pod", namespace="team-a").items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(account / "token"))
        monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(account / "ca.crt"))
        monkeypatch.setattr(settings, "SERVICE_ACCOUNT_NAMESPACE", account / "namespace")
        path = tmp_path / "config.yaml"
        path.write_text(
            f"kubernetes: {{lease: false}}\ndomains:\n  - domain: acme\n    owner: '{standin.account}'\n"
            f"    region: us-east-1\n    endpoint_url: {standin.url}\n    targets:\n{NPM}"
        )
        try:
            assert cli.main(["refresh", "--config", str(path)]) == 0
        finally:
            connection.forget()
        secret = kube.secret("team-a", "creds")
        assert secret is not None and secret["data"]["password"] == standin.issued_tokens()[-1]
        assert {w.user for w in kube.writes_to("Secret", "team-a", "creds")} == {"in-pod"}
