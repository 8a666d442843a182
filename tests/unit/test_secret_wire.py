"""The secret output's requests as the official ``kubernetes`` client sends them: a GET of the
Secret, then one server-side apply (PATCH ``application/apply-patch+yaml``, ``fieldManager``, no
``force``) carrying only our fields; a kubeconfig's server and token are used. A recording HTTP
server plays the API; the Kubernetes API stand-in tests the semantics."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from codeartifact_refresher.kube import connection, secrets
from codeartifact_refresher.kube.settings import Settings
from codeartifact_refresher.outputs.base import Context
from codeartifact_refresher.outputs.secret import SecretOutput

SECRET = "/api/v1/namespaces/ci/secrets/creds"


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]]
    stored: dict[str, Any] | None
    status: int = 200

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _answer(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, body: bytes) -> None:
        url = urlsplit(self.path)
        self.seen.append(
            {
                "method": self.command,
                "path": url.path,
                "query": parse_qs(url.query),
                "type": self.headers.get("Content-Type"),
                "auth": self.headers.get("Authorization"),
                "body": json.loads(body) if body else None,
            }
        )

    def do_GET(self) -> None:
        self._record(b"")
        stored = type(self).stored
        if stored is None:
            self._answer(404, {"kind": "Status", "reason": "NotFound", "code": 404})
        else:
            self._answer(200, stored)

    def do_PATCH(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._record(body)
        if type(self).status == 409:
            message = 'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data..npmrc'
            self._answer(409, {"kind": "Status", "reason": "Conflict", "code": 409, "message": message})
            return
        type(self).stored = json.loads(body)
        self._answer(200, json.loads(body))


@pytest.fixture
def api(tmp_path) -> Iterator[tuple[type[Recorder], Path]]:
    handler = type("Handler", (Recorder,), {"seen": [], "stored": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
                "users": [{"name": "u", "user": {"token": "kube-token"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    connection.forget()
    yield handler, kubeconfig
    connection.forget()
    server.shutdown()
    server.server_close()


def output(kubeconfig: Path) -> SecretOutput:
    out = SecretOutput("creds", ".npmrc", "ci", Settings("ci", str(kubeconfig)), frozenset({".npmrc"}))
    bound = out.bind(Context("tok-1", datetime(2026, 12, 8, 10, tzinfo=timezone.utc)))
    assert isinstance(bound, SecretOutput)
    return bound


def test_an_update_is_one_server_side_apply_of_our_fields(api):
    handler, kubeconfig = api
    assert output(kubeconfig).update(lambda current: "registry=x\n") is True
    get, patch = handler.seen
    assert (get["method"], get["path"], get["auth"]) == ("GET", SECRET, "Bearer kube-token")
    assert (patch["method"], patch["path"], patch["type"]) == ("PATCH", SECRET, secrets.APPLY)
    assert patch["query"] == {"fieldManager": [secrets.MANAGER]}  # never force
    body = patch["body"]
    assert sorted(body) == ["apiVersion", "data", "kind", "metadata"]  # no type: not ours to own
    assert body["metadata"] == {
        "name": "creds",
        "namespace": "ci",
        "labels": {"app.kubernetes.io/managed-by": "codeartifact-refresher"},
        "annotations": {"codeartifact-refresher/expiration": "2026-12-08T10:00:00Z"},
    }
    data = {k: base64.b64decode(v).decode() for k, v in body["data"].items()}
    assert data[".npmrc"] == "registry=x\n" and data["password"] == data["authorizationToken"] == "tok-1"


def test_a_conflict_answer_names_the_manager(api):
    handler, kubeconfig = api
    handler.status = 409
    with pytest.raises(secrets.ConflictError, match="a key we write is managed by 'kubectl'"):
        output(kubeconfig).update(lambda current: "registry=x\n")


def test_a_kubeconfig_that_is_missing_is_one_line(tmp_path):
    connection.forget()
    with pytest.raises(connection.KubernetesError) as e:
        connection.client(Settings("ci", str(tmp_path / "nothing")))
    assert str(e.value).startswith(f"cannot use the kubeconfig {tmp_path / 'nothing'}: ")
    assert "\n" not in str(e.value)
