"""Test support shipped with the package: the local CodeArtifact stand-in."""

from .repository import Repository
from .standin import DEFAULT_ACCOUNT, StandIn

__all__ = ["DEFAULT_ACCOUNT", "Repository", "StandIn"]
