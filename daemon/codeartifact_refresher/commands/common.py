"""What several commands share: exit statuses, the ``--config`` option, loading the config."""

from __future__ import annotations

import argparse

from ..config import Config
from ..writers.registry import Registry

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $CODEARTIFACT_REFRESHER_CONFIG, "
        "~/.config/codeartifact-refresher/config.yaml, /etc/codeartifact-refresher/config.yaml)",
    )


def load_config(args: argparse.Namespace) -> tuple[Config, Registry]:
    from .. import config

    registry = Registry()
    return config.load(args.config, registry), registry
