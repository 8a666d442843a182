"""A netrc machine entry is per host: the targets of one domain entry share it; another domain
entry reaching the same host is refused when the config loads (``loader._no_duplicates``)."""

from urllib.parse import urlsplit

import pytest

from codeartifact_refresher.config import loader
from codeartifact_refresher.errors import ConfigError

from .test_config import load_text

SHARING = """\
domains:
  - domain: acme
    owner: "111122223333"
    targets:
      - {writer: netrc, repository: store}
      - {writer: pip, repository: store, credentials: netrc}
      - {writer: uv, repository: other}
      - {writer: swift, repository: swift-store}
"""


def two_domains(first: str, second: str) -> str:
    return f"""\
domains:
  - domain: acme
    owner: "111122223333"
{first}
    targets: [{{writer: netrc, repository: store}}]
  - domain: beta
    owner: "111122223333"
{second}
    targets: [{{writer: pip, repository: store, credentials: netrc}}]
"""


def test_the_targets_of_one_domain_entry_share_the_hosts_entry(tmp_path, home):
    cfg = load_text(tmp_path, SHARING)
    assert [t.writer for t in cfg.domains[0].targets] == ["netrc", "pip", "uv", "swift"]


def test_the_same_domain_twice_writing_the_netrc_is_refused(tmp_path, home):
    text = SHARING.replace("targets:", "profile: a\n    targets:", 1) + (
        '  - domain: acme\n    owner: "111122223333"\n    profile: b\n    targets: [{writer: netrc, repository: xy}]\n'
    )
    with pytest.raises(ConfigError, match="netrc machine entry"):
        load_text(tmp_path, text)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://vpce-0a1b2c3d4e5f67890-abcdefgh.api.codeartifact.us-east-1.vpce.amazonaws.com",
        "http://127.0.0.1:8080",
    ],
)
def test_two_domains_behind_one_vpc_endpoint_or_stand_in_share_its_host_and_are_refused(tmp_path, home, endpoint):
    line = f"    endpoint_url: {endpoint}"
    with pytest.raises(ConfigError, match="netrc machine entry"):
        load_text(tmp_path, two_domains(line, line))


@pytest.mark.parametrize("endpoint", ["", "    endpoint_url: https://codeartifact.us-east-1.amazonaws.com"])
def test_two_domains_on_the_public_api_have_hosts_of_their_own(tmp_path, home, endpoint):
    assert len(load_text(tmp_path, two_domains(endpoint, endpoint)).domains) == 2


def test_the_vpc_endpoint_key_ignores_the_domain():
    from codeartifact_refresher.config.model import Domain

    vpce = "https://vpce-1-a.api.codeartifact.eu-west-1.vpce.amazonaws.com"
    assert Domain("a", (), endpoint_url=vpce).host_key == Domain("b", (), endpoint_url=vpce).host_key
    assert Domain("a", ()).host_key != Domain("b", ()).host_key
    assert loader  # the check lives in loader._no_duplicates


# issue 16 item 13: one host spelled two ways is one host


VPCE = "vpce-0a1b2c3d4e5f67890-abcdefgh"


def test_a_zonal_vpc_endpoint_name_is_its_regional_one():
    from codeartifact_refresher.config.hosts import canonical

    regional = f"{VPCE}.d.codeartifact.us-east-1.vpce.amazonaws.com"
    assert canonical(f"{VPCE}-us-east-1a.d.codeartifact.us-east-1.vpce.amazonaws.com") == regional
    assert canonical(f"{VPCE}-us-west-2-lax-1a.d.codeartifact.us-east-1.vpce.amazonaws.com") == regional
    assert canonical(regional.upper() + ".") == regional
    assert canonical("vpce-0a1b2c3d4e5f67890-zzzzzzzz.d.codeartifact.us-east-1.vpce.amazonaws.com") != regional


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("http://127.0.0.1:8080", "http://localhost:8080"),  # by address
        (  # by name: the same endpoint ID (these names resolve nowhere)
            f"https://{VPCE}.api.codeartifact.us-east-1.vpce.amazonaws.com",
            f"https://{VPCE}-us-east-1a.api.codeartifact.us-east-1.vpce.amazonaws.com",
        ),
    ],
)
def test_two_domains_on_one_host_spelled_two_ways_are_refused_naming_both_the_file_and_the_host(
    tmp_path, home, first, second
):
    with pytest.raises(ConfigError) as e:
        load_text(tmp_path, two_domains(f"    endpoint_url: {first}", f"    endpoint_url: {second}"))
    host, other = (urlsplit(u).hostname for u in (first, second))
    assert str(e.value).endswith(
        f"config.yaml:9: domain beta (111122223333) reaches the host of domain acme (111122223333) (line 2): "
        f"{other} is {host}, and {home / '.netrc'} has one entry per host; this pip target would overwrite the "
        "token of the one on line 5: give it another path"
    )


def test_two_domains_on_other_hosts_are_not_refused(tmp_path, home):
    first, second = "http://127.0.0.1:8080", "http://127.0.0.2:8080"
    cfg = load_text(tmp_path, two_domains(f"    endpoint_url: {first}", f"    endpoint_url: {second}"))
    assert len(cfg.domains) == 2
