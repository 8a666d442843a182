"""Repository endpoints: looked up beside the token, remembered in the state file, looked up again
daily, and never kept (or read back) unless they are one clean URL."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from codeartifact_refresher import cli, config, refresh
from codeartifact_refresher.aws.endpoints import MAX_AGE, Endpoint, from_state, plausible, to_state, valid_endpoint
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.errors import AwsError, TransientError
from codeartifact_refresher.writers.registry import Registry

from ..conftest import ALL_TARGETS, write_config


def domain(standin, **kw):
    return config.Domain("acme", (), owner=standin.account, region="us-east-1", endpoint_url=standin.url, **kw)


@pytest.mark.parametrize(
    "url",
    [
        "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/store/",
        "https://acme-111122223333.codeartifact.us-east-1.on.aws/npm/store/",
        "https://vpce-0abc-xyz.d.codeartifact.us-east-1.vpce.amazonaws.com/pypi/d/acme-111122223333/store/",
        "http://127.0.0.1:8080/acme-111122223333/pypi/store/",
        "http://[::1]:8080/acme-111122223333/npm/store/",
        "http://localhost:9/x/",
    ],
)
def test_endpoints_we_keep(url):
    assert valid_endpoint(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://codeartifact.example/pypi/store/",  # plain http beyond this machine
        "https://host/pypi/store/\nregistry=https://evil.example/",  # a line of its own in a config file
        "https://host/pypi/store/ extra",
        "https://user:password@host/pypi/store/",
        "https://host/pypi/store/?q=1",
        "https://host/pypi/store",  # we always keep the trailing slash
        "https://host:99999/pypi/",
        "https://" + "a" * 3000 + "/",
        "https://hôst/pypi/",
        "https://host_name/pypi/",
        "https://host;evil/pypi/",
        "ftp://host/pypi/",
        "",
        None,
        42,
    ],
)
def test_endpoints_we_refuse(url):
    assert not valid_endpoint(url)


def test_state_entries_are_checked_when_read_back():
    good = {"url": "https://host/pypi/store/", "resolved_at": "2026-01-01T00:00:00+00:00"}
    entries = {
        "pypi/store": good,
        "npm/store": {"url": "http://evil.example/npm/store/", "resolved_at": good["resolved_at"]},
        "npm/other": {"url": "https://host/npm/other/", "resolved_at": "yesterday"},
        "npm/naive": {"url": "https://host/npm/naive/", "resolved_at": "2026-01-01T00:00:00"},
        "bad": "https://host/",
    }
    found = from_state(entries)
    assert list(found) == ["pypi/store"] and found["pypi/store"].url == good["url"]
    assert to_state(found) == {"pypi/store": good}
    assert from_state(["not", "a", "mapping"]) == {} and from_state(None) == {}


@pytest.mark.timing
def test_the_endpoint_lookups_run_beside_the_token_call(standin, tmp_path, home):
    """One round trip on the critical path: the token and both endpoints (pip and twine share
    one) are asked at once, so a refresh takes about one call's latency, not three."""
    latency = 1.0  # long enough that a loaded machine's scheduling cannot blur the two cases
    standin.latency = latency
    cfg = config.load(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))
    started = time.monotonic()
    report = refresh.refresh_domain(cfg.domains[0], Clients(), Registry())
    took = time.monotonic() - started
    assert report.ok
    assert standin.calls == {"GetAuthorizationToken": 1, "GetRepositoryEndpoint": 2}
    answered = [t for t, _ in standin.call_times]
    assert max(answered) - min(answered) < latency / 2  # all three were in flight together
    assert took < 2 * latency  # one after another would take three latencies


