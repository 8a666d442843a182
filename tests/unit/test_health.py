import re
import urllib.error
import urllib.request

import pytest

from codeartifact_refresher.service.health import HealthServer, healthz, metrics
from codeartifact_refresher.service.state import DomainState, State

NOW = 1_800_000_000.0


def state_with(*entries) -> State:
    state = State(path=None)
    for key, entry in entries:
        state.domains[key] = entry
    return state


def live(label="acme", **kw):
    return DomainState(
        label, label, "111122223333", expires_at=NOW + 3600, last_success=NOW - 60, successes_total=3, **kw
    )


def test_healthz_is_200_while_every_token_lives_even_if_a_refresh_failed():
    state = state_with(("acme", live()), ("beta", live("beta", failures=2, failures_total=2)))
    status, body = healthz(state, NOW)
    assert status == 200 and body.startswith("ok\n")
    assert "beta: expires in 1h 00m, 2 failure(s) in a row" in body


@pytest.mark.parametrize("entry", [DomainState("acme"), DomainState("acme", expires_at=NOW - 1)])
def test_healthz_is_503_when_a_token_is_missing_or_expired(entry):
    status, body = healthz(state_with(("acme", live()), ("x", entry)), NOW)
    assert status == 503 and body.startswith("unhealthy\n") and "acme: no live token" in body


def test_healthz_is_503_before_anything_is_known():
    assert healthz(State(path=None), NOW)[0] == 503


def test_metrics_are_prometheus_text():
    text = metrics(state_with(("acme (111122223333)", live())), NOW)
    labels = 'domain="acme",owner="111122223333"'
    assert f"codeartifact_refresher_token_expiry_seconds{{{labels}}} 3600.000" in text
    assert f"codeartifact_refresher_refresh_success_total{{{labels}}} 3" in text
    assert f"codeartifact_refresher_refresh_failure_total{{{labels}}} 0" in text
    assert "# TYPE codeartifact_refresher_refresh_success_total counter" in text
    sample = re.compile(r'^[a-z_]+\{(\w+="(?:[^"\\]|\\.)*",?)+\} -?[0-9.]+$')
    for line in text.splitlines():
        assert line.startswith("# ") or sample.match(line), line


def test_label_values_are_escaped():
    text = metrics(state_with(("k", DomainState("x", 'we"ird\\dom', expires_at=NOW))), NOW)
    assert 'domain="we\\"ird\\\\dom",owner=""' in text


def test_metrics_are_labelled_by_domain_and_owner_only_one_series_per_domain():
    """The state's key (profile, region, role ARN, endpoint) is no label: it changes with the
    config and multiplies series. A domain listed twice, with two profiles, is one series."""
    soon = live()
    soon.expires_at = NOW + 60
    state = state_with(
        ("acme (111122223333) profile=a endpoint=https://vpce-1.example/", live(failures=2, failures_total=5)),
        ("acme (111122223333) profile=b role=arn:aws:iam::111122223333:role/r", soon),
        ("beta", DomainState("beta", "beta", None, successes_total=1)),
    )
    text = metrics(state, NOW)
    samples = [line for line in text.splitlines() if not line.startswith("#")]
    assert {tuple(re.findall(r'(\w+)="', line)) for line in samples} == {("domain", "owner")}
    assert "profile" not in text and "vpce" not in text and "arn:" not in text
    acme = '{domain="acme",owner="111122223333"}'
    assert f"codeartifact_refresher_token_expiry_seconds{acme} 60.000" in samples  # the soonest
    assert f"codeartifact_refresher_refresh_success_total{acme} 6" in samples  # summed
    assert f"codeartifact_refresher_refresh_failure_total{acme} 5" in samples
    assert f"codeartifact_refresher_consecutive_failures{acme} 2" in samples  # the worst
    assert 'codeartifact_refresher_refresh_success_total{domain="beta",owner=""} 1' in samples
    assert len({line.rsplit(" ", 1)[0] for line in samples}) == len(samples)  # no series twice


def test_the_listener_serves_both_paths_on_loopback():
    server = HealthServer(state_with(("acme", live())), "127.0.0.1", 0, clock=lambda: NOW).start()
    try:
        base = f"http://{server.address}"
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            assert r.status == 200 and r.read().startswith(b"ok\n")
        with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
            assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert b"codeartifact_refresher_token_expiry_seconds" in r.read()
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + "/other", timeout=5)
        assert e.value.code == 404
    finally:
        server.stop()
