"""The CI examples run as their runners run them, against the stand-in: the GitHub Actions
workflow's own `run:` scripts in bash, with what aws-actions/configure-aws-credentials exports
and $GITHUB_ENV handed on between steps as the runner does; the GitLab job's own script lines in
sh, as root with GitLab's umask 0000, its id token traded by the real botocore for a role's
credentials (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE) at a small STS of the test's.

The install lines (`pipx install`, the venv's `pip install` of a release) are left out: this
checkout's program stands in for the release."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from codeartifact_refresher.testing import packages

from .. import deploy_files as d
from ..conftest import LEAKY_PREFIXES

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent  # the program, as pipx or the job's venv would put it on PATH


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A runner's environment: nothing of this machine's pip, npm or AWS settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(LEAKY_PREFIXES)}
    env.update(HOME=str(home), PATH=f"{BIN}:{env['PATH']}", npm_config_update_notifier="false", **extra)
    return env


def example_config(source: Path, into: Path) -> None:
    """The example config where the job finds it (its ``${GITHUB_ENV}`` is read when it is loaded)."""
    into.parent.mkdir(parents=True, exist_ok=True)
    into.write_text(source.read_text())


def github_env(path: Path) -> dict[str, str]:
    """What the runner takes from a step's $GITHUB_ENV file (NAME=VALUE lines)."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_the_github_workflow_gives_later_steps_credentials_with_the_token_masked(standin, tmp_path, home):
    workspace = tmp_path / "workspace"
    steps = yaml.safe_load((d.DEPLOY / "github-actions" / "build.yml").read_text())["jobs"]["build"]["steps"]
    (refresh,) = [s for s in steps if "codeartifact-refresher refresh" in s.get("run", "")]
    (pip_step,) = [s for s in steps if "pip install" in s.get("run", "")]
    env_file = tmp_path / "runner" / "set_env_1"
    env_file.parent.mkdir()
    env_file.write_text("")  # the runner makes an empty file per step
    env = clean_env(
        home,
        GITHUB_ENV=str(env_file),
        # what configure-aws-credentials exports (the stand-in takes any signed call)
        AWS_ACCESS_KEY_ID="ASIAGITHUB",
        AWS_SECRET_ACCESS_KEY="github-secret",
        AWS_SESSION_TOKEN="github-session",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL_CODEARTIFACT=standin.url,
    )
    example_config(
        d.DEPLOY / "github-actions" / "codeartifact-refresher.yaml",
        workspace / ".github" / "codeartifact-refresher.yaml",
    )
    ran = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", refresh["run"]],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (token,) = standin.issued_tokens()
    assert ran.stdout.splitlines().count(f"::add-mask::{token}") == 1
    assert token not in ran.stderr and token not in ran.stdout.replace(f"::add-mask::{token}", "")
    later = github_env(env_file)
    assert later["CODEARTIFACT_AUTH_TOKEN"] == token
    assert later["NPM_CONFIG_REGISTRY"] == standin.endpoint(
        standin.repositories[("acme", standin.account, "npm", "npm-store")]
    )

    env.update(later, PIP_TARGET=str(workspace / "site"))  # the next step's environment
    (workspace / "requirements.txt").write_text(f"{packages.DEMO_NAME}\n")
    python = tmp_path / "setup-python"
    python.mkdir()
    (python / "python").symlink_to(sys.executable)
    env["PATH"] = f"{python}:{env['PATH']}"
    installed = subprocess.run(
        ["bash", "-c", pip_step["run"]], cwd=workspace, env=env, capture_output=True, text=True, timeout=180
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert standin.calls["pypi:authorized"] > 0 and standin.calls["pypi:refused"] == 0
    # npm: NPM_CONFIG_REGISTRY from $GITHUB_ENV, the token line in the project's .npmrc (docs/ci.md)
    host_path = later["NPM_CONFIG_REGISTRY"].split("://", 1)[1]
    (workspace / ".npmrc").write_text(f"//{host_path}:_authToken=${{CODEARTIFACT_AUTH_TOKEN}}\n")
    viewed = subprocess.run(
        ["npm", "view", packages.DEMO_NAME, "version"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert viewed.returncode == 0 and viewed.stdout.strip() == packages.DEMO_VERSION, viewed.stderr
    assert standin.calls["npm:authorized"] > 0 and standin.calls["npm:refused"] == 0


class STS(http.server.BaseHTTPRequestHandler):
    """AssumeRoleWithWebIdentity, as STS answers it; the requests are kept for the test."""

    requests: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        STS.requests.append(form)
        expires = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAGITLAB</AccessKeyId>"
            "<SecretAccessKey>gitlab-secret</SecretAccessKey><SessionToken>gitlab-session</SessionToken>"
            f"<Expiration>{expires}</Expiration></Credentials>"
            "<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/codeartifact-reader/gitlab</Arn>"
            "<AssumedRoleId>AROAGITLAB:gitlab</AssumedRoleId></AssumedRoleUser>"
            "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            "</AssumeRoleWithWebIdentityResponse>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sts():
    STS.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), STS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(os.geteuid() != 0, reason="the job runs as root, as in GitLab's docker executor")
def test_the_gitlab_job_trades_its_id_token_and_gives_pip_its_file(standin, sts, tmp_path, home):
    job = yaml.safe_load((d.DEPLOY / "gitlab-ci" / "gitlab-ci.yml").read_text())["build"]
    here = tmp_path / "tmp"  # the job's /tmp
    here.mkdir()
    checkout = tmp_path / "builds" / "project"
    variables = {k: str(v).replace("/tmp/", f"{here}/") for k, v in job["variables"].items()}
    (id_token,) = job["id_tokens"]
    env = clean_env(
        home,
        **variables,
        **{id_token: "eyJhbGciOiJSUzI1NiJ9.gitlab-job-jwt.signature"},
        AWS_ENDPOINT_URL_STS=sts,
        AWS_ENDPOINT_URL_CODEARTIFACT=standin.url,
        PIP_TARGET=str(tmp_path / "site"),
    )
    # GitLab's checkout: umask 0000, so a world-writable config in a world-writable directory
    example_config(
        d.DEPLOY / "gitlab-ci" / "codeartifact-refresher.yaml", checkout / "ci" / "codeartifact-refresher.yaml"
    )
    for path in (checkout, checkout / "ci"):
        os.chmod(path, 0o777)
    os.chmod(checkout / "ci" / "codeartifact-refresher.yaml", 0o666)
    (checkout / "requirements.txt").write_text(f"{packages.DEMO_NAME}\n")
    lines = [
        line.replace("/tmp/", f"{here}/").replace(f"{here}/refresher/venv/bin/", f"{BIN}/")  # BIN may be under /tmp
        for line in job["before_script"] + job["script"]
        if "pip install --quiet codeartifact-refresher" not in line  # the release: this checkout instead
    ]
    script = "umask 0000\nset -e\n" + "\n".join(lines) + "\n"
    ran = subprocess.run(["sh", "-c", script], cwd=checkout, env=env, capture_output=True, text=True, timeout=180)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert [(r["Action"], r["RoleArn"], r["WebIdentityToken"]) for r in STS.requests] == [
        ("AssumeRoleWithWebIdentity", job["variables"]["AWS_ROLE_ARN"], env[id_token])
    ]
    assert oct(os.stat(variables["AWS_WEB_IDENTITY_TOKEN_FILE"]).st_mode & 0o777) == oct(0o600)
    pip_conf = home / ".config" / "pip" / "pip.conf"
    assert standin.issued_tokens()[0] in pip_conf.read_text() and (home / ".npmrc").is_file()
    assert standin.calls["pypi:authorized"] > 0 and standin.calls["pypi:refused"] == 0

    # why the job copies its config: as root, the refresher refuses the world-writable checkout's
    refused = subprocess.run(
        [str(BIN / "codeartifact-refresher"), "check", "--config", str(checkout / "ci" / "codeartifact-refresher.yaml")],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2 and "writable" in refused.stderr and "codeartifact-refresher.yaml" in refused.stderr
