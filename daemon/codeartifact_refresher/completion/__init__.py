"""Shell completion scripts generated from the argparse parser (:mod:`.spec` reads it; one module
per shell writes the script). No runtime dependency: argcomplete would add one, and run Python on
every Tab; these scripts are plain shell, generated once."""

from __future__ import annotations

import argparse

from . import bash, fish, zsh
from .spec import complete_with, read

RENDERERS = {"bash": bash.render, "zsh": zsh.render, "fish": fish.render}
SHELLS = tuple(RENDERERS)

__all__ = ["SHELLS", "complete_with", "script"]


def script(shell: str, parser: argparse.ArgumentParser, version: str = "") -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`) of the program ``parser`` parses."""
    return RENDERERS[shell](read(parser, version))
