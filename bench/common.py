"""What the benchmarks share: a config of N domains on a stand-in, and reading /proc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
TARGETS = (("pip", "pypi-store"), ("npm", "npm-store"), ("twine", "pypi-store"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def status(pid: int) -> dict:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, v in (line.split(":", 1) for line in lines)}


def kib(value: str) -> int:
    return int(value.split()[0])


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def write_config(tmp: Path, standin, domains: int, extra: str = "") -> tuple[Path, Path]:
    """A config of ``domains`` domains with the three targets each; (config, state file)."""
    state = tmp / "state.json"
    lines = [
        f"state_file: {state}",
        extra,
        "defaults:",
        "  region: us-east-1",
        f"  endpoint_url: {standin.url}",
        "domains:",
    ]
    for i in range(domains):
        standin.add_repository(f"d{i}", "pypi-store", "pypi", demo=False)
        standin.add_repository(f"d{i}", "npm-store", "npm", demo=False)
        lines.append(f"  - domain: d{i}\n    targets:")
        lines += [f"      - {{writer: {w}, repository: {r}, path: {tmp}/{i}/{w}.conf}}" for w, r in TARGETS]
    config = tmp / "config.yaml"
    config.write_text("\n".join(line for line in lines if line) + "\n")
    return config, state


def environment(home: Path) -> dict:
    return {
        **os.environ,
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "codeartifact_refresher", *args]


def state_domains(state: Path) -> dict:
    try:
        return json.loads(state.read_text())["domains"]
    except (OSError, ValueError, KeyError):
        return {}


def wait_for_round(proc: subprocess.Popen, state: Path, domains: int, timeout: float = 600) -> float:
    """Seconds until the state file shows every domain refreshed once."""
    started = time.monotonic()
    while sum(1 for d in state_domains(state).values() if d.get("last_success")) < domains:
        if time.monotonic() - started > timeout or proc.poll() is not None:
            sys.exit("the daemon did not complete its first round")
        time.sleep(0.05 if domains < 100 else 0.5)  # reading a big state file costs CPU the daemon needs
    return time.monotonic() - started
