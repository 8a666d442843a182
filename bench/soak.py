"""A soak run: the daemon with 8-second tokens for --minutes (default 10), sampled every --every
seconds. Reports resident memory, open file descriptors and threads over time, and whether every
refresh succeeded (from the daemon's /metrics and the stand-in's counts).

    python3 bench/soak.py --minutes 10
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from common import command, environment, kib, open_fds, status, wait_for_round, write_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=float, default=10)
    parser.add_argument("--lifetime", type=float, default=8)
    parser.add_argument("--domains", type=int, default=1)
    args = parser.parse_args()
    from codeartifact_refresher.testing import StandIn

    with tempfile.TemporaryDirectory() as tmp, StandIn(token_lifetime=args.lifetime) as standin:
        config, state = write_config(Path(tmp), standin, args.domains, extra="health: {port: 0}")
        proc = subprocess.Popen(command("-q", "run", "--config", str(config)), env=environment(Path(tmp)))
        wait_for_round(proc, state, args.domains, timeout=60)
        samples, started = [], time.monotonic()
        while True:
            info = status(proc.pid)
            samples.append((time.monotonic() - started, kib(info["VmRSS"]), open_fds(proc.pid), int(info["Threads"])))
            if samples[-1][0] >= args.minutes * 60:
                break
            time.sleep(args.every)
        peak = kib(status(proc.pid)["VmHWM"])
        successes, failures = (counted(state, name) for name in ("success", "failure"))
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        calls, live = standin.calls["GetAuthorizationToken"], standin.live_tokens()
    rss, fds, threads = ([s[i] for s in samples] for i in (1, 2, 3))
    minute = [s for s in samples if s[0] <= 60]
    print(
        f"{args.minutes:g} min, {args.domains} domain(s) x 3 targets, {args.lifetime:g}-second tokens, "
        f"a sample every {args.every:g} s ({len(samples)} samples)"
    )
    print(f"refreshes: {successes} succeeded, {failures} failed; {calls} GetAuthorizationToken calls")
    print(
        f"resident KiB: first minute max {max(s[1] for s in minute)}, last sample {rss[-1]}, "
        f"min {min(rss)}, max {max(rss)}, peak (VmHWM) {peak}"
    )
    print(
        f"resident growth from the first minute's max to the last sample: {rss[-1] - max(s[1] for s in minute):+d} KiB"
    )
    print(f"open fds: min {min(fds)}, max {max(fds)}; threads: min {min(threads)}, max {max(threads)}")
    print("samples (s, KiB, fds, threads): " + " ".join(f"{t:.0f}:{r}/{f}/{n}" for t, r, f, n in samples))
    print(f"exit status after SIGTERM: {code}; live tokens at the end: {live}")


def counted(state: Path, outcome: str) -> int:
    """The daemon's refresh_{outcome}_total counters, summed over its domains (this process's own
    counts: the state file keeps no totals)."""
    address = json.loads(state.read_text())["daemon"]["health"]
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as r:
        text = r.read().decode()
    pattern = rf"^codeartifact_refresher_refresh_{outcome}_total\{{.*\}} (\d+)$"
    return sum(int(n) for n in re.findall(pattern, text, re.M))


if __name__ == "__main__":
    main()
