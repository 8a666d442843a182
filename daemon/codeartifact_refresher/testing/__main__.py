"""``python -m codeartifact_refresher.testing``: run the stand-in until interrupted."""

import argparse
import time

from .standin import StandIn


def main() -> None:
    parser = argparse.ArgumentParser(description="A local AWS CodeArtifact stand-in.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=43200, help="token lifetime in seconds")
    parser.add_argument("--domain", default="demo")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each API call takes")
    args = parser.parse_args()
    standin = StandIn(token_lifetime=args.lifetime, port=args.port, latency=args.latency)
    standin.add_repository(args.domain, "pypi-store", "pypi")
    standin.add_repository(args.domain, "npm-store", "npm")
    with standin:
        print(
            f"CodeArtifact stand-in at {standin.url}: domain {args.domain!r}, owner {standin.account}, "
            "repositories pypi-store (pypi) and npm-store (npm)"
        )
        print(f"Use endpoint_url: {standin.url} with any AWS access key. Ctrl-C stops it.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


main()
