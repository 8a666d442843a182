"""What the daemon costs between refreshes: CPU seconds per 20 s window, resident memory, threads.

Starts the stand-in (1-hour tokens) and `codeartifact-refresher run` with pip, npm and twine
targets, waits for the first round, then samples /proc for --windows windows of 20 s each.

    python3 bench/idle.py --windows 3
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
TARGETS = "pip pypi-store\nnpm npm-store\ntwine pypi-store".splitlines()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def status(pid: int) -> dict:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, v in (line.split(":", 1) for line in lines)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--health", action="store_true", help="also run the health listener")
    parser.add_argument("--domains", type=int, default=1, help="domains, each with the three targets")
    args = parser.parse_args()
    from codeartifact_refresher.testing import StandIn

    with tempfile.TemporaryDirectory() as tmp, StandIn(token_lifetime=3600) as standin:
        home, state = Path(tmp), Path(tmp) / "state.json"
        text = f"state_file: {state}\n" + ("health: {port: 0}\n" if args.health else "") + "domains:\n"
        for i in range(args.domains):
            standin.add_repository(f"d{i}", "pypi-store", "pypi", demo=False)
            standin.add_repository(f"d{i}", "npm-store", "npm", demo=False)
            targets = "".join(f"      - {{writer: {w}, repository: {r}, path: {tmp}/{i}/{w}.conf}}\n"
                              for w, r in (t.split() for t in TARGETS))
            text += f"  - domain: d{i}\n    region: us-east-1\n    endpoint_url: {standin.url}\n    targets:\n{targets}"
        config = Path(tmp, "config.yaml")
        config.write_text(text)
        env = {**os.environ, "HOME": str(home), "AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "x",
               "AWS_EC2_METADATA_DISABLED": "true"}
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "codeartifact_refresher", "-q", "run", "--config", str(config)],
                                env=env)
        while not (state.exists() and len(json.loads(state.read_text())["domains"]) == args.domains):
            if time.monotonic() - started > 60 or proc.poll() is not None:
                sys.exit("the daemon did not complete its first round")
            time.sleep(0.1)
        ready = time.monotonic() - started
        time.sleep(2)  # let the first round's threads settle
        samples = []
        for _ in range(args.windows):
            before = cpu_seconds(proc.pid)
            time.sleep(args.window)
            samples.append(cpu_seconds(proc.pid) - before)
        info = status(proc.pid)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    print(f"{args.domains} domain(s) x 3 targets{', health listener on' if args.health else ''}")
    print(f"first round done {ready:.2f} s after start (process start-up included)")
    print(f"idle CPU per {args.window:g} s window: " + ", ".join(f"{s:.3f} s" for s in samples)
          + f"  (max {max(samples):.3f} s; target <= 0.05 s)")
    print(f"resident: {info['VmRSS']} now, {info['VmHWM']} peak (target <= 80 MiB); threads: {info['Threads']}")
    print(f"exit status after SIGTERM: {code}")


if __name__ == "__main__":
    main()
