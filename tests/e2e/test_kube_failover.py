"""Two replicas of the real ``codeartifact-refresher run``, one Lease, one Secret: the leader is
killed with SIGKILL mid-run and the standby takes the Lease within about 25 s (client-go's
defaults, unchanged: a 15 s lease plus one jittered 2-4.4 s retry), the Secret (read with the real
``kubectl get secret -o json``) never holds an expired token across several token lifetimes,
and no two replicas write the Secret within one term (from the API stand-in's records).

The tokens live 30 s and the domain refreshes at 10% of their life (``refresh_at: 0.1``), so
that a token in the Secret has more life left than a failover takes: with the default 75%, a
leader killed just before its refresh leaves a quarter of the lifetime, and tokens would have to
live 100 s for the test to prove anything, making it minutes long. The lease timings are not shortened.
"""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from codeartifact_refresher.testing import KubeStandIn, StandIn

from ..leaks import assert_no_token
from .daemon_process import DaemonProcess, wait_for
from .tools import tool

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timing]

LIFETIME = 30.0  # seconds a token lives
LEASE = "codeartifact-refresher"
TAKEOVER = 25.0  # the bound: the lease duration plus client-go's jittered retry, and some slack


def config(tmp_path: Path, kube: KubeStandIn, standin: StandIn, replica: str) -> Path:
    kubeconfig = kube.write_kubeconfig(tmp_path / f"{replica}.kubeconfig", user=replica)
    path = tmp_path / f"{replica}.yaml"
    path.write_text(
        f"kubernetes:\n  kubeconfig: {kubeconfig}\n  lease: {LEASE}\n"
        f"state_file: {tmp_path / replica / 'state.json'}\n"
        f"domains:\n  - domain: acme\n    owner: '{standin.account}'\n    region: us-east-1\n"
        f"    endpoint_url: {standin.url}\n    refresh_at: 0.1\n    targets:\n"
        "      - {writer: npm, repository: npm-store, secret: creds}\n"
    )
    return path


def start(tmp_path: Path, kube: KubeStandIn, standin: StandIn, replica: str) -> DaemonProcess:
    path = config(tmp_path, kube, standin, replica)
    return DaemonProcess(path, tmp_path / f"{replica}.log", env={"POD_NAME": replica})


def holder(kube: KubeStandIn) -> str:
    lease = kube.lease("default", LEASE)
    return str(((lease or {}).get("spec") or {}).get("holderIdentity") or "")


class Watcher:
    """Reads the Secret over and over, with the real kubectl, on a thread: each token seen and
    whether it had expired (by the stand-in's own record of when it does) when read."""

    def __init__(self, tmp_path: Path, kube: KubeStandIn, standin: StandIn) -> None:
        self.kubeconfig = kube.write_kubeconfig(tmp_path / "kubectl.kubeconfig", user="reader")
        self.standin = standin
        self.seen: list[str] = []  # tokens, in the order first read
        self.expired: list[tuple[float, float]] = []  # (when read, when it had expired)
        self.reads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def read(self) -> dict[str, Any] | None:
        done = subprocess.run(
            [tool("kubectl"), "--kubeconfig", str(self.kubeconfig), "get", "secret", "creds", "-o", "json"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            assert "NotFound" in done.stderr, done.stderr
            return None
        secret: dict[str, Any] = json.loads(done.stdout)
        return {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}

    def _run(self) -> None:
        while not self._stop.wait(0.3):
            data = self.read()
            if data is None:
                continue
            now, token = time.time(), data["password"]
            self.reads += 1
            if token not in self.seen:
                self.seen.append(token)
            expires = self.standin._tokens[token][1]  # the stand-in's truth, not what the Secret says
            if expires <= now:
                self.expired.append((now, expires))


def test_the_standby_takes_over_a_killed_leader_and_the_secret_stays_fresh(tmp_path, home):
    with KubeStandIn() as kube, StandIn(token_lifetime=LIFETIME) as standin:
        standin.add_repository("acme", "npm-store", "npm")
        a = start(tmp_path, kube, standin, "replica-a")
        b: DaemonProcess | None = None
        watcher = Watcher(tmp_path, kube, standin)
        try:
            wait_for(lambda: holder(kube).startswith("replica-a_"), 30, "replica-a to lead")
            wait_for(lambda: kube.secret("default", "creds"), 30, "the leader's first Secret")
            watcher.start()
            b = start(tmp_path, kube, standin, "replica-b")
            wait_for(lambda: "following replica-a_" in b.log, 30, "replica-b to follow")
            wait_for(lambda: len(watcher.seen) >= 3, 30, "the leader's third token")  # a refreshes every ~3 s
            assert not holder(kube).startswith("replica-b_")
            a.proc.send_signal(signal.SIGKILL)
            a.proc.wait(10)
            killed = time.monotonic()
            wait_for(lambda: holder(kube).startswith("replica-b_"), TAKEOVER + 10, "replica-b to take the Lease")
            took = next(c.time for c in kube.lease_history("default", LEASE) if c.user == "replica-b")
            tokens_at_kill = len(watcher.seen)
            began = kube.lease_history("default", LEASE)[0].time
            wait_for(
                lambda: len(watcher.seen) >= tokens_at_kill + 5 and time.monotonic() - began >= 3 * LIFETIME,
                4 * LIFETIME,
                "three token lifetimes, the last ones served by replica-b",
            )
            shown = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "codeartifact_refresher",
                    "status",
                    "--json",
                    "--config",
                    str(tmp_path / "replica-b.yaml"),
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            watcher.stop()
            last = watcher.read()
            status, _ = b.stop()
        finally:
            watcher.stop()
            a.close()
            if b is not None:
                b.close()
        print(f"takeover {took - killed:.1f}s after SIGKILL; {len(watcher.seen)} tokens, {watcher.reads} kubectl reads")

        assert took - killed <= TAKEOVER, f"replica-b took the Lease {took - killed:.1f}s after the kill"
        assert took - killed >= 15 - 2.0 - 0.5  # not before a's lease ran out (its last renewal <= 2 s before the kill)
        assert watcher.expired == [], "the Secret held an expired token"
        assert watcher.reads > 100
        assert last is not None and last["password"] == watcher.seen[-1]
        assert status == 0

        # every Secret write was made by the replica holding the Lease at that moment: one writer a term
        changes = kube.lease_history("default", LEASE)
        writes = kube.writes_to("Secret", "default", "creds")
        terms: dict[int, set[str]] = {}
        for w in writes:
            current = [c for c in changes if c.time <= w.time][-1]
            assert current.spec["holderIdentity"].startswith(w.user + "_"), (w, current)
            terms.setdefault(current.spec["leaseTransitions"], set()).add(w.user)
        assert terms == {0: {"replica-a"}, 1: {"replica-b"}}

        # a clean stop released the Lease; status showed who led, who we are, the term
        released = changes[-1].spec
        assert (released.get("holderIdentity") or "", released["leaseDurationSeconds"]) == ("", 1)
        assert released["leaseTransitions"] == 1
        leadership = json.loads(shown.stdout)["daemon"]["leadership"]
        assert leadership["leading"] and leadership["term"] == 1
        assert leadership["leader"] == leadership["identity"] and leadership["identity"].startswith("replica-b_")
        assert_no_token(standin.issued_tokens(), {"replica-a log": a.log, "replica-b log": b.log})
