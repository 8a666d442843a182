"""``probe``: ask the running daemon's health endpoint (``/livez`` by default); exit 0 on 200.

For a container's ``HEALTHCHECK`` and an exec probe: the slim image has no curl, and the address
and port come from the config's ``health:``, not from a number repeated in the Dockerfile, so a
changed port or health left off is said in one line instead of a connection error. It prints the
endpoint's verdict (``alive: the loop ran 3s ago``) and exits 1 on any other answer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .common import EXIT_FAILED, EXIT_OK, add_config_argument, load_config

ENDPOINTS = ("livez", "readyz", "healthz")
# a wildcard listener is reached on loopback (a map from the wildcard, not a bind to it)
LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    parser.add_argument(
        "endpoint",
        nargs="?",
        choices=ENDPOINTS,
        default="livez",
        help="livez (default: the loop runs), readyz or healthz (every domain holds a live token)",
    )
    parser.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds to wait for the answer (5)")


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    import http.client

    from ..errors import Error
    from ..log import one_line

    cfg, _ = load_config(args)
    if cfg.health is None:
        raise Error(f"{cfg.path}: health is off: add 'health: {{port: 9464}}' so that probes can reach the daemon")
    if cfg.health.port == 0:
        raise Error(f"{cfg.path}: health: port 0 picks a free port at each start: give a fixed one to probe")
    host, port = LOOPBACK.get(cfg.health.address, cfg.health.address), cfg.health.port
    where = f"http://{f'[{host}]' if ':' in host else host}:{port}/{args.endpoint}"
    connection = http.client.HTTPConnection(host, port, timeout=args.timeout)
    try:
        connection.request("GET", f"/{args.endpoint}")
        answer = connection.getresponse()
        verdict = answer.read(4096).decode("utf-8", "replace").partition("\n")[0]
    except (OSError, http.client.HTTPException) as e:
        raise Error(f"{where}: {getattr(e, 'strerror', None) or e} (does the daemon run with this config?)") from None
    finally:
        connection.close()
    # whoever holds the port while the daemon does not (another user) chooses this text: shown, not obeyed
    sys.stdout.write(f"{where}: {answer.status} {one_line(verdict, 200)}\n")
    return EXIT_OK if answer.status == 200 else EXIT_FAILED
