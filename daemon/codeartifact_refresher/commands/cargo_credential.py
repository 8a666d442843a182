"""``codeartifact-refresher cargo-credential``: cargo's credential provider (see
:mod:`codeartifact_refresher.helpers.cargo_provider`). cargo runs it with ``--cargo-plugin``
when a registry's config names ``credential-provider = ["codeartifact-refresher", "cargo-credential"]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cargo-plugin", action="store_true", help="added by cargo: speak its credential-provider protocol"
    )


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..helpers import cargo_provider

    if not args.cargo_plugin:
        print(
            "cargo-credential is run by cargo, as a registry's credential-provider: see docs/credential-helpers.md",
            file=sys.stderr,
        )
        return 2
    return cargo_provider.serve(sys.stdin, sys.stdout)
