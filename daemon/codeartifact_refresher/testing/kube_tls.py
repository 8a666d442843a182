"""TLS for the Kubernetes stand-in: client-go (kubectl) sends a kubeconfig's bearer token only over
TLS, so the stand-in serves HTTPS with a throw-away self-signed certificate for ``127.0.0.1`` and
``localhost``, made by the ``openssl`` command when the server starts, and the kubeconfig it
writes trusts exactly that certificate (``certificate-authority-data``).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class TlsUnavailable(RuntimeError):
    """The certificate could not be made (no ``openssl``); the stand-in can serve plain HTTP."""


@dataclass(frozen=True)
class Certificate:
    pem: bytes  # the certificate, which is also its own CA
    context: ssl.SSLContext  # the server's


def make(host: str) -> Certificate:
    """A new key and self-signed certificate for ``host`` (and 127.0.0.1, localhost), valid a day."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TlsUnavailable("the Kubernetes stand-in needs the openssl command to serve TLS (or pass tls=False)")
    names = sorted(
        {f"IP:{host}" if host.replace(".", "").isdigit() else f"DNS:{host}", "IP:127.0.0.1", "DNS:localhost"}
    )
    with tempfile.TemporaryDirectory(prefix="kube-standin-") as directory:
        key, cert = Path(directory, "key.pem"), Path(directory, "cert.pem")
        command = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                   "-days", "1", "-subj", "/CN=kube-standin", "-addext", "subjectAltName=" + ",".join(names),
                   "-addext", "basicConstraints=critical,CA:TRUE", "-keyout", str(key), "-out", str(cert)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)  # noqa: S603 - fixed arguments
        if done.returncode != 0:
            raise TlsUnavailable(f"openssl could not make the stand-in's certificate: {done.stderr.strip()[:300]}")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return Certificate(cert.read_bytes(), context)
