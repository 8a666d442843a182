"""discovery: every spelling of a CodeArtifact repository URL that clients' files hold, read to one
location, and what is not one."""

from __future__ import annotations

import secrets

import pytest

from codeartifact_refresher import discovery
from codeartifact_refresher.discovery import DUALSTACK, IPV4, LOCAL, VPCE

IPV4_HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
DUALSTACK_HOST = "acme-111122223333.codeartifact.us-east-1.on.aws"
VPCE_HOST = "vpce-0abc123-xyz9.d.codeartifact.eu-west-2.vpce.amazonaws.com"
TOKEN = secrets.token_urlsafe(96)

SHAPES = [
    # (url as a file holds it, kind, region, format, repository, endpoint, endpoint_url, credentials)
    (
        f"https://{IPV4_HOST}/pypi/store/",
        IPV4,
        "us-east-1",
        "pypi",
        "store",
        f"https://{IPV4_HOST}/pypi/store/",
        None,
        False,
    ),
    (
        f"https://{DUALSTACK_HOST}/npm/web/",
        DUALSTACK,
        "us-east-1",
        "npm",
        "web",
        f"https://{DUALSTACK_HOST}/npm/web/",
        None,
        False,
    ),
    (
        f"https://{VPCE_HOST}/pypi/d/acme-111122223333/store/simple/",
        VPCE,
        "eu-west-2",
        "pypi",
        "store",
        f"https://{VPCE_HOST}/pypi/d/acme-111122223333/store/",
        None,
        False,
    ),
    (
        "http://127.0.0.1:37609/acme-111122223333/pypi/pypi-store/simple/",
        LOCAL,
        "",
        "pypi",
        "pypi-store",
        "http://127.0.0.1:37609/acme-111122223333/pypi/pypi-store/",
        "http://127.0.0.1:37609",
        False,
    ),
    # what the tools and `aws codeartifact login` write around the endpoint
    (
        f"https://aws:{TOKEN}@{IPV4_HOST}/pypi/store/simple/",
        IPV4,
        "us-east-1",
        "pypi",
        "store",
        f"https://{IPV4_HOST}/pypi/store/",
        None,
        True,
    ),
    (
        f"HTTPS://{IPV4_HOST.upper()}:443/pypi/store/simple",
        IPV4,
        "us-east-1",
        "pypi",
        "store",
        f"https://{IPV4_HOST}/pypi/store/",
        None,
        False,
    ),
    (f"//{IPV4_HOST}/npm/web/", IPV4, "us-east-1", "npm", "web", f"https://{IPV4_HOST}/npm/web/", None, False),
    (
        f"sparse+https://{IPV4_HOST}/cargo/crates/",
        IPV4,
        "us-east-1",
        "cargo",
        "crates",
        f"https://{IPV4_HOST}/cargo/crates/",
        None,
        False,
    ),
    (
        f"https://{IPV4_HOST}/nuget/dotnet/v3/index.json",
        IPV4,
        "us-east-1",
        "nuget",
        "dotnet",
        f"https://{IPV4_HOST}/nuget/dotnet/",
        None,
        False,
    ),
    (
        "https://acme-111122223333.d.codeartifact.cn-north-1.amazonaws.com.cn/maven/jars/",
        IPV4,
        "cn-north-1",
        "maven",
        "jars",
        "https://acme-111122223333.d.codeartifact.cn-north-1.amazonaws.com.cn/maven/jars/",
        None,
        False,
    ),
    (
        "//localhost:8080/my-domain-444455556666/npm/web/",
        LOCAL,
        "",
        "npm",
        "web",
        "http://localhost:8080/my-domain-444455556666/npm/web/",
        "http://localhost:8080",
        False,
    ),
]


@pytest.mark.parametrize(("url", "kind", "region", "fmt", "repository", "endpoint", "endpoint_url", "creds"), SHAPES)
def test_every_shape_reads_to_its_location(url, kind, region, fmt, repository, endpoint, endpoint_url, creds):
    found = discovery.read(url)
    assert found is not None
    assert (found.kind, found.region, found.format, found.repository) == (kind, region, fmt, repository)
    assert (found.endpoint, found.endpoint_url, found.credentials) == (endpoint, endpoint_url, creds)
    assert found.domain in ("acme", "my-domain") and found.owner in ("111122223333", "444455556666")
    assert TOKEN not in repr(found)


