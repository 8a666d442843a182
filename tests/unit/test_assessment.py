"""One set of facts, each consumer's view of it: the meanings the README documents."""

from codeartifact_refresher.service.assessment import Assessment
from codeartifact_refresher.state import DomainState

NOW = 1_800_000_000.0


def assess(*entries: DomainState) -> Assessment:
    return Assessment.of(entries, NOW)


def test_a_failing_domain_with_a_live_token_is_serving_but_not_healthy():
    views = assess(DomainState("acme", expires_at=NOW + 600, failures=2), DomainState("beta", expires_at=NOW + 7200))
    assert not views.healthy  # status exits 1
    assert views.healthz()[0] == 200  # builds are still served
    assert views.status_line() == "1 of 2 domain(s) OK; soonest token expires in 10m 00s (acme); failing: acme"


def test_an_expired_token_is_neither_healthy_nor_serving():
    views = assess(DomainState("acme", expires_at=NOW - 1), DomainState("beta", expires_at=NOW + 7200))
    assert not views.healthy and not views.serving
    assert views.healthz() == (
        503,
        "unhealthy\nacme: no live token, 0 failure(s) in a row\nbeta: expires in 2h 00m, 0 failure(s) in a row\n",
    )
    assert views.status_line() == "2 of 2 domain(s) OK; soonest token expires in 2h 00m (beta)"


def test_no_domains_is_not_serving():
    assert assess().healthz() == (503, "unhealthy\n") and assess().status_line() == "0 of 0 domain(s) OK"


def test_a_stuck_refresh_is_not_ready_nor_healthy_and_named_while_a_slow_one_is_not():
    from codeartifact_refresher.service.watchdog import Refreshing

    entries = (DomainState("acme", expires_at=NOW + 600), DomainState("beta", expires_at=NOW + 7200))
    slow = Assessment.of(entries, NOW, 0.0, [("acme", Refreshing(300, 600))])
    assert slow.healthy and slow.readyz()[0] == 200 and "running" not in slow.readyz()[1]
    stuck = Assessment.of(entries, NOW, 0.0, [("acme", Refreshing(720, 600))])
    assert not stuck.healthy and stuck.healthz()[0] == 200  # the token lives: builds are served
    assert stuck.readyz() == (
        503,
        "not ready\nacme: expires in 10m 00s, 0 failure(s) in a row\nbeta: expires in 2h 00m, 0 failure(s) in a row\n"
        "acme: refresh running for 12m 00s, stuck?\n",
    )
    assert stuck.livez() == (200, "alive: the loop ran 0s ago\nacme: refresh running for 12m 00s, stuck?\n")
    assert stuck.status_line().endswith("; stuck: acme")
