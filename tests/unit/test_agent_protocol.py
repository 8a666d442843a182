"""The agent's wire protocol, the URL lookup, the peer credentials' parsing and where the client
finds the socket: pure functions, no socket."""

import json
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from codeartifact_refresher.agent import client, lookup, peer, protocol
from codeartifact_refresher.config import Agent, Config, Domain

OWNER = "111122223333"
IPV4 = f"https://acme-{OWNER}.d.codeartifact.us-east-1.amazonaws.com"
DUALSTACK = f"https://acme-{OWNER}.codeartifact.us-east-1.on.aws"


def domain(name="acme", owner=OWNER, region="us-east-1", endpoint_url=None):
    return Domain(name, (), owner=owner, region=region, endpoint_url=endpoint_url)


# -- protocol --------------------------------------------------------------------------------------


def test_a_request_round_trips_on_one_line():
    line = protocol.encode({"v": 1, "op": "credentials", "url": "https://x/"})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.decode(line) == {"v": 1, "op": "credentials", "url": "https://x/"}


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"not json\n", "not one line of JSON"),
        (b"[1]\n", "not a JSON object"),
        (b'{"op": "credentials"}\n', "protocol version 1"),
        (b'{"v": 2, "op": "credentials"}\n', "protocol version 1"),
        (b'{"v": 1, "pad": "' + b"x" * protocol.MAX_LINE + b'"}\n', "longer than"),
    ],
)
def test_a_bad_request_is_refused_in_one_line(line, error):
    with pytest.raises(protocol.ProtocolError, match=error):
        protocol.decode(line)


def test_a_query_needs_a_url_or_a_domain_and_bounds_the_timeout():
    with pytest.raises(protocol.ProtocolError, match="names a 'url' or a 'domain'"):
        protocol.query({"v": 1, "op": "credentials"})
    with pytest.raises(protocol.ProtocolError, match="'url' should be"):
        protocol.query({"v": 1, "url": 3})
    with pytest.raises(protocol.ProtocolError, match="timeout"):
        protocol.query({"v": 1, "domain": "acme", "timeout": -1})
    assert protocol.query({"v": 1, "domain": "acme"}).timeout == protocol.DEFAULT_TIMEOUT
    assert protocol.query({"v": 1, "domain": "acme", "timeout": 10**6}).timeout == protocol.MAX_TIMEOUT


def test_a_failure_is_one_line():
    reply = protocol.failure("first\nsecond")
    assert reply == {"v": 1, "ok": False, "error": "first second"}


# -- lookup ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{IPV4}/pypi/pypi-store/simple/pkg/",
        f"{IPV4.upper().replace('HTTPS', 'https')}:443/pypi/pypi-store/simple/",
        f"https://aws@acme-{OWNER}.d.codeartifact.us-east-1.amazonaws.com/pypi/pypi-store/simple/",
        f"sparse+{IPV4}/cargo/cargo-store/",
        f"{DUALSTACK}/pypi/pypi-store/simple/pkg/",
        f"https://vpce-0abc-xyz.d.codeartifact.us-east-1.vpce.amazonaws.com/pypi/d/acme-{OWNER}/pypi-store/simple/",
    ],
)
def test_a_url_finds_its_domain_by_the_hosts_shape(url):
    domains = [domain("other"), domain(), domain("acme", "444455556666")]
    assert lookup.by_url(url, domains, {}) is domains[1]


def test_a_known_endpoint_wins_and_maps_a_host_of_no_known_shape():
    proxy = domain(endpoint_url="https://proxy.example")
    other = domain("beta", endpoint_url="https://proxy.example")
    known = {proxy.key: ["https://mirror.example/pypi/pypi-store/"], other.key: ["https://mirror.example/npm/x/"]}
    assert lookup.by_url("https://MIRROR.example:443/pypi/pypi-store/simple/pkg/", [other, proxy], known) is proxy
    with pytest.raises(lookup.NoMatch, match=re.escape("no configured domain serves https://mirror.example/")):
        lookup.by_url("https://mirror.example/pypi/elsewhere/", [other, proxy], known)


def test_an_endpoint_url_host_maps_to_its_one_domain_or_the_path_says_which():
    one = domain(endpoint_url="https://proxy.example")
    assert lookup.by_url("https://proxy.example/pypi/store/simple/", [one, domain("beta")], {}) is one
    two = domain("beta", endpoint_url="https://proxy.example")
    assert lookup.by_url(f"https://proxy.example/x/beta-{OWNER}/pypi/store/", [one, two], {}) is two


def test_the_owner_and_region_must_agree_where_the_config_gives_them():
    with pytest.raises(lookup.NoMatch, match=r"domains served: acme \(444455556666\)"):
        lookup.by_url(f"{IPV4}/pypi/store/", [domain(owner="444455556666")], {})
    with pytest.raises(lookup.NoMatch):
        lookup.by_url(f"{IPV4}/pypi/store/", [domain(region="eu-west-1")], {})
    no_owner = domain(owner=None, region=None)
    assert lookup.by_url(f"{IPV4}/pypi/store/", [no_owner], {}) is no_owner


