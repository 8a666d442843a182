"""A hostile or chatty Kubernetes API echoing what we sent in its error (an admission webhook's
deny message templated with the object, as Kyverno's ``{{request.object.data}}`` does): the error
we log and keep in the state file holds neither the token nor any value we applied, in the
base64 of the request body or decoded."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from codeartifact_refresher import log
from codeartifact_refresher.kube.connection import KubernetesError
from codeartifact_refresher.kube.secrets import ApiStore, Desired

TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.c2VjcmV0LXRva2VuLWZvci1yZXZpZXc"
NPMRC = f"//acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/:_authToken={TOKEN}\n"


class EchoingCore:
    """``CoreV1Api``'s patch, answered by a webhook that denies and echoes the object it got."""

    def __init__(self, status: int, decoded: bool) -> None:
        self.status, self.decoded = status, decoded

    def patch_namespaced_secret(self, name: str, namespace: str, body: dict[str, Any], **_: Any) -> None:
        from kubernetes.client.exceptions import ApiException

        data = body["data"]
        if self.decoded:
            data = {k: base64.b64decode(v).decode() for k, v in data.items()}
        error = ApiException(status=self.status, reason="denied")
        error.body = json.dumps(
            {
                "kind": "Status",
                "message": f'admission webhook "policy.example" denied the request: data {json.dumps(data)} is not allowed',
            }
        )
        raise error


@pytest.mark.parametrize("status", [400, 422, 500])
@pytest.mark.parametrize("decoded", [False, True], ids=["base64", "decoded"])
def test_an_api_error_echoing_the_secret_holds_no_value_we_applied(status, decoded):
    pytest.importorskip("kubernetes")  # the [kubernetes] extra is in the test extra: never skipped in CI
    from kubernetes.client import ApiClient

    store = ApiStore(ApiClient())
    store.core = EchoingCore(status, decoded)  # type: ignore[assignment]
    desired = Desired({"authorizationToken": TOKEN.encode(), ".npmrc": NPMRC.encode()}, {}, {})
    with log.secret(TOKEN), pytest.raises(KubernetesError) as e:  # as refresh_domain holds it
        store.apply("ci", "npm-credentials", desired)
    text = str(e.value)
    assert text.startswith(f"cannot apply secret ci/npm-credentials: HTTP {status}: admission webhook")
    for value in (TOKEN, NPMRC.strip()):
        assert value not in text
        assert base64.b64encode(value.encode()).decode() not in text
    assert base64.b64encode(NPMRC.encode()).decode() not in text
    assert TOKEN[10:40] not in text  # not a piece of it either
