"""``cargo-credential-codeartifact-refresher``: cargo's credential provider (the protocol is in
:mod:`codeartifact_refresher.helpers.cargo_provider`), a console script of its own because cargo
runs a provider as ``PROGRAM --cargo-plugin`` and passes the configured arguments inside the JSON
request, never on the command line (a subcommand of ``codeartifact-refresher`` would never be named)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

NAME = "cargo-credential-codeartifact-refresher"
USAGE = (
    f"{NAME} is run by cargo, as a registry's credential-provider (cargo adds --cargo-plugin): "
    "see docs/credential-helpers.md"
)


def main(argv: Sequence[str] | None = None) -> int:
    from ..helpers import cargo_provider

    args = sys.argv[1:] if argv is None else list(argv)
    if args != ["--cargo-plugin"]:
        print(USAGE, file=sys.stderr)
        return 2
    return cargo_provider.serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