def test_a_domain_with_hyphens_is_split_from_its_owner_at_the_twelve_digits():
    found = discovery.read("https://my-big-domain-2-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/r1/")
    assert found is not None and (found.domain, found.owner, found.region) == (
        "my-big-domain-2",
        "111122223333",
        "us-west-2",
    )


@pytest.mark.parametrize(
    "url",
    [
        f"http://{IPV4_HOST}/pypi/store/",  # plain http to AWS: not an endpoint the API gives
        f"https://{IPV4_HOST}/pypi/",  # no repository
        f"https://{IPV4_HOST}/rpm/store/",  # not a CodeArtifact format
        f"https://{IPV4_HOST}.evil.example/pypi/store/",
        "https://acme-11112222333.d.codeartifact.us-east-1.amazonaws.com/pypi/store/",  # 11 digits
        f"https://{VPCE_HOST}/pypi/store/",  # a VPC endpoint's path names the domain
        "https://pypi.org/simple/",
        "http://127.0.0.1:8080/simple/",  # a loopback host whose path is not the stand-in's
        "http://10.0.0.1:8080/acme-111122223333/pypi/store/",  # the stand-in's path, not on loopback
        "ftp://127.0.0.1/acme-111122223333/pypi/store/",
        "https://127.0.0.1:99999/acme-111122223333/pypi/store/",  # no such port
    ],
)
def test_what_is_not_a_repository_url(url):
    assert discovery.read(url) is None


def test_find_gives_each_url_and_its_line_never_the_token():
    text = (
        "; npm\n"
        f"registry=https://{IPV4_HOST}/npm/web/\n"
        f"//{IPV4_HOST}/npm/web/:_authToken={TOKEN}\n"
        f'index = "sparse+https://{IPV4_HOST}/cargo/crates/" # and https://pypi.org/simple/\n'
        f"extra-index-url = https://example.com/simple https://aws:{TOKEN}@{DUALSTACK_HOST}/pypi/store/simple/\n"
    )
    found = discovery.find(text)
    assert [(f.line, f.location.format, f.location.repository) for f in found] == [
        (2, "npm", "web"),
        (3, "npm", "web"),
        (4, "cargo", "crates"),
        (5, "pypi", "store"),
    ]
    assert found[3].location.credentials and not found[2].location.credentials
    assert TOKEN not in repr(found)


def test_an_url_that_parsers_read_differently_is_not_read():
    """urllib3 stops the authority at a backslash: the host is not the one urlsplit sees."""
    assert discovery.find(f"https://evil.example\\@{IPV4_HOST}/pypi/store/") == []
    assert discovery.read(f"https://evil.example\\@{IPV4_HOST}/pypi/store/") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (IPV4_HOST.upper(), discovery.Host(IPV4, "acme", "111122223333", "us-east-1")),
        (DUALSTACK_HOST, discovery.Host(DUALSTACK, "acme", "111122223333", "us-east-1")),
        (VPCE_HOST, discovery.Host(VPCE, region="eu-west-2")),
        ("127.0.0.1", discovery.Host(LOCAL)),
        ("::1", discovery.Host(LOCAL)),
        ("pypi.org", None),
    ],
)
def test_a_host_name_alone_says_what_it_can(name, expected):
    assert discovery.read_host(name) == expected


def test_one_domain_entry_per_domain_owner_region_and_endpoint():
    a = discovery.read(f"https://{IPV4_HOST}/pypi/store/")
    b = discovery.read(f"https://{IPV4_HOST}/npm/web/")
    c = discovery.read(f"https://{DUALSTACK_HOST}/npm/web/")  # the same region: the same entry
    d = discovery.read("http://127.0.0.1:1/acme-111122223333/npm/web/")
    assert a and b and c and d
    assert a.domain_key == b.domain_key == c.domain_key != d.domain_key
