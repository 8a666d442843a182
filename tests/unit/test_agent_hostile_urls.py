"""URLs crafted to get a domain's token sent where it should not go: the agent's lookup answers
only for the host a client will really contact, and never downgrades a token to plain http."""

from __future__ import annotations

import pytest

from codeartifact_refresher.agent import lookup

from .test_agent_protocol import OWNER, domain

HOST = f"acme-{OWNER}.d.codeartifact.us-east-1.amazonaws.com"
KNOWN_ENDPOINT = f"https://{HOST}/pypi/pypi-store/"


def domains() -> tuple[list, dict[str, list[str]]]:
    found = [domain(), domain("gamma", endpoint_url="https://proxy.example"), domain("beta", "444455556666")]
    return found, {found[0].key: [KNOWN_ENDPOINT]}


@pytest.mark.parametrize(
    "url",
    [
        "http://proxy.example/pypi/store/simple/",  # the endpoint_url is https: never send a token in clear
        "sparse+http://proxy.example/cargo/store/",
        # urllib3 and WHATWG parsers end the host at "\\" (so pip and npm contact evil.example); urlsplit does not
        f"https://evil.example\\@{HOST}/pypi/pypi-store/simple/",
        f"https://evil.example\\\\@{HOST}/pypi/pypi-store/simple/",
        f"https://evil.example\t@{HOST}/pypi/pypi-store/simple/",
        f"https://{HOST}\\@evil.example/pypi/pypi-store/simple/",
    ],
)
def test_a_url_that_leads_elsewhere_gets_no_domain(url):
    found, known = domains()
    with pytest.raises(lookup.NoMatch):
        lookup.by_url(url, found, known)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://{HOST}/pypi/pypi-store/simple/", "acme"),
        (f"https://{HOST.upper()}:443/pypi/pypi-store/simple/", "acme"),
        (f"sparse+https://{HOST}/cargo/cargo-store/", "acme"),
        ("https://proxy.example/pypi/store/simple/", "gamma"),
    ],
)
def test_the_same_urls_spelled_plainly_still_map(url, expected):
    found, known = domains()
    assert lookup.by_url(url, found, known).domain == expected
