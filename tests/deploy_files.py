"""Reading what the image and the manifests say, for the tests that check them and the test that
runs the entrypoint as they would: the Dockerfile's instructions and environment, the kustomize
renders, the containers of the build Job."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DEPLOY = ROOT / "deploy"
KUSTOMIZE = DEPLOY / "kubernetes"
OVERLAYS = sorted(p.name for p in (KUSTOMIZE / "overlays").iterdir())
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # the python images' PATH


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    found, pending = [], ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, rest = pending.strip().partition(" ")
        found.append((keyword.upper(), rest.strip()))
        pending = ""
    return found


def final_stage(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """The instructions from the last FROM on: what the image that runs is made of."""
    steps = instructions(path)
    last = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last:]


def build_stage(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """The instructions before the last FROM: how the venv that the image copies is made."""
    steps = instructions(path)
    last = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[:last]


def dockerignore_allows(relative: str) -> bool:
    """Docker's .dockerignore rules for the patterns that file uses: the last pattern matching the
    path or one of its parents decides; ``!`` lets back in; ``*`` stays within a path element."""
    allowed = True
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        regex = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        parts = relative.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            allowed = negate
    return allowed


def context_files() -> list[str]:
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    return [f for f in tracked if dockerignore_allows(f)]


def pairs(arguments: str) -> dict[str, str]:
    """``K=V K2="V 2"`` (ENV, LABEL) as a dict, quotes removed."""
    return dict(item.split("=", 1) for item in shlex.split(arguments))


def image_env(base_path: str = BASE_PATH) -> dict[str, str]:
    """The environment the image's ENV instructions set, ``$PATH`` expanded against the base's."""
    env: dict[str, str] = {}
    for keyword, arguments in final_stage():
        if keyword == "ENV":
            for name, value in pairs(arguments).items():
                env[name] = re.sub(r"\$\{?PATH\}?", base_path, value)
    return env


def exec_form(keyword: str) -> list[str]:
    """The JSON (exec) form of ENTRYPOINT or CMD in the final stage."""
    (arguments,) = [a for k, a in final_stage() if k == keyword]
    return json.loads(arguments)


def user() -> tuple[int, int]:
    (arguments,) = [a for k, a in final_stage() if k == "USER"]
    uid, gid = arguments.split(":")
    return int(uid), int(gid)


def render(directory: Path) -> list[dict]:
    """``kubectl kustomize DIR``, offline, as a list of resources."""
    from .e2e.tools import tool

    done = subprocess.run([tool("kubectl"), "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def job(resources: list[dict]) -> dict:
    (found,) = [r for r in resources if r["kind"] == "Job"]
    return found


def container(pod_spec: dict, name: str) -> dict:
    (found,) = [c for c in pod_spec.get("initContainers", []) + pod_spec["containers"] if c["name"] == name]
    return found


def env_of(spec: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in spec.get("env", [])}
