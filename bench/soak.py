"""A soak run: the daemon with 8-second tokens for --minutes (default 10), sampled every --every
seconds. Reports resident memory, open file descriptors and threads over time, and whether every
refresh succeeded (from the state file and the stand-in's counts).

    python3 bench/soak.py --minutes 10
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from common import command, environment, kib, open_fds, state_domains, status, wait_for_round, write_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=float, default=10)
    parser.add_argument("--lifetime", type=float, default=8)
    parser.add_argument("--domains", type=int, default=1)
    args = parser.parse_args()
    from codeartifact_refresher.testing import StandIn

    with tempfile.TemporaryDirectory() as tmp, StandIn(token_lifetime=args.lifetime) as standin:
        config, state = write_config(Path(tmp), standin, args.domains)
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
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        domains = state_domains(state)
        calls, live = standin.calls["GetAuthorizationToken"], standin.live_tokens()
    successes = sum(d["successes_total"] for d in domains.values())
    failures = sum(d["failures_total"] for d in domains.values())
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


if __name__ == "__main__":
    main()