def test_two_entries_for_one_url_are_told_apart_by_owner_or_refused():
    mine, theirs = domain(owner=None), domain(owner=OWNER)
    assert lookup.by_url(f"{IPV4}/pypi/store/", [mine, theirs], {}) is theirs
    a, b = domain(owner=None, region=None), Domain("acme", (), profile="other")
    with pytest.raises(lookup.NoMatch, match="several configured domains match"):
        lookup.by_url(f"{IPV4}/pypi/store/", [a, b], {})


def test_by_domain_and_owner():
    a, b = domain(), domain(owner="444455556666")
    assert lookup.by_domain("acme", "444455556666", [a, b]) is b
    with pytest.raises(lookup.NoMatch, match="several"):
        lookup.by_domain("acme", None, [a, b])
    with pytest.raises(lookup.NoMatch, match="domain zeta is not in the daemon's config"):
        lookup.by_domain("zeta", None, [a])


@pytest.mark.parametrize("url", ["ftp://x/", "not a url", "https:///nohost"])
def test_a_url_that_is_no_http_url_is_refused(url):
    with pytest.raises(lookup.NoMatch):
        lookup.by_url(url, [domain()], {})


# -- peer credentials --------------------------------------------------------------------------------


def test_linux_ucred_is_pid_uid_gid():
    assert peer.parse_ucred(struct.pack("=iII", 42, 1000, 100)) == peer.Peer(1000, 100, 42)


def test_macos_xucred_is_parsed():
    groups = [20, 12, 61] + [0] * 13
    data = struct.pack("=IIh2x16I", 0, 501, 3, *groups)
    assert len(data) == 76  # sizeof(struct xucred) on macOS
    assert peer.parse_xucred(data) == peer.Peer(501, 20, None, (20, 12, 61))
    with pytest.raises(ValueError, match="version 1"):
        peer.parse_xucred(struct.pack("=IIh2x16I", 1, 501, 0, *[0] * 16))
    with pytest.raises(ValueError, match="76 bytes"):
        peer.parse_xucred(data[:20])


def test_who_is_allowed():
    assert peer.allowed(peer.Peer(1000), euid=1000)
    assert peer.allowed(peer.Peer(0), euid=1000)
    assert not peer.allowed(peer.Peer(1001, 1001), euid=1000)
    assert not peer.allowed(peer.Peer(1001, 1001), euid=1000, gid=4242)
    assert peer.allowed(peer.Peer(1001, 4242), euid=1000, gid=4242)  # its (kernel-given) primary group
    assert peer.allowed(peer.Peer(501, 20, None, (20, 4242)), euid=1000, gid=4242)  # macOS lists them


# -- where the client looks --------------------------------------------------------------------------


def test_the_socket_path_follows_the_variable_then_the_runtime_dir_then_the_state_dir(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}
    assert client.socket_path(environ={**env, client.ENV_VAR: "~/s.sock"}) == tmp_path / "s.sock"
    assert client.socket_path(environ={**env, "XDG_RUNTIME_DIR": "/run/user/7"}) == Path(
        "/run/user/7/codeartifact-refresher/agent.sock"
    )
    assert client.socket_path(environ=env) == tmp_path / "state" / "codeartifact-refresher" / "agent.sock"


def test_a_config_moves_the_socket_and_the_system_config_ignores_the_runtime_dir(tmp_path):
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": "/run/user/7"}
    moved = Config(tmp_path / "c.yaml", (), agent=Agent(socket=tmp_path / "a.sock"))
    assert client.socket_path(moved, env) == tmp_path / "a.sock"
    beside = Config(tmp_path / "c.yaml", (), state_file=tmp_path / "st" / "state.json")
    assert client.socket_path(beside, {"HOME": str(tmp_path)}) == tmp_path / "st" / "agent.sock"
    system = Config(client.SYSTEM_CONFIG, ())
    assert client.socket_path(system, env) == Path("/var/lib/codeartifact-refresher/agent.sock")
    assert client.socket_path(system, {**env, "STATE_DIRECTORY": "/srv/s"}) == Path("/srv/s/agent.sock")


def test_the_client_imports_only_the_standard_library():
    code = (
        "import sys; before = set(sys.modules); import codeartifact_refresher.agent.client; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(m for m in new if m not in sys.stdlib_module_names))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(found.replace("'", '"')) == ["codeartifact_refresher"]


def test_the_clients_copies_of_the_places_agree_with_the_config_and_the_install_layout(tmp_path):
    from codeartifact_refresher.config import locations
    from codeartifact_refresher.service.install import layout
    from codeartifact_refresher.state import BASENAME, default_path

    assert client.SYSTEM_CONFIG == locations.SYSTEM_PATH == layout.Layout().config
    assert layout.Layout().state_dir == client.SYSTEM_STATE_DIR
    assert BASENAME.parent.name == client.APP
    home = tmp_path / "home"
    mine = home / ".config" / "codeartifact-refresher" / "config.yaml"
    for env in ({"HOME": str(home)}, {"HOME": str(home), locations.ENV_VAR: "~/elsewhere.yaml"}):
        assert client._default_config(env) == locations.default_path(env)
        mine.parent.mkdir(parents=True, exist_ok=True)
        mine.write_text("domains: []\n")
        assert client._default_config(env) == locations.default_path(env)
        mine.unlink()
    for env in ({"HOME": str(home)}, {"HOME": str(home), "STATE_DIRECTORY": "/srv/st:/x"}):
        assert client.socket_path(environ=env).parent == default_path(environ=env).parent
