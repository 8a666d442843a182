"""The connection to the Kubernetes API: an ``ApiClient`` of the official ``kubernetes`` package.

It is made from the ``kubernetes:`` settings (:mod:`.settings`) the first time a ``secret:``
target is refreshed, and kept for the process: in-cluster (the pod's service account) when the
settings name no kubeconfig, else from that kubeconfig file. This is the only module that imports
``kubernetes``, and only inside functions: ``check``, ``--help`` and a config without ``secret:``
targets never load it. Without the package (the ``[kubernetes]`` extra), the error says how to
install it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..errors import TargetError
from .settings import Settings

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

INSTALL = "pip install 'codeartifact-refresher[kubernetes]'"
_CLIENTS: dict[Settings, ApiClient] = {}
_LOCK = threading.Lock()


class KubernetesError(TargetError):
    """The Kubernetes API could not be reached, refused a request or answered an error."""

    retryable = True


def client(settings: Settings) -> ApiClient:
    """The process's ``ApiClient`` for ``settings`` (made on first use)."""
    with _LOCK:
        found = _CLIENTS.get(settings)
        if found is None:
            found = _CLIENTS[settings] = _make(settings)
        return found


#: the name leader election (:mod:`..service.leadership`) asks for
api_client = client


def forget() -> None:
    """Drop the clients made so far (a reloaded config, a test)."""
    with _LOCK:
        _CLIENTS.clear()


def _make(settings: Settings) -> ApiClient:
    kubernetes = _import()
    configuration = kubernetes.client.Configuration()
    try:
        if settings.kubeconfig is None:
            kubernetes.config.load_incluster_config(client_configuration=configuration)
        else:
            kubernetes.config.load_kube_config(config_file=settings.kubeconfig, client_configuration=configuration)
    except (kubernetes.config.ConfigException, OSError, ValueError) as e:
        where = "in-cluster config" if settings.kubeconfig is None else f"kubeconfig {settings.kubeconfig}"
        raise KubernetesError(f"cannot use the {where}: {_first_line(e)}") from None
    made: ApiClient = kubernetes.client.ApiClient(configuration)
    return made


def _import() -> Any:
    try:
        import kubernetes.client  # optional and heavy: only for secret targets
        import kubernetes.config
    except ImportError:
        raise KubernetesError(
            f"secret: targets need the Python package 'kubernetes', which is not installed: {INSTALL}"
        ) from None
    return kubernetes


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
