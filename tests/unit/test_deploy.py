"""What ships under deploy/ and the Dockerfile, checked by the validators CI runs (hadolint,
kubernetes-validate --strict on every manifest and every rendered overlay, check-jsonschema's
Compose, GitHub Actions and GitLab CI schemas, actionlint), each first shown to refuse a broken
file, and read for the settings docs/containers.md and docs/ci.md promise."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import tomlkit
import yaml

from codeartifact_refresher import config

from .. import deploy_files as d
from ..e2e.tools import tool

SIDECAR = d.ROOT / "configs" / "sidecar.yaml"
COMPOSE = d.DEPLOY / "compose" / "compose.yaml"
WORKFLOW = d.DEPLOY / "github-actions" / "build.yml"
GITLAB = d.DEPLOY / "gitlab-ci" / "gitlab-ci.yml"
LABELS = {
    "org.opencontainers.image.title": "text",
    "org.opencontainers.image.description": "text",
    "org.opencontainers.image.source": "url",
    "org.opencontainers.image.documentation": "url",
    "org.opencontainers.image.licenses": "spdx",
    "org.opencontainers.image.version": "semver",
    "org.opencontainers.image.base.name": "text",
}


def run(*cmd) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)


def project_version() -> str:
    return tomlkit.parse((d.ROOT / "pyproject.toml").read_text())["project"]["version"]


# --- the Dockerfile ------------------------------------------------------------------------------


def hadolint(path: Path) -> subprocess.CompletedProcess:
    labels = [arg for name, kind in LABELS.items() for arg in ("--require-label", f"{name}:{kind}")]
    return run(tool("hadolint"), "--no-color", "-t", "style", "--strict-labels", *labels, path)


def test_hadolint_finds_nothing_in_the_dockerfile_with_every_oci_label_well_formed():
    done = hadolint(d.DOCKERFILE)
    assert done.returncode == 0 and done.stdout == "", done.stdout


def test_hadolint_refuses_a_broken_dockerfile(tmp_path):
    broken = tmp_path / "Dockerfile"
    broken.write_text(d.DOCKERFILE.read_text().replace("USER 10001:10001", "USER root"))
    done = hadolint(broken)
    assert done.returncode == 1 and "DL3002" in done.stdout  # last USER should not be root


def test_the_image_labels_name_the_projects_version_and_license():
    (labels,) = [d.pairs(a) for k, a in d.final_stage() if k == "LABEL"]
    project = tomlkit.parse((d.ROOT / "pyproject.toml").read_text())["project"]
    assert labels["org.opencontainers.image.version"] == project["version"]
    assert labels["org.opencontainers.image.licenses"] == project["license"]


def test_every_pinned_release_under_deploy_is_the_projects_version():
    """The image tags and the CI examples' installs name this version (bumped with it)."""
    pins = [
        (path.relative_to(d.ROOT).as_posix(), version)
        for path in sorted(d.DEPLOY.rglob("*.y*ml"))
        for version in re.findall(r"codeartifact-refresher(?:==|:)(\d[\w.]*)", path.read_text())
    ]
    assert len({name for name, _ in pins}) >= 3  # Compose, GitHub Actions, GitLab CI
    assert {version for _, version in pins} == {project_version()}, pins


