"""The dualstack API endpoint: a domain with ``endpoint_type: dualstack`` calls CodeArtifact's API at
the host botocore's own endpoint ruleset resolves with ``use_dualstack_endpoint``. Each request is
built in full by botocore and answered by a ``before-send`` hook: no network, the real URL."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from codeartifact_refresher import config
from codeartifact_refresher.aws import tokens


def domain(**kw: Any) -> config.Domain:
    kw.setdefault("region", "us-east-1")
    kw.setdefault("owner", "111122223333")
    return config.Domain("acme", targets=(), **kw)


def sent_to(clients: tokens.Clients, d: config.Domain) -> list[str]:
    """The URLs of the requests ``clients`` sends for one token of ``d``, each answered here."""
    from botocore.awsrequest import AWSResponse

    urls: list[str] = []
    expiration = (datetime.now(timezone.utc) + timedelta(hours=1)).timestamp()
    body = json.dumps({"authorizationToken": "tok", "expiration": expiration}).encode()

    class Raw(io.BytesIO):
        def stream(self, **kwargs: Any) -> Any:
            yield self.getvalue()

    def answer(request: Any, **kwargs: Any) -> AWSResponse:
        urls.append(request.url)
        return AWSResponse(request.url, 200, {"content-type": "application/json"}, Raw(body))

    client: Any = clients.client(d)
    client.meta.events.register("before-send.codeartifact", answer)
    assert clients.token(d).value == "tok"
    return urls


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-east-1", "codeartifact.us-east-1.api.aws"),
        ("eu-west-1", "codeartifact.eu-west-1.api.aws"),
        ("ap-southeast-2", "codeartifact.ap-southeast-2.api.aws"),
        ("cn-north-1", "codeartifact.cn-north-1.api.amazonwebservices.com.cn"),
    ],
)
def test_a_dualstack_domain_calls_the_apis_dualstack_host(region, host):
    urls = sent_to(tokens.Clients(), domain(region=region, endpoint_type="dualstack"))
    assert [u.split("/")[2] for u in urls] == [host]
    assert urls[0].startswith(f"https://{host}/v1/authorization-token?")


@pytest.mark.parametrize("endpoint_type", [None, "ipv4"])
def test_other_domains_call_the_ipv4_host(endpoint_type):
    urls = sent_to(tokens.Clients(), domain(region="eu-west-1", endpoint_type=endpoint_type))
    assert [u.split("/")[2] for u in urls] == ["codeartifact.eu-west-1.amazonaws.com"]


def test_an_endpoint_url_wins_over_dualstack():
    d = domain(
        endpoint_type="dualstack", endpoint_url="https://vpce-0abc.api.codeartifact.us-east-1.vpce.amazonaws.com"
    )
    urls = sent_to(tokens.Clients(), d)
    assert [u.split("/")[2] for u in urls] == ["vpce-0abc.api.codeartifact.us-east-1.vpce.amazonaws.com"]


def test_botocores_own_setting_still_holds_for_other_domains(monkeypatch):
    monkeypatch.setenv("AWS_USE_DUALSTACK_ENDPOINT", "true")
    urls = sent_to(tokens.Clients(), domain(region="eu-west-1"))
    assert [u.split("/")[2] for u in urls] == ["codeartifact.eu-west-1.api.aws"]


def test_dualstack_and_ipv4_domains_of_one_session_get_clients_of_their_own():
    clients = tokens.Clients()
    ipv4, dual = domain(), domain(endpoint_type="dualstack")
    assert ipv4.session_key == dual.session_key
    assert clients.client(dual) is not clients.client(ipv4)
    assert clients.client(dual) is clients.client(domain(endpoint_type="dualstack"))
    assert sent_to(clients, ipv4)[0].startswith("https://codeartifact.us-east-1.amazonaws.com/")
    assert sent_to(clients, dual)[0].startswith("https://codeartifact.us-east-1.api.aws/")
