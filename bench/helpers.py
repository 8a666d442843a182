"""Benchmark: a real `pip download`, `uv pip install` and `cargo fetch` getting their token from the
daemon through our helpers, against the usual helpers that call AWS themselves: wall time and
`GetAuthorizationToken` calls per client run.

- pip (`--keyring-provider import`) and uv (`--keyring-provider subprocess`): our keyring backend
  against keyrings.codeartifact (from PyPI, in bench/.venv with the AWS CLI);
- cargo: our credential provider against AWS's documented `cargo:token-from-stdout` running
  `aws codeartifact get-authorization-token` (keyrings.codeartifact serves PyPI only).

keyrings.codeartifact answers only for hosts of the real shape
(`DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com`, paths `/pypi/REPO/`), so the clients reach
the stand-in under that name: the script re-runs itself in a private mount namespace (we are
root) with its own /etc/hosts naming 127.0.0.1, and the stand-in routes a request by its Host
header as CodeArtifact does. The stand-in speaks HTTPS there (a throw-away certificate for that
name and 127.0.0.1, which every client and botocore is told to trust), as the real service does
and as the daemon requires of a URL of the real shape. Both sides use the same client command,
index URL and certificate; only the helper differs. keyrings.codeartifact's boto3 reaches the
stand-in through AWS_ENDPOINT_URL_CODEARTIFACT.

    .venv/bin/python bench/helpers.py [--rounds 5]   (as root: it makes a mount namespace)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from codeartifact_refresher.testing import StandIn
from codeartifact_refresher.testing import standin as standin_module
from codeartifact_refresher.testing.cargo_repo import DEMO_CRATE
from codeartifact_refresher.testing.packages import DEMO_NAME
from common import environment
from refresh_vs_login import VENV, aws_cli

HERE = Path(__file__).resolve().parent
CLIENTS = HERE.parent / ".clients" / "bin"
OWNER = "111122223333"
HOST = f"acme-{OWNER}.d.codeartifact.us-east-1.amazonaws.com"
SHAPE = re.compile(r"^(?P<domain>[a-z0-9-]+)-(?P<owner>\d{12})\.d\.codeartifact\.[a-z0-9-]+\.amazonaws\.com$")
GET_TOKEN = "GetAuthorizationToken"  # noqa: S105  # the stand-in's call counter, not a password
NAMESPACE_FLAG = "BENCH_HELPERS_IN_NAMESPACE"


class HostRouted(StandIn):
    """The stand-in over TLS, also serving ``https://DOMAIN-OWNER.d.codeartifact...:PORT/FORMAT/REPO/``."""

    def __init__(self, cert: Path, key: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(cert, key)

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def start(self) -> StandIn:
        server = standin_module._Server((self.host, self.port), standin_module._Handler)
        server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        server.standin = self
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def data(self, method: str, path: str, headers, body: bytes):  # type: ignore[no-untyped-def]
        match = SHAPE.match((headers.get("Host") or "").rsplit(":", 1)[0])
        if match:
            path = f"/{match['domain']}-{match['owner']}{path}"
        return super().data(method, path, headers, body)


def in_namespace() -> None:
    """Re-run this script in a private mount namespace whose /etc/hosts names the real host."""
    if os.environ.get(NAMESPACE_FLAG):
        hosts = Path(tempfile.mkdtemp()) / "hosts"
        hosts.write_text(Path("/etc/hosts").read_text() + f"\n127.0.0.1 {HOST}\n")
        subprocess.run(["mount", "--bind", str(hosts), "/etc/hosts"], check=True)  # noqa: S607  # util-linux, on PATH
        return
    cmd = ["unshare", "--mount", "--propagation", "private", sys.executable, __file__, *sys.argv[1:]]
    sys.exit(subprocess.run(cmd, env={**os.environ, NAMESPACE_FLAG: "1"}, check=False).returncode)


def their_venv() -> Path:
    """bench/.venv with the AWS CLI (refresh_vs_login's) and keyrings.codeartifact."""
    aws_cli()
    python = VENV / "bin" / "python"
    if subprocess.run([python, "-c", "import keyrings.codeartifact"], capture_output=True, check=False).returncode:
        subprocess.run([VENV / "bin" / "pip", "install", "-q", "keyrings.codeartifact"], check=True)
    return VENV / "bin"


def certificate(tmp: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate it signs for the real-shaped host and 127.0.0.1
    (rustls, in uv, refuses a self-signed CA as a server's): (CA cert, server cert, server key)."""
    ca, ca_key, cert, key, csr = (tmp / n for n in ("ca.pem", "ca-key.pem", "cert.pem", "key.pem", "req.pem"))
    ext = tmp / "ext.cnf"
    ext.write_text(f"subjectAltName=DNS:{HOST},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    steps = [
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            ca_key,
            "-out",
            ca,
            "-subj",
            "/CN=bench CA",
        ],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={HOST}"],
        [
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            ca,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-days",
            "1",
            "-out",
            cert,
            "-extfile",
            ext,
        ],
    ]
    for step in steps:
        subprocess.run(["openssl", *map(str, step)], check=True, capture_output=True)  # noqa: S607  # on PATH
    return ca, cert, key


def keyring_dir(tmp: Path) -> Path:
    """A ``keyring`` command running this interpreter's keyring (our backend), for uv."""
    where = tmp / "our-keyring"
    where.mkdir()
    (where / "keyring").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m keyring "$@"\n')
    (where / "keyring").chmod(0o755)
    return where


def timed(standin: StandIn, cmd: list, env: dict, cwd: Path | None = None) -> tuple[float, int]:
    """(wall seconds, GetAuthorizationToken calls) of one client run, which must succeed and
    must have been served with a token."""
    calls, authorized = standin.calls[GET_TOKEN], sum(standin.calls[f"{f}:authorized"] for f in ("pypi", "cargo"))
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, f"{' '.join(map(str, cmd))}\n{done.stdout}{done.stderr}"
    assert sum(standin.calls[f"{f}:authorized"] for f in ("pypi", "cargo")) > authorized, "no authorized request"
    return elapsed, standin.calls[GET_TOKEN] - calls


def start_daemon(tmp: Path, standin: StandIn, env: dict) -> tuple[subprocess.Popen, Path]:
    sock = Path(tempfile.mkdtemp(prefix="bh-", dir="/tmp")) / "s" / "agent.sock"
    config = tmp / "config.yaml"
    config.write_text(
        f"state_file: {tmp / 'state.json'}\nagent:\n  socket: {sock}\ndomains:\n  - domain: acme\n"
        f'    owner: "{OWNER}"\n    region: us-east-1\n    endpoint_url: {standin.url}\n    targets: []\n'
    )
    log = open(tmp / "daemon.log", "wb")  # noqa: SIM115 - the daemon's for its life
    proc = subprocess.Popen(
        [sys.executable, "-m", "codeartifact_refresher", "run", "--config", str(config)],
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while not (sock.exists() and standin.calls[GET_TOKEN]):
        assert time.monotonic() < deadline and proc.poll() is None, (tmp / "daemon.log").read_text()
        time.sleep(0.05)
    return proc, sock


def runs(tmp: Path, standin: StandIn, theirs: Path, sock: Path, base: dict) -> dict:
    """Each (client, helper) -> a function running it once in a fresh directory, returning its (time, calls)."""
    index = f"https://aws@{HOST}:{standin.port}/pypi/pypi-store/simple/"
    pip_args = ["download", "--no-deps", "--no-cache-dir", "--keyring-provider", "import", "--index-url", index]
    pip_args += [DEMO_NAME]
    ours_env = {**base, "CODEARTIFACT_REFRESHER_SOCKET": str(sock)}
    ours_env.pop("PYTHON_KEYRING_BACKEND", None)
    their_env = {**base, "AWS_ENDPOINT_URL_CODEARTIFACT": standin.url, "AWS_DEFAULT_REGION": "us-east-1"}
    path = os.environ.get("PATH", os.defpath)
    ours_keyring = keyring_dir(tmp)
    counter = iter(range(1_000_000))

    def fresh() -> Path:
        where = tmp / f"run{next(counter)}"
        where.mkdir()
        return where

    def pip(python: str, env: dict) -> tuple[float, int]:
        return timed(standin, [python, "-m", "pip", *pip_args, "-d", str(fresh())], env)

    def uv(keyring_bin: Path, env: dict) -> tuple[float, int]:
        cmd = [str(CLIENTS / "uv"), "pip", "install", "--python", sys.executable, "--target", str(fresh())]
        cmd += ["--index-url", index, "--keyring-provider", "subprocess", DEMO_NAME]
        return timed(standin, cmd, {**env, "PATH": f"{keyring_bin}:{CLIENTS}:{path}", "UV_NO_CACHE": "1"})

    def cargo(provider: str, env: dict) -> tuple[float, int]:
        where = fresh()
        (where / "home").mkdir()
        (where / "home" / "config.toml").write_text(
            f'[registries.codeartifact]\nindex = "sparse+https://{HOST}:{standin.port}/cargo/cargo-store/"\n'
            f"credential-provider = {provider}\n"
        )
        (where / "app" / "src").mkdir(parents=True)
        (where / "app" / "src" / "lib.rs").write_text("")
        (where / "app" / "Cargo.toml").write_text(
            f'[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
            f'{DEMO_CRATE} = {{ version = "1", registry = "codeartifact" }}\n'
        )
        env = {
            **env,
            "CARGO_HOME": str(where / "home"),
            "PATH": f"{Path(sys.executable).parent}:{theirs}:{CLIENTS}:{path}",
        }
        return timed(standin, [str(CLIENTS / "cargo"), "fetch"], env, cwd=where / "app")

    aws = f"aws codeartifact get-authorization-token --domain acme --domain-owner {OWNER} --query authorizationToken --output text"
    token_from_stdout = f'["cargo:token-from-stdout", "sh", "-c", "echo Bearer $({aws})"]'
    return {
        ("pip download", "ours"): lambda: pip(sys.executable, ours_env),
        ("pip download", "keyrings.codeartifact"): lambda: pip(str(theirs / "python"), their_env),
        ("uv pip install", "ours"): lambda: uv(ours_keyring, ours_env),
        ("uv pip install", "keyrings.codeartifact"): lambda: uv(theirs, their_env),
        ("cargo fetch", "ours"): lambda: cargo('"cargo-credential-codeartifact-refresher"', ours_env),
        ("cargo fetch", "aws cli token-from-stdout"): lambda: cargo(token_from_stdout, their_env),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    theirs = their_venv()
    in_namespace()
    ca, cert, key = certificate(Path(tempfile.mkdtemp()))
    standin = HostRouted(cert, key, token_lifetime=3600)
    standin.add_repository("acme", "pypi-store", "pypi")
    standin.add_repository("acme", "cargo-store", "cargo")
    with standin, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "home").mkdir()
        names = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CARGO_HTTP_CAINFO", "AWS_CA_BUNDLE")
        trust = dict.fromkeys(names, str(ca))  # requests lets REQUESTS_CA_BUNDLE win over pip's --cert
        base = {
            **environment(tmp / "home"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_CONFIG_FILE": os.devnull,
            **trust,
        }
        base = {k: v for k, v in base.items() if not k.startswith(("PIP_FIND", "UV_", "CARGO_REGISTRIES"))}
        daemon, sock = start_daemon(tmp, standin, base)
        try:
            table = runs(tmp, standin, theirs, sock, base)
            results: dict = {key: [] for key in table}
            for _ in range(args.rounds):
                for key, run in table.items():
                    results[key].append(run())
        finally:
            daemon.terminate()
            daemon.wait(30)
            shutil.rmtree(sock.parent.parent, ignore_errors=True)
    print(f"{args.rounds} runs each, interleaved; median wall time; GetAuthorizationToken calls per run")
    for (client, helper), found in results.items():
        times, calls = [t for t, _ in found], [c for _, c in found]
        print(f"  {client:15} {helper:26} {statistics.median(times):6.2f} s   {statistics.mean(calls):.1f} calls/run")


if __name__ == "__main__":
    main()