def test_a_second_refresh_run_asks_only_for_the_token(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert standin.calls == {"GetAuthorizationToken": 1, "GetRepositoryEndpoint": 2}
    state = json.loads((home / ".local/state/codeartifact-refresher/state.json").read_text())
    [entry] = state["domains"].values()
    assert sorted(entry["endpoints"]) == ["npm/npm-store", "pypi/pypi-store"]
    assert entry["endpoints"]["pypi/pypi-store"]["url"] == f"{standin.url}/acme-{standin.account}/pypi/pypi-store/"
    assert cli.main(["refresh", "--config", str(path)]) == 0  # a new process: a new Clients
    assert standin.calls == {"GetAuthorizationToken": 2, "GetRepositoryEndpoint": 2}


def test_a_changed_domain_setting_looks_the_endpoints_up_again(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    write_config(path, standin, ALL_TARGETS, extra="    duration: 3600\n")  # not an endpoint setting
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert standin.calls["GetRepositoryEndpoint"] == 2
    path.write_text(path.read_text().replace("region: us-east-1", "region: eu-west-1"))  # a new session, a new key
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert standin.calls["GetRepositoryEndpoint"] == 4


def test_endpoints_are_looked_up_again_after_a_day_and_the_old_one_serves_meanwhile(standin, clock):
    clients = Clients(clock=clock.utcnow, attempts=1)
    d = domain(standin)
    first = clients.endpoint(d, "pypi-store", "pypi")
    clock.advance(MAX_AGE - 60)
    assert clients.endpoint(d, "pypi-store", "pypi") == first and standin.calls["GetRepositoryEndpoint"] == 1
    clock.advance(120)  # a day old: asked again
    assert clients.endpoint(d, "pypi-store", "pypi") == first and standin.calls["GetRepositoryEndpoint"] == 2
    clock.advance(MAX_AGE + 1)
    standin.inject("GetRepositoryEndpoint", "ThrottlingException", 429)  # a passing failure: the old one serves
    assert clients.endpoint(d, "pypi-store", "pypi") == first and standin.calls["GetRepositoryEndpoint"] == 3
    standin.inject("GetRepositoryEndpoint", "ResourceNotFoundException", 404)  # gone: not papered over
    clock.advance(MAX_AGE + 1)
    with pytest.raises(Exception, match="not found"):
        clients.endpoint(d, "pypi-store", "pypi")


OWN = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        (f"https://{OWN}/pypi/store/", True),
        ("https://acme-111122223333.d.codeartifact.cn-north-1.amazonaws.com.cn/pypi/store/", "cn-north-1"),
        ("https://acme-111122223333.codeartifact.us-east-1.on.aws/pypi/store/", True),
        ("https://vpce-0abc-xyz.d.codeartifact.us-east-1.vpce.amazonaws.com/pypi/d/acme-111122223333/store/", True),
        ("https://proxy.internal/acme-111122223333/pypi/store/", True),  # the configured endpoint_url's host
        (f"https://{OWN}/pypi/other-repo/", False),  # another repository
        (f"https://{OWN}/npm/store/", False),  # another format
        ("https://acme-999999999999.d.codeartifact.us-east-1.amazonaws.com/pypi/store/", False),  # another account
        ("https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/store/", False),  # another region
        ("https://other-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/store/", False),  # another domain
        ("https://vpce-0abc.d.codeartifact.us-east-1.vpce.amazonaws.com/pypi/d/other-111122223333/store/", False),
        ("https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com.evil.example/pypi/store/", False),
        (f"http://{OWN}/pypi/store/", False),
        ("https://proxy.internal/x/../pypi/store/", False),
    ],
)
def test_a_remembered_endpoint_must_be_the_domains_own(url, ok):
    region = ok if isinstance(ok, str) else "us-east-1"
    assert plausible(url, "pypi/store", "acme", "111122223333", region, "https://proxy.internal") is bool(ok)


def test_without_owner_or_region_any_account_and_region_of_the_domain_will_do():
    url = "https://acme-444455556666.d.codeartifact.ap-south-1.amazonaws.com/pypi/store/"
    assert plausible(url, "pypi/store", "acme", None, None, None)
    assert not plausible(url.replace("acme-", "other-"), "pypi/store", "acme", None, None, None)


def test_a_url_that_parsers_read_differently_is_neither_kept_nor_believed():
    """urlsplit takes the host of this URL to end in .amazonaws.com; urllib3 (pip, twine) stops at
    the backslash and sends the token to codeartifact.evil.example."""
    url = "https://acme-111122223333.codeartifact.evil.example\\x.d.codeartifact.us-east-1.amazonaws.com/pypi/store/"
    assert not valid_endpoint(url)
    assert from_state({"pypi/store": {"url": url, "resolved_at": "2026-01-01T00:00:00+00:00"}}) == {}


def test_remembered_endpoints_yield_to_younger_ones(standin, clock):
    clients = Clients(clock=clock.utcnow)
    d = domain(standin)
    now = clock.utcnow().timestamp()
    old, older = f"{standin.url}/old/pypi/pypi-store/", f"{standin.url}/older/pypi/pypi-store/"
    clients.remember(d, {"pypi/pypi-store": Endpoint(old, now - 10)})
    assert clients.endpoint(d, "pypi-store", "pypi") == old
    clients.remember(d, {"pypi/pypi-store": Endpoint(older, now - 20)})
    assert clients.endpoint(d, "pypi-store", "pypi") == old
    assert standin.calls["GetRepositoryEndpoint"] == 0
    clients.forget_endpoints(d)
    assert clients.endpoint(d, "pypi-store", "pypi") == f"{standin.url}/acme-{standin.account}/pypi/pypi-store/"


