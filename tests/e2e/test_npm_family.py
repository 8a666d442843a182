"""pnpm, Yarn Berry, Yarn 1 and bun install through the stand-in with what `refresh` wrote, are
refused once the token lapses, and install again after the next refresh.

The demo package's name may exist on the public registry too: every test asserts that the
stand-in saw requests carrying a live token, not only that the client exited 0.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codeartifact_refresher.testing import packages

from ..conftest import write_config
from .clients import client_env, refresher, run
from .tools import search_path, tool

pytestmark = pytest.mark.e2e

#: what each client caches between runs, under the temporary HOME: removed to make it fetch again
CACHES = (".cache", ".local/share", ".npm", ".yarn", ".bun", ".pnpm-store")


@dataclass(frozen=True)
class Client:
    command: str
    writer: str
    args: tuple[str, ...]
    env: dict = field(default_factory=dict)


CLIENTS = {
    "pnpm": Client("pnpm", "pnpm", ("install", "--reporter=append-only")),
    "yarn": Client(
        "yarn-berry",
        "yarn",
        ("install",),
        {
            "YARN_ENABLE_TELEMETRY": "0",
            "YARN_UNSAFE_HTTP_WHITELIST": "127.0.0.1",  # the stand-in speaks http
            "YARN_ENABLE_GLOBAL_CACHE": "0",
            "YARN_ENABLE_IMMUTABLE_INSTALLS": "0",
            "YARN_NODE_LINKER": "node-modules",
            "YARN_CACHE_FOLDER": "{home}/.cache/yarn-berry",
            "YARN_GLOBAL_FOLDER": "{home}/.local/share/yarn-berry",
        },
    ),
    "yarn-classic": Client(
        "yarn",
        "yarn-classic",
        ("install", "--non-interactive", "--no-progress"),
        {"YARN_CACHE_FOLDER": "{home}/.cache/yarn1"},
    ),
    "bun": Client("bun", "bun", ("install", "--no-progress"), {"BUN_INSTALL_CACHE_DIR": "{home}/.cache/bun"}),
}


def install(client: Client, home: Path, project: Path, dependency: str = packages.DEMO_NAME):
    """The client installs ``dependency`` into a fresh ``project`` with nothing cached."""
    for cache in CACHES:
        shutil.rmtree(home / cache, ignore_errors=True)
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    manifest = {"name": "try-it", "version": "0.0.0", "private": True, "dependencies": {dependency: "1.0.0"}}
    (project / "package.json").write_text(json.dumps(manifest))
    extra = {k: v.format(home=home) for k, v in client.env.items()}
    env = client_env(home, PATH=search_path(), **extra)
    return run([tool(client.command), *client.args], env, cwd=project)


def installed(project: Path, name: str = packages.DEMO_NAME) -> str:
    return (project / "node_modules" / name / "index.js").read_text()


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_client_installs_then_refused_when_stale_then_works_after_refresh(name, standin, clock, tmp_path, home):
    client = CLIENTS[name]
    tool(client.command)  # skip (or fail in CI) before any work when the client is missing
    config = write_config(tmp_path / "c.yaml", standin, f"      - {{writer: {client.writer}, repository: npm-store}}\n")
    assert refresher(config).returncode == 0

    done = install(client, home, tmp_path / "p1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(tmp_path / "p1") == 'module.exports = "1.0.0";\n'
    assert standin.calls["npm:authorized"] >= 2 and standin.calls["npm:refused"] == 0  # packument, tarball

    clock.advance(901)  # the token lapses
    done = install(client, home, tmp_path / "p2")
    assert done.returncode != 0 and standin.calls["npm:refused"] >= 1

    authorized = standin.calls["npm:authorized"]
    assert refresher(config).returncode == 0
    done = install(client, home, tmp_path / "p3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert standin.calls["npm:authorized"] >= authorized + 2


@pytest.mark.parametrize("name", ["pnpm", "yarn", "bun"])
def test_client_installs_a_scoped_package_from_the_scopes_registry(name, standin, tmp_path, home):
    client = CLIENTS[name]
    tool(client.command)
    standin.repositories[("acme", standin.account, "npm", "npm-store")].publish_npm("@acme/widgets", "1.0.0")
    targets = f"      - {{writer: {client.writer}, repository: npm-store, scope: '@acme'}}\n"
    assert refresher(write_config(tmp_path / "c.yaml", standin, targets)).returncode == 0
    done = install(client, home, tmp_path / "p", dependency="@acme/widgets")
    assert done.returncode == 0, done.stdout + done.stderr
    assert installed(tmp_path / "p", "@acme/widgets") == 'module.exports = "1.0.0";\n'
    assert standin.calls["npm:authorized"] >= 2 and standin.calls["npm:refused"] == 0


def test_yarn1_sends_no_token_for_unscoped_packages_without_always_auth(standin, tmp_path, home):
    """Why yarn-classic writes //host/path/:always-auth: without it Yarn 1 asks anonymously."""
    tool("yarn")
    targets = "      - {writer: yarn-classic, repository: npm-store, always_auth: false}\n"
    assert refresher(write_config(tmp_path / "c.yaml", standin, targets)).returncode == 0
    done = install(CLIENTS["yarn-classic"], home, tmp_path / "p")
    assert done.returncode != 0 and standin.calls["npm:refused"] >= 1 and standin.calls["npm:authorized"] == 0


def test_npm_reads_the_yarn_classic_file_and_warns_only_about_always_auth(standin, tmp_path, home):
    """npm 11 installs with the same .npmrc, and its one complaint is the always-auth key (no file
    Yarn 1 reads it from is one npm does not read)."""
    targets = "      - {writer: yarn-classic, repository: npm-store}\n"
    assert refresher(write_config(tmp_path / "c.yaml", standin, targets)).returncode == 0
    env = client_env(home, npm_config_loglevel="warn")
    done = run(["npm", "install", "--prefix", str(tmp_path / "p"), packages.DEMO_NAME], env, cwd=home)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("npm warn")]
    assert warnings and all('Unknown user config "always-auth"' in line for line in warnings)
    assert standin.calls["npm:authorized"] >= 2
