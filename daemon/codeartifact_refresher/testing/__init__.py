"""Test support shipped with the package: the local CodeArtifact stand-in."""
from .standin import DEFAULT_ACCOUNT, Repository, StandIn

__all__ = ["DEFAULT_ACCOUNT", "Repository", "StandIn"]
