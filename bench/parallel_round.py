"""How long one refresh round takes for 1 domain and for N domains, with slow API calls.

The stand-in runs in its own process (so its threads do not compete with ours for the GIL) and
answers every control-plane call after --latency seconds. Each round uses fresh clients, as a
new `refresh` process would, and writes one pip file per domain.

    python3 bench/parallel_round.py --domains 100 --latency 0.1 --rounds 5
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ACCOUNT = "111122223333"


def serve(port_queue, domains: int, latency: float) -> None:
    from codeartifact_refresher.testing import StandIn

    standin = StandIn(latency=latency)
    for i in range(domains):
        standin.add_repository(f"d{i}", "pypi-store", "pypi", demo=False)
    standin.start()
    port_queue.put(standin.port)
    time.sleep(3600)


def write_config(path: Path, url: str, domains: int, workers: int, out: Path) -> None:
    lines = [
        f"workers: {workers}",
        f'defaults: {{region: us-east-1, endpoint_url: "{url}", owner: "{ACCOUNT}"}}',
        "domains:",
    ]
    for i in range(domains):
        lines += [
            f"  - domain: d{i}",
            "    targets:",
            f"      - {{writer: pip, repository: pypi-store, path: {out}/{i}.conf}}",
        ]
    path.write_text("\n".join(lines) + "\n")


def round_time(config_path: Path) -> float:
    from codeartifact_refresher import config, refresh
    from codeartifact_refresher.aws.tokens import Clients
    from codeartifact_refresher.writers.registry import Registry

    registry = Registry()
    cfg = config.load(config_path, registry)
    started = time.perf_counter()
    reports = refresh.refresh_all(cfg, Clients(connections=cfg.workers), registry)
    elapsed = time.perf_counter() - started
    assert all(r.ok for r in reports), [r.error for r in reports if not r.ok]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None, help="default: the config default")
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="AKIDBENCH", AWS_SECRET_ACCESS_KEY="bench", AWS_EC2_METADATA_DISABLED="true")
    queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue, args.domains, args.latency), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{queue.get(timeout=30)}"
    from codeartifact_refresher.config.model import WORKERS

    workers = args.workers or WORKERS
    with tempfile.TemporaryDirectory() as tmp:
        one, many = Path(tmp, "one.yaml"), Path(tmp, "many.yaml")
        write_config(one, url, 1, workers, Path(tmp))
        write_config(many, url, args.domains, workers, Path(tmp))
        singles, rounds = [], []
        for _ in range(args.rounds):  # interleaved, so drift hits both alike
            singles.append(round_time(one))
            rounds.append(round_time(many))
    server.terminate()
    s, m = statistics.median(singles), statistics.median(rounds)
    print(f"latency {args.latency * 1000:.0f} ms per API call, {workers} workers, median of {args.rounds} rounds")
    print(f"  1 domain:   {s:.3f} s")
    print(f"  {args.domains} domains: {m:.3f} s  = {m / s:.2f}x one domain (target <= 6x)")
    sys.exit(0)


if __name__ == "__main__":
    main()