@pytest.mark.parametrize(
    "answer",
    [
        "http://evil.example/pypi/store/",
        "https://user:pass@host/pypi/store/",
    ],
)
def test_an_unusable_endpoint_from_the_server_is_refused(standin, answer):
    standin.inject_answer("GetRepositoryEndpoint", {"repositoryEndpoint": answer})
    with pytest.raises(TransientError) as e:
        Clients(attempts=1).endpoint(domain(standin), "pypi-store", "pypi")
    assert "no usable URL" in str(e.value) and "evil" not in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("npm/x;/", "the character ';'"),
        ("npm/x#y/", "the character '#'"),
        ("npm/a=b/", "the character '='"),
        ("npm/a b/", "the character ' '"),
        ("npm/a\n//registry.npmjs.org/", "the character '\\n'"),
        ("npm/a%0a/", "the character '%'"),
        ("npm/a?b/", "the character '?'"),
        ("npm/../x/", "a '.' or '..' segment"),
    ],
)
def test_an_endpoint_path_of_other_than_names_is_refused_naming_the_repository_and_character(standin, path, named):
    standin.inject_answer("GetRepositoryEndpoint", {"repositoryEndpoint": f"{standin.url}/{path}"})
    with pytest.raises(AwsError) as e:
        Clients(attempts=1).endpoint(domain(standin), "npm-store", "npm")
    message = str(e.value)
    assert f"endpoint for npm-store whose path holds {named} (" in message and "\n" not in message
    assert not e.value.retryable and not valid_endpoint(f"{standin.url}/{path}")


def test_every_endpoint_shape_codeartifact_gives_is_valid():
    for url in (
        "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/my_repo.v2-x/",
        "https://acme-111122223333.codeartifact.us-east-1.on.aws/pypi/Store/",
        "https://vpce-0a1b2c3d4e5f67890-abcdefgh.d.codeartifact.us-east-1.vpce.amazonaws.com/npm/d/acme-111122223333/store/",
        "http://127.0.0.1:8080/acme-111122223333/npm/store/",
    ):
        assert valid_endpoint(url), url


def test_a_state_file_with_hostile_endpoints_is_not_believed(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    state_file = home / ".local/state/codeartifact-refresher/state.json"
    state = json.loads(state_file.read_text())
    [entry] = state["domains"].values()
    entry["endpoints"]["pypi/pypi-store"]["url"] = "https://evil.example/pypi/pypi-store/"  # valid, not ours
    entry["endpoints"]["npm/npm-store"]["url"] = "https://evil.example/npm/\n//evil.example/:_authToken=x/"
    state_file.write_text(json.dumps(state))
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert standin.calls["GetRepositoryEndpoint"] == 4  # both looked up again
    assert "evil" not in (home / ".npmrc").read_text() + (home / ".config/pip/pip.conf").read_text()
    assert "evil" not in state_file.read_text()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_fifo_or_device_at_the_state_path_hangs_nothing(standin, tmp_path, home, kind):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    state_file = home / ".local/state/codeartifact-refresher/state.json"
    state_file.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(state_file)
    else:
        os.symlink("/dev/zero", state_file)
    env = {**os.environ, "HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "codeartifact_refresher", "status", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1  # no token yet: unhealthy, but answered
    assert f"{state_file}: cannot read the state file" in done.stderr and "starting afresh" in done.stderr


def test_a_clock_before_the_recorded_lookup_does_not_trust_it(standin, clock):
    """A wall clock set back makes a remembered endpoint's age negative: look it up again."""
    clients = Clients(clock=clock.utcnow)
    d = domain(standin)
    future = (clock.utcnow() + timedelta(hours=2)).timestamp()
    clients.remember(d, {"pypi/pypi-store": Endpoint(f"{standin.url}/later/pypi/pypi-store/", future)})
    assert clients.endpoint(d, "pypi-store", "pypi") == f"{standin.url}/acme-{standin.account}/pypi/pypi-store/"
    assert standin.calls["GetRepositoryEndpoint"] == 1


def test_endpoints_from_a_state_file_another_user_owns_are_not_believed(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    state_file = home / ".local/state/codeartifact-refresher/state.json"
    os.chown(state_file, 12345, 12345)  # we run as root in CI; any uid but ours (or root) will do
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert standin.calls["GetRepositoryEndpoint"] == 4  # looked up again
    os.chown(state_file, os.geteuid(), os.getegid())
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert standin.calls["GetRepositoryEndpoint"] == 4  # ours again: believed
