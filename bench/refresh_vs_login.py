"""Benchmark: one `refresh` of pip, npm and twine against `aws codeartifact login` for the three
tools and against a bare boto3 script doing the same three API calls and three file writes.

All three run as fresh processes against the same local stand-in, interleaved round by round;
the report gives medians. The AWS CLI (v1, from PyPI) lives in bench/.venv because it pins a
docutils that conflicts with twine; the script creates that venv on first use, with boto3 for
the bare script (codeartifact-refresher itself needs only botocore).

    python3 bench/refresh_vs_login.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from codeartifact_refresher.testing import StandIn

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"

BARE_BOTO3 = """
import os, sys, boto3
url, owner, home = sys.argv[1:4]
client = boto3.client("codeartifact", region_name="us-east-1", endpoint_url=url)
token = client.get_authorization_token(domain="acme", domainOwner=owner)["authorizationToken"]
pypi = client.get_repository_endpoint(domain="acme", domainOwner=owner, repository="pypi-store", format="pypi")["repositoryEndpoint"]
npm = client.get_repository_endpoint(domain="acme", domainOwner=owner, repository="npm-store", format="npm")["repositoryEndpoint"]
host = pypi.split("://")[1]
files = {
    "pip.conf": f"[global]\\nindex-url = http://aws:{token}@{host}simple/\\n",
    ".npmrc": f"registry={npm}\\n//{npm.split('://')[1]}:_authToken={token}\\n",
    ".pypirc": f"[distutils]\\nindex-servers = codeartifact\\n[codeartifact]\\nrepository = {pypi}\\nusername = aws\\npassword = {token}\\n",
}
for name, text in files.items():
    fd = os.open(os.path.join(home, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
"""


def aws_cli() -> Path:
    """bench/.venv's ``aws``, installed with boto3 (for the bare script) on first use."""
    aws, python = VENV / "bin" / "aws", VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not aws.exists() or subprocess.run([python, "-c", "import boto3"], capture_output=True).returncode:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "awscli", "boto3"], check=True)
    return aws


def timed(cmd: list, env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    aws = aws_cli()
    standin = StandIn()
    standin.add_repository("acme", "pypi-store", "pypi")
    standin.add_repository("acme", "npm-store", "npm")
    with standin, tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        config = home / "config.yaml"
        config.write_text(
            f'domains:\n  - domain: acme\n    owner: "{standin.account}"\n    region: us-east-1\n'
            f"    endpoint_url: {standin.url}\n    targets:\n"
            f"      - {{writer: pip, repository: pypi-store, path: {home}/pip.conf}}\n"
            f"      - {{writer: npm, repository: npm-store, path: {home}/.npmrc}}\n"
            f"      - {{writer: twine, repository: pypi-store, path: {home}/.pypirc}}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "AWS_", "npm_config_", "NPM_CONFIG_"))}
        env.update(
            HOME=str(home),
            AWS_ACCESS_KEY_ID="AKIDBENCH",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ENDPOINT_URL_CODEARTIFACT=standin.url,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            XDG_CONFIG_HOME=str(home / ".config"),
            npm_config_update_notifier="false",
            PATH=f"{VENV / 'bin'}:{os.environ['PATH']}",
        )
        login = [
            [
                str(aws),
                "codeartifact",
                "login",
                "--tool",
                tool,
                "--domain",
                "acme",
                "--domain-owner",
                standin.account,
                "--repository",
                repo,
            ]
            for tool, repo in (("pip", "pypi-store"), ("npm", "npm-store"), ("twine", "pypi-store"))
        ]
        ours = [sys.executable, "-m", "codeartifact_refresher", "-q", "refresh", "--config", str(config)]
        bare = [str(VENV / "bin" / "python"), "-c", BARE_BOTO3, standin.url, standin.account, str(home)]
        results: dict[str, list[float]] = {"aws login x3": [], "refresh": [], "bare boto3": []}
        timed(ours, env), timed(bare, env)  # warm the page cache once
        for _ in range(args.rounds):
            results["aws login x3"].append(sum(timed(cmd, env) for cmd in login))
            results["refresh"].append(timed(ours, env))
            results["bare boto3"].append(timed(bare, env))
    medians = {k: statistics.median(v) for k, v in results.items()}
    print(f"{args.rounds} interleaved rounds, medians (wall seconds):")
    for name, value in medians.items():
        print(f"  {name:<14} {value:7.3f}   (min {min(results[name]):.3f}, max {max(results[name]):.3f})")
    print(f"aws login x3 / refresh: {medians['aws login x3'] / medians['refresh']:.2f}x  (target >= 5)")
    print(f"refresh / bare boto3:   {medians['refresh'] / medians['bare boto3']:.2f}x  (target <= 1.25)")


if __name__ == "__main__":
    main()