def test_the_image_runs_the_program_as_a_numeric_user_with_the_daemon_by_default():
    uid, gid = d.user()
    assert uid >= 10000 and gid >= 10000
    assert d.exec_form("ENTRYPOINT") == ["codeartifact-refresher"]
    assert d.exec_form("CMD") == ["--log-format", "json", "run"]
    (healthcheck,) = [a for k, a in d.final_stage() if k == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["codeartifact-refresher", "probe", "livez"]')
    env = d.image_env()
    assert env["CODEARTIFACT_REFRESHER_CONFIG"] == "/etc/codeartifact-refresher/config.yaml"
    assert env["PATH"].startswith("/opt/codeartifact-refresher/bin:")


def test_the_build_context_holds_what_the_build_stage_copies_and_nothing_else():
    files = d.context_files()
    copied = [a.split()[:-1] for k, a in d.instructions() if k == "COPY" and not a.startswith("--from")]
    for sources in copied:
        for source in sources:
            assert any(f == source or f.startswith(source.rstrip("/") + "/") for f in files), source
    assert not [f for f in files if f.startswith(("tests/", "docs/", ".ci/clients", "deploy/"))]


# --- Kubernetes ----------------------------------------------------------------------------------


def manifests() -> list[Path]:
    """Every Kubernetes resource file under deploy/kubernetes: not kustomizations, patches or configs."""
    found = []
    for path in sorted(d.KUSTOMIZE.rglob("*.yaml")):
        kustomization = yaml.safe_load((path.parent / "kustomization.yaml").read_text())
        if path.name in kustomization.get("resources", []):
            found.append(path)
    return found


def rendered(name: str, tmp_path: Path) -> Path:
    out = tmp_path / f"{name}.yaml"
    directory = d.KUSTOMIZE / ("base" if name == "base" else f"overlays/{name}")
    out.write_text(yaml.safe_dump_all(d.render(directory)))
    return out


def kubernetes_validate(path: Path, version: str | None = None) -> subprocess.CompletedProcess:
    return run(tool("kubernetes-validate"), "--strict", *(["-k", version] if version else []), path)


def test_every_resource_file_is_found():
    names = {p.relative_to(d.KUSTOMIZE).as_posix() for p in manifests()}
    secret = {f"secret/{n}.yaml" for n in ("serviceaccount", "role", "rolebinding", "secrets", "deployment", "pdb")}
    assert names == {
        "base/job.yaml",
        "overlays/irsa/serviceaccount.yaml",
        "overlays/pod-identity/serviceaccount.yaml",
        "secret/example-build/build-pod.yaml",
        *secret,
    }


@pytest.mark.parametrize("path", manifests(), ids=lambda p: p.relative_to(d.KUSTOMIZE).as_posix())
def test_every_manifest_passes_kubernetes_validate_strict(path):
    done = kubernetes_validate(path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("version", ["1.29.0", None], ids=["1.29 (the first with native sidecars on)", "newest"])
@pytest.mark.parametrize("name", ["base", *d.OVERLAYS])
def test_every_render_passes_kubernetes_validate_strict(name, version, tmp_path):
    done = kubernetes_validate(rendered(name, tmp_path), version)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("passed for resource") >= 2


def test_kubernetes_validate_refuses_an_unknown_field(tmp_path):
    path = rendered("base", tmp_path)
    path.write_text(path.read_text().replace("readOnlyRootFilesystem: true", "readOnlyRootFilesytem: true", 1))
    done = kubernetes_validate(path)
    assert done.returncode == 1 and "'readOnlyRootFilesytem' was unexpected" in done.stdout


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return d.render(d.KUSTOMIZE / "base")


def test_the_refresher_is_a_native_sidecar_gated_by_readyz_and_kept_by_livez(base):
    spec = d.job(base)["spec"]["template"]["spec"]
    refresher = d.container(spec, "codeartifact-refresher")
    assert refresher in spec["initContainers"] and refresher["restartPolicy"] == "Always"
    port = yaml.safe_load(SIDECAR.read_text())["health"]["port"]
    assert refresher["ports"] == [{"name": "health", "containerPort": port}]
    assert refresher["startupProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert refresher["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "health"}
    assert "readinessProbe" not in refresher  # a sidecar's readiness does not gate the build; startup does
    assert refresher["image"].endswith(f":{project_version()}")


def test_both_containers_run_as_numbers_without_privileges_and_the_refresher_on_a_read_only_root(base):
    spec = d.job(base)["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    refresher, build = d.container(spec, "codeartifact-refresher"), d.container(spec, "build")
    assert (refresher["securityContext"]["runAsUser"], refresher["securityContext"]["runAsGroup"]) == d.user()
    assert refresher["securityContext"]["readOnlyRootFilesystem"] is True
    assert build["securityContext"]["runAsUser"] != d.user()[0]
    assert spec["securityContext"]["fsGroup"] not in (d.user()[1], build["securityContext"]["runAsGroup"])
    for c in (refresher, build):
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_the_config_and_the_shared_directory_are_whole_directories_where_the_config_says(base):
    spec = d.job(base)["spec"]["template"]["spec"]
    refresher, build = d.container(spec, "codeartifact-refresher"), d.container(spec, "build")
    mounts = {m["name"]: m for m in refresher["volumeMounts"]}
    assert not [m for c in (refresher, build) for m in c["volumeMounts"] if "subPath" in m or "subPathExpr" in m]
    config_path = Path(d.image_env()["CODEARTIFACT_REFRESHER_CONFIG"])
    assert mounts["config"] == {"name": "config", "mountPath": str(config_path.parent), "readOnly": True}
    volumes = {v["name"]: v for v in spec["volumes"]}
    configmap = next(r for r in base if r["kind"] == "ConfigMap")
    assert volumes["config"]["configMap"]["name"] == configmap["metadata"]["name"]
    assert configmap["data"][config_path.name] == SIDECAR.read_text()
    assert volumes["creds"]["emptyDir"]["medium"] == "Memory"
    creds = Path(mounts["creds"]["mountPath"])
    sidecar = yaml.safe_load(SIDECAR.read_text())
    assert Path(sidecar["state_file"]).parent == creds  # the lock directory falls back beside it
    targets = {t["writer"]: t for t in sidecar["domains"][0]["targets"]}
    assert {Path(t["path"]).parent for t in targets.values()} == {creds}
    assert {t["mode"] for t in targets.values()} == {0o640}
    assert {m["mountPath"]: m.get("readOnly") for m in build["volumeMounts"]}[str(creds)] is True
    env = d.env_of(build)
    assert (env["PIP_CONFIG_FILE"], env["NPM_CONFIG_USERCONFIG"]) == (targets["pip"]["path"], targets["npm"]["path"])


def test_the_init_container_overlay_refreshes_once_without_probes():
    spec = d.job(d.render(d.KUSTOMIZE / "overlays" / "init-container"))["spec"]["template"]["spec"]
    refresher = d.container(spec, "codeartifact-refresher")
    assert refresher in spec["initContainers"]
    assert refresher["args"] == ["--log-format", "json", "refresh"]
    assert not {"restartPolicy", "startupProbe", "livenessProbe", "ports"} & set(refresher)


@pytest.mark.parametrize(("name", "annotated"), [("irsa", True), ("pod-identity", False)])
def test_the_aws_identity_overlays_give_the_service_account_to_the_refresher_alone(name, annotated):
    resources = d.render(d.KUSTOMIZE / "overlays" / name)
    (account,) = [r for r in resources if r["kind"] == "ServiceAccount"]
    template = d.job(resources)["spec"]["template"]
    assert template["spec"]["serviceAccountName"] == account["metadata"]["name"]
    role = account["metadata"].get("annotations", {}).get("eks.amazonaws.com/role-arn")
    assert (role is not None) is annotated
    if annotated:
        assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", role)
    skipped = template["metadata"]["annotations"]["eks.amazonaws.com/skip-containers"].split(",")
    assert skipped == ["build"] and d.container(template["spec"], "build")


def test_the_docs_platform_overlay_changes_names_namespace_annotations_role_and_image_without_a_fork(tmp_path):
    """The overlay docs/containers.md shows a platform team, rendered (its remote base, fetched from
    GitHub by kustomize, replaced by this checkout's)."""
    page = (d.ROOT / "docs" / "containers.md").read_text()
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", page, re.S) if "kind: Kustomization" in b]
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    local = os.path.relpath(d.KUSTOMIZE / "overlays" / "irsa", overlay)
    (overlay / "kustomization.yaml").write_text(re.sub(r"github\.com/\S+", local, block))
    (overlay / "config.yaml").write_text(SIDECAR.read_text().replace("domain: acme", "domain: team-a"))
    resources = d.render(overlay)
    assert {r["metadata"]["namespace"] for r in resources} == {"builds"}
    assert all(
        r["metadata"]["name"].startswith("team-a-") and r["metadata"]["annotations"]["team"] == "a" for r in resources
    )
    spec = d.job(resources)["spec"]["template"]["spec"]
    found = {r["kind"]: r for r in resources}
    assert spec["serviceAccountName"] == found["ServiceAccount"]["metadata"]["name"]
    role = found["ServiceAccount"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role == "arn:aws:iam::444455556666:role/team-a-codeartifact"
    configmap = found["ConfigMap"]
    assert {v["name"]: v for v in spec["volumes"]}["config"]["configMap"]["name"] == configmap["metadata"]["name"]
    assert "domain: team-a" in configmap["data"]["config.yaml"]
    refresher = {c["name"]: c for c in spec["initContainers"]}["codeartifact-refresher"]
    assert refresher["image"] == "registry.example.com/platform/codeartifact-refresher:0.1.0", "the image you pushed"


# --- Compose -------------------------------------------------------------------------------------


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess:
    return run(tool("check-jsonschema"), "--builtin-schema", schema, path)


@pytest.mark.parametrize(
    ("schema", "path"),
    [("vendor.compose-spec", COMPOSE), ("vendor.github-workflows", WORKFLOW), ("vendor.gitlab-ci", GITLAB)],
    ids=["compose", "github-actions", "gitlab-ci"],
)
def test_every_compose_and_ci_file_passes_its_schema_and_a_broken_one_does_not(schema, path, tmp_path):
    done = check_jsonschema(schema, path)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / path.name
    broken.write_text(path.read_text() + "\nunknown_top_level_key: [1\n")
    assert check_jsonschema(schema, broken).returncode != 0


def test_the_compose_build_starts_once_the_refresher_holds_live_tokens():
    compose = yaml.safe_load(COMPOSE.read_text())
    refresher, build = compose["services"]["refresher"], compose["services"]["build"]
    assert build["depends_on"] == {"refresher": {"condition": "service_healthy"}}
    assert refresher["healthcheck"]["test"] == ["CMD", "codeartifact-refresher", "wait", "--timeout", "0"]
    assert refresher["read_only"] is True and refresher["cap_drop"] == ["ALL"]
    config_dir = str(Path(d.image_env()["CODEARTIFACT_REFRESHER_CONFIG"]).parent)
    assert f"./config:{config_dir}:ro" in refresher["volumes"]
    assert (COMPOSE.parent / "config" / "config.yaml").read_text() == SIDECAR.read_text()
    assert "creds:/creds" in refresher["volumes"] and "creds:/creds:ro" in build["volumes"]
    assert build["group_add"] == [str(d.user()[1])]
    assert build["user"].split(":")[0] != str(d.user()[0])


# --- CI ------------------------------------------------------------------------------------------


def test_actionlint_finds_nothing_in_the_workflow_and_refuses_a_broken_one(tmp_path):
    done = run(tool("actionlint"), WORKFLOW)
    assert done.returncode == 0 and done.stdout == "", done.stdout
    broken = tmp_path / "build.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    fo: 1"))
    assert run(tool("actionlint"), broken).returncode == 1


def test_the_workflow_trades_its_oidc_token_and_masks_the_codeartifact_token():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["permissions"]["id-token"] == "write"
    steps = workflow["jobs"]["build"]["steps"]
    (aws,) = [s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert aws["with"]["role-to-assume"].startswith("arn:aws:iam::") and "aws-access-key-id" not in aws["with"]
    (refresh,) = [s for s in steps if "codeartifact-refresher refresh" in s.get("run", "")]
    assert steps.index(aws) < steps.index(refresh)
    assert 'echo "::add-mask::$value"' in refresh["run"]
    assert "--config .github/codeartifact-refresher.yaml" in refresh["run"]


def test_the_gitlab_job_trades_an_id_token_for_the_role():
    job = yaml.safe_load(GITLAB.read_text())["build"]
    (name,) = job["id_tokens"]
    assert job["id_tokens"][name] == {"aud": "sts.amazonaws.com"}
    assert {"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} <= set(job["variables"])
    assert any(f'"${name}" > "$AWS_WEB_IDENTITY_TOKEN_FILE"' in line for line in job["before_script"])


# --- the configs ---------------------------------------------------------------------------------


def test_the_kustomize_and_compose_configs_are_the_shipped_sidecar_example():
    assert (d.KUSTOMIZE / "base" / "config.yaml").read_text() == SIDECAR.read_text()
    assert (d.DEPLOY / "compose" / "config" / "config.yaml").read_text() == SIDECAR.read_text()


def test_the_ci_configs_pass_check(tmp_path):
    environ = {**os.environ, "GITHUB_ENV": str(tmp_path / "github-env")}
    github = config.load(d.DEPLOY / "github-actions" / "codeartifact-refresher.yaml", environ=environ)
    assert {str(t.path) for t in github.domains[0].targets} == {environ["GITHUB_ENV"]}
    gitlab = config.load(d.DEPLOY / "gitlab-ci" / "codeartifact-refresher.yaml", environ=environ)
    assert [t.writer for t in gitlab.domains[0].targets] == ["pip", "npm"]
