"""One refresh round of many domains (default 1,000, each with pip, npm and twine targets): the
one-shot `refresh` command, then the daemon's first round when restarted (the state file, with
the endpoints it remembers, kept: one call per domain) and at a first start (no state file: three
calls per domain), with wall time, endpoint lookups and peak memory.

    python3 bench/thousand.py --domains 1000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from common import command, environment, kib, state_domains, status, wait_for_round, write_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000)
    args = parser.parse_args()
    from codeartifact_refresher.testing import StandIn

    with tempfile.TemporaryDirectory() as tmp, StandIn(token_lifetime=3600) as standin:
        config, state = write_config(Path(tmp), standin, args.domains)
        env = environment(Path(tmp))
        size = config.stat().st_size

        started = time.monotonic()
        proc = subprocess.Popen(command("-q", "refresh", "--config", str(config)), env=env)
        _, code, usage = os.wait4(proc.pid, 0)
        refresh_took, refresh_peak = time.monotonic() - started, usage.ru_maxrss
        written = sum(1 for _ in Path(tmp).glob("*/*.conf"))
        refreshed = sum(1 for d in state_domains(state).values() if d.get("last_success"))

        runs = {}
        for case in ("restarted", "first start"):  # the state file from the refresh kept, then none
            if case == "first start":
                state.unlink()
            else:  # as the refresh left it, less the successes, so that the daemon's round shows
                domains = state_domains(state)
                for entry in domains.values():
                    entry["last_success"] = None
                state.write_text(json.dumps({"version": 1, "domains": domains}))
            calls = standin.calls["GetRepositoryEndpoint"]
            started = time.monotonic()
            daemon = subprocess.Popen(command("-q", "run", "--config", str(config)), env=env)
            round_took = wait_for_round(daemon, state, args.domains)
            info = status(daemon.pid)
            daemon.send_signal(signal.SIGTERM)
            runs[case] = (round_took, info, daemon.wait(60), standin.calls["GetRepositoryEndpoint"] - calls)
    print(f"{args.domains} domains x 3 targets ({size / 1024:.0f} KiB of config)")
    print(
        f"refresh: {refresh_took:.2f} s ({usage.ru_utime + usage.ru_stime:.2f} s of CPU), exit "
        f"{os.waitstatus_to_exitcode(code)}, {written} files written, {refreshed} domains recorded, "
        f"peak resident {refresh_peak / 1024:.1f} MiB"
    )
    for case, (round_took, info, daemon_code, lookups) in runs.items():
        print(
            f"run ({case}): first round {round_took:.2f} s after start, {lookups} endpoint lookups, peak resident "
            f"{kib(info['VmHWM']) / 1024:.1f} MiB, now {kib(info['VmRSS']) / 1024:.1f} MiB, {info['Threads']} threads; "
            f"exit {daemon_code}"
        )
    print(
        f"(this process: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB, the stand-in included)"
    )


if __name__ == "__main__":
    main()
