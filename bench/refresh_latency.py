"""Benchmark: one `refresh` of pip, npm and twine for one domain with every API call delayed, as a
real region's latency delays it (`aws codeartifact login` logs show 0.3-0.9 s per call with TLS).

Three cases, run as fresh processes, interleaved round by round, medians reported:
  floor  the same refresh with no delay: Python and botocore start-up, the files, three local calls;
  cold   no state file: the token and the two endpoint lookups are made at once (one round trip);
  warm   the state file remembers the endpoints: one call, for the token.
Both should take the floor plus one round trip; three calls one after another would add three.

    python3 bench/refresh_latency.py [--latency 0.15] [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from common import command, environment, write_config
from refresh_vs_login import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.15, help="seconds each API call takes")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    from codeartifact_refresher.testing import StandIn

    with tempfile.TemporaryDirectory() as tmp, StandIn() as standin:
        config, state = write_config(Path(tmp), standin, 1)
        env = environment(Path(tmp))
        refresh = command("-q", "refresh", "--config", str(config))
        results: dict[str, list[float]] = {"floor": [], "cold": [], "warm": []}
        timed(refresh, env)  # warm the page cache once
        for _ in range(args.rounds):
            for case in results:
                standin.latency = 0.0 if case == "floor" else args.latency
                if case != "warm":
                    state.unlink(missing_ok=True)
                results[case].append(timed(refresh, env))
        calls = dict(standin.calls)
    medians = {k: statistics.median(v) for k, v in results.items()}
    print(f"{args.rounds} interleaved rounds at {args.latency * 1000:.0f} ms per API call, medians (wall seconds):")
    for name, value in medians.items():
        extra = "" if name == "floor" else f"   floor + {(value - medians['floor']) / args.latency:.2f} round trips"
        print(f"  {name:<6} {value:6.3f}   (min {min(results[name]):.3f}, max {max(results[name]):.3f}){extra}")
    print(f"  one after another would be about {medians['floor'] + 3 * args.latency:.3f} (floor + 3 round trips)")
    print(f"stand-in calls: {calls}")


if __name__ == "__main__":
    main()
