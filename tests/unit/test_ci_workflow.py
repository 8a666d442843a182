""".github/workflows/ci.yml does what the project's CI needs on GitHub Actions: ``.ci/run`` on Linux
for every Python that pyproject.toml says is supported, the unit tests on macOS, read-only
permissions, one run per branch at a time, a time limit on every job and pinned actions. (GitHub's
schema and actionlint check it in tests/unit/test_release_workflow.py, with every workflow.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import tomlkit
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d+)$")


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / "ci.yml").read_text())


def supported() -> list[str]:
    project = tomlkit.parse((ROOT / "pyproject.toml").read_text())["project"].unwrap()
    versions = [m.group(1) for c in project["classifiers"] if (m := CLASSIFIER.match(c))]
    assert project["requires-python"] == f">={versions[0]}", "requires-python and the classifiers disagree"
    return versions


def key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def test_it_runs_on_pushes_to_main_pull_requests_and_a_schedule(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on["push"] == {"branches": ["main"]} and "pull_request" in on and on["schedule"]
    assert workflow["permissions"] == {"contents": "read"}
    assert "${{ github.ref }}" in workflow["concurrency"]["group"]
    assert not any("permissions" in job for job in workflow["jobs"].values())  # nothing asks for more


def test_ci_run_on_linux_for_every_supported_python(workflow):
    linux = workflow["jobs"]["linux"]
    versions = linux["strategy"]["matrix"]["python"]
    assert sorted(versions, key=key) == supported() and len(supported()) >= 4
    assert linux["strategy"]["fail-fast"] is False  # one Python's failure does not hide another's
    assert linux["container"]["image"] == "python:${{ matrix.python }}-bookworm"  # Debian 12, as root
    assert linux["env"]["LOCK_PYTHON"] in versions  # the locked half runs on the lock's own Python
    [step] = [s for s in linux["steps"] if ".ci/run" in s.get("run", "")]
    assert step["env"] == {"PYTHON": "${{ matrix.python }}"}
    assert 'if [ "$PYTHON" = "$LOCK_PYTHON" ]; then\n  .ci/run\nelse\n  .ci/run --latest\nfi' in step["run"]


def test_the_unit_tests_on_macos_at_both_ends_of_the_supported_range(workflow):
    macos = workflow["jobs"]["macos"]
    assert macos["runs-on"].startswith("macos")
    assert macos["strategy"]["matrix"]["python"] == [supported()[0], supported()[-1]]
    runs = [s["run"] for s in macos["steps"] if "run" in s]
    assert runs[0].splitlines()[-1] == ".venv/bin/python -m pip install --quiet -e '.[test]'"  # as the README says
    assert runs[-1].endswith("-m pytest tests/unit")
    assert macos["env"]["REFRESHER_REQUIRE_CLIENTS"] == "0"  # no .ci/install-clients there: skips, with reasons


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_every_job_has_a_time_limit_or_is_short_and_actions_are_pinned(path):
    jobs = yaml.safe_load(path.read_text())["jobs"]
    for name, job in jobs.items():
        steps = [s for s in job.get("steps", []) if "run" in s]
        if any(".ci/run" in s["run"] or "pytest" in s["run"] for s in steps):
            assert job.get("timeout-minutes"), f"{path.name}: job {name} runs the tests without a time limit"
        for step in job.get("steps", []):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+|release/v\d+|[0-9a-f]{40})", step["uses"]), step["uses"]


def test_node_20_wherever_the_npm_family_runs(workflow):
    for name in ("linux", "macos"):
        node = [s for s in workflow["jobs"][name]["steps"] if s.get("uses", "").startswith("actions/setup-node@")]
        assert [s["with"]["node-version"] for s in node] == ["20"], name


def test_ci_run_validates_every_workflow_before_the_tests():
    """GitHub's schema and actionlint over .github/workflows, beside ruff and mypy in the locked venv."""
    run = (ROOT / ".ci" / "run").read_text()
    locked = run[run.index("locked() {") : run.index("latest() {")]
    checks = [
        ".clients/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml",
        ".clients/bin/actionlint .github/workflows/*.yml",
    ]
    assert all(c in locked.splitlines() for c in (f"    {c}" for c in checks))
    assert locked.index(checks[1]) < locked.index("-m pytest")
