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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import TargetError
from .settings import Settings

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

MAX_BODY = 4 * 1024 * 1024  # bytes of one Secret as the API answers it (data at most 1 MiB, base64, managedFields)
T = TypeVar("T")
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


def bounded(call: Callable[[], T], timeout: float) -> T:
    """``call`` (one API request) waited for at most ``timeout`` seconds in all: the client's
    own timeout bounds each read from the socket, so a server that drips its answer a byte at a
    time would hold the domain's other targets for ever. Past it, :class:`TimeoutError`; the
    request's thread ends when the server lets it go."""
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, call()))
        except Exception as e:  # noqa: BLE001 - handed to the caller as it is
            outcome.append((False, e))
        finally:
            done.set()

    threading.Thread(target=run, name="kube-request", daemon=True).start()
    if not done.wait(timeout):
        raise TimeoutError(f"the Kubernetes API gave no whole answer within {timeout:g} s")
    ok, value = outcome[0]
    if not ok:
        raise value
    found: T = value
    return found


def content(response: Any) -> bytes:
    """A response's body, refused past :data:`MAX_BODY` bytes (a Secret holds at most 1 MiB of data)."""
    try:
        data: bytes = response.read(MAX_BODY + 1)
    finally:
        response.release_conn()
    if len(data) > MAX_BODY:
        raise KubernetesError(f"the Kubernetes API answered more than {MAX_BODY} bytes for one Secret")
    return data
