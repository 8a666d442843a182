"""Outputs: where rendered credentials go (see :mod:`.base`); files are the one kind today."""

from .base import Output, Snapshot
from .file_output import FileOutput

__all__ = ["FileOutput", "Output", "Snapshot"]
