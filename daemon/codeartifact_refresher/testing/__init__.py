"""Test support shipped with the package: the local CodeArtifact stand-in, and a Kubernetes API one."""

from .kube_api import KubeStandIn
from .repository import Repository
from .standin import DEFAULT_ACCOUNT, StandIn

__all__ = ["DEFAULT_ACCOUNT", "KubeStandIn", "Repository", "StandIn"]
