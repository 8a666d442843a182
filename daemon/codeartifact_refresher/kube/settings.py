"""The ``kubernetes:`` config section: where the cluster is and which Lease elects the leader.

The *namespace* is where a ``secret:`` target's Secret lives unless the target names another
(default: the service account's namespace, read from :data:`SERVICE_ACCOUNT_NAMESPACE`, else
``default``). The *kubeconfig* says how to reach the API: None means in-cluster (the service
account's token, when ``KUBERNETES_SERVICE_HOST`` is set), else the file ``$KUBECONFIG`` or
``~/.kube/config`` names. The *lease* is the name of the ``coordination.k8s.io`` Lease on which the
replicas elect their leader (``lease: false``: None, no election). Any ``secret:`` target needs the
section: without it the config check names the target's file, line and key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..platform.paths import expand_user

if TYPE_CHECKING:  # the config package imports this module: no import of it at load time
    from ..config.checker import Checker
    from ..config.yamlfile import Map

SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
DEFAULT_NAMESPACE = "default"
DEFAULT_LEASE = "codeartifact-refresher"
KEYS = ("namespace", "kubeconfig", "lease")
#: a namespace is a DNS-1123 label; a Secret's or Lease's name a DNS-1123 subdomain
NAMESPACE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
NAME_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
NAMESPACE_EXPECTED = "a Kubernetes namespace (up to 63 lowercase letters, digits and '-')"
NAME_EXPECTED = "a Kubernetes object name (lowercase letters, digits, '-' and '.')"


@dataclass(frozen=True)
class Settings:
    """The ``kubernetes:`` section, its defaults applied; ``line`` is where it starts."""

    namespace: str = DEFAULT_NAMESPACE
    kubeconfig: str | None = None  # None: in-cluster
    lease: str | None = DEFAULT_LEASE  # None: no leader election
    line: int = 0


def parse(check: Checker, top: Map, environ: Mapping[str, str]) -> Settings | None:
    """The section ``top`` gives, checked; None when it has none."""
    if "kubernetes" not in top:
        return None
    line = top.line_of("kubernetes")
    k = check.mapping(_empty(line) if top["kubernetes"] is None else top["kubernetes"], "kubernetes", line)
    check.keys(k, KEYS, "kubernetes")
    namespace = check.string(k, "namespace", NAMESPACE_RE, NAMESPACE_EXPECTED) or default_namespace()
    return Settings(namespace, _kubeconfig(check, k, environ), _lease(check, k), line)


def _empty(line: int) -> Map:
    """``kubernetes:`` with nothing under it: every default."""
    from ..config.yamlfile import Map

    m = Map()
    m.line, m.key_lines = line, {}
    return m


def default_namespace(path: Path | None = None) -> str:
    """The service account's namespace when the pod has one, else ``default``."""
    try:
        found = (path or SERVICE_ACCOUNT_NAMESPACE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return DEFAULT_NAMESPACE
    return found if NAMESPACE_RE.match(found) else DEFAULT_NAMESPACE


def _kubeconfig(check: Checker, k: Map, environ: Mapping[str, str]) -> str | None:
    given = check.string(k, "kubeconfig", expected="a kubeconfig file path")
    if given is not None:
        path = expand_user(given, environ) if given.startswith("~") else given
        if not Path(path).is_absolute():
            from ..config.yamlfile import shown

            raise check.fail(f"kubeconfig: {shown(given)} is relative; give an absolute path", k.line_of("kubeconfig"))
        return path
    if environ.get("KUBERNETES_SERVICE_HOST"):
        return None
    return environ.get("KUBECONFIG") or expand_user("~/.kube/config", environ)


def _lease(check: Checker, k: Map) -> str | None:
    if "lease" not in k:
        return DEFAULT_LEASE
    if k["lease"] is False:
        return None
    if k["lease"] is True:
        return DEFAULT_LEASE
    return check.string(k, "lease", NAME_RE, f"{NAME_EXPECTED}, or false for no leader election")
