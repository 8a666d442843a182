"""What the daemon costs between refreshes: CPU seconds per 20 s window, resident memory, threads.

Starts the stand-in (1-hour tokens) and `codeartifact-refresher run` with pip, npm and twine
targets, waits for the first round, then samples /proc for --windows windows of 20 s each.

    python3 bench/idle.py --windows 3
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from common import command, cpu_seconds, environment, status, wait_for_round, write_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--health", action="store_true", help="also run the health listener")
    parser.add_argument("--domains", type=int, default=1, help="domains, each with the three targets")
    parser.add_argument("--no-agent", action="store_true", help="agent: enabled: false (no credential socket)")
    args = parser.parse_args()
    from codeartifact_refresher.testing import StandIn

    with tempfile.TemporaryDirectory() as tmp, StandIn(token_lifetime=3600) as standin:
        extra = ["health: {port: 0}"] if args.health else []
        extra += ["agent: {enabled: false}"] if args.no_agent else []
        config, state = write_config(Path(tmp), standin, args.domains, "\n".join(extra))
        started = time.monotonic()
        proc = subprocess.Popen(command("-q", "run", "--config", str(config)), env=environment(Path(tmp)))
        wait_for_round(proc, state, args.domains, timeout=60)
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
    print(
        f"idle CPU per {args.window:g} s window: "
        + ", ".join(f"{s:.3f} s" for s in samples)
        + f"  (max {max(samples):.3f} s; target <= 0.05 s)"
    )
    print(f"resident: {info['VmRSS']} now, {info['VmHWM']} peak (target <= 80 MiB); threads: {info['Threads']}")
    print(f"exit status after SIGTERM: {code}")


if __name__ == "__main__":
    main()
