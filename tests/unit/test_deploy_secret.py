"""deploy/kubernetes/secret, the Deployment that keeps Secrets fresh, and its example build pod:
valid for kubernetes-validate --strict, two replicas with probes and no privileges, a Role that
names exactly the Secrets and the Lease the config uses, and a build pod that mounts them without
subPath."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from codeartifact_refresher import config
from codeartifact_refresher.outputs.secret import SecretOutput
from codeartifact_refresher.writers.registry import Registry

from .. import deploy_files as d
from ..e2e.tools import tool

BASE = d.KUSTOMIZE / "secret"
EXAMPLE = BASE / "example-build"


@pytest.fixture(scope="module")
def resources() -> dict[str, dict[str, Any]]:
    return {r["kind"]: r for r in d.render(BASE) if r["kind"] != "Secret"}


@pytest.fixture(scope="module")
def secrets() -> list[dict[str, Any]]:
    return [r for r in d.render(BASE) if r["kind"] == "Secret"]


def shipped_config(tmp_path: Path) -> config.Config:
    path = BASE / "config.yaml"
    data = config.yamlfile.read(path)
    return config.parse(path, data, Registry(), {"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "10.0.0.1"})


def validate(path: Path, version: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [tool("kubernetes-validate"), "--strict", *(["-k", version] if version else []), str(path)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("version", ["1.29.0", None], ids=["1.29", "newest"])
def test_the_render_and_the_build_pod_pass_kubernetes_validate_strict(tmp_path, version):
    rendered = tmp_path / "secret.yaml"
    rendered.write_text(yaml.safe_dump_all(d.render(BASE)))
    done = validate(rendered, version)
    assert done.returncode == 0 and done.stdout.count("passed for resource") == 9, done.stdout + done.stderr
    pod = tmp_path / "pod.yaml"
    pod.write_text(yaml.safe_dump_all(d.render(EXAMPLE)))
    done = validate(pod, version)
    assert done.returncode == 0 and "passed for resource pod/build" in done.stdout, done.stdout + done.stderr


def test_two_replicas_with_probes_on_a_read_only_root_without_privileges(resources):
    deployment, pdb = resources["Deployment"], resources["PodDisruptionBudget"]
    spec = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2 and spec["serviceAccountName"] == "codeartifact-refresher"
    [container] = spec["containers"]
    assert container["args"] == ["--log-format", "json", "run"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] != 0
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["minAvailable"] == 1 and pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert resources["RoleBinding"]["subjects"] == [{"kind": "ServiceAccount", "name": "codeartifact-refresher"}]


def test_the_role_names_exactly_the_configs_secrets_and_lease(resources, secrets, tmp_path):
    cfg = shipped_config(tmp_path)
    written = {
        out.name for d in cfg.domains for t in d.targets for _, out in t.outputs if isinstance(out, SecretOutput)
    }
    rules = resources["Role"]["rules"]
    [secret_rule] = [r for r in rules if r["resources"] == ["secrets"]]
    assert secret_rule["verbs"] == ["get", "patch"] and set(secret_rule["resourceNames"]) == written
    assert {s["metadata"]["name"] for s in secrets} == written and all("data" not in s for s in secrets)
    lease_rules = {tuple(r["verbs"]): r.get("resourceNames") for r in rules if r["resources"] == ["leases"]}
    assert lease_rules == {("get", "update"): [cfg.kubernetes.lease], ("create",): None}
    assert cfg.kubernetes.kubeconfig is None and cfg.kubernetes.namespace  # in-cluster


def test_the_build_pod_mounts_the_keys_the_config_writes_without_subpath(tmp_path):
    [pod] = d.render(EXAMPLE)
    cfg = shipped_config(tmp_path)
    keys = {
        (out.name, out.entry)
        for d in cfg.domains
        for t in d.targets
        for _, out in t.outputs
        if isinstance(out, SecretOutput)
    }
    [creds] = [v for v in pod["spec"]["volumes"] if v["name"] == "creds"]
    mounted = {(s["secret"]["name"], i["key"]) for s in creds["projected"]["sources"] for i in s["secret"]["items"]}
    assert mounted and mounted <= keys
    assert "subPath" not in yaml.safe_dump(pod)
    [build] = pod["spec"]["containers"]
    paths = {i["path"] for s in creds["projected"]["sources"] for i in s["secret"]["items"]}
    env = d.env_of(build)
    assert {env["PIP_CONFIG_FILE"], env["NPM_CONFIG_USERCONFIG"]} == {f"/creds/{p}" for p in paths}


def test_the_shipped_config_matches_the_json_schema_and_a_bad_secret_name_does_not():
    import json

    import jsonschema

    schema = json.loads((d.ROOT / "configs" / "schema.json").read_text())
    data = yaml.safe_load((BASE / "config.yaml").read_text())
    jsonschema.validate(data, schema)
    data["domains"][0]["targets"][0]["secret"] = "Bad_Name"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
