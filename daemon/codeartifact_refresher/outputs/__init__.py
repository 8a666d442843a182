"""Outputs: where rendered credentials go (see :mod:`.base`): files, and keys of Kubernetes Secrets."""

from . import secret  # noqa: F401 - registers the secret: kind (it imports no Kubernetes client)
from .base import Output, Snapshot
from .file_output import FileOutput

__all__ = ["FileOutput", "Output", "Snapshot"]
