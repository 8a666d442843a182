"""``standin``: the local CodeArtifact stand-in (:mod:`..testing`), until Ctrl-C: try a setup, the
AWS CLI or any client without an AWS account. ``python -m codeartifact_refresher.testing`` is the
same program; its options are defined here, so that ``--help`` does not import the server."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--lifetime", type=float, default=43200, help="token lifetime in seconds")
    parser.add_argument("--domain", default="demo", help="the domain it makes (default: demo)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each API call takes")
    parser.add_argument(
        "--kube",
        metavar="KUBECONFIG",
        help="also serve a Kubernetes API stand-in (Secrets, Leases) and write a kubeconfig for it to this path",
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..testing import __main__ as standin

    standin.serve(args)
    return 0
