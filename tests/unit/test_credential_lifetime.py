"""Warnings before the AWS credentials run out (aws/lifetime.py, service/credwatch.py): what the
daemon learns from botocore after a refresh, when it warns (once per step, by an injected clock),
and what ``status``, ``/metrics`` and ``doctor`` say."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher import config as configuration
from codeartifact_refresher.aws import identity, lifetime, tokens
from codeartifact_refresher.doctor import aws as doctor_aws
from codeartifact_refresher.service.credwatch import CredentialWatch
from codeartifact_refresher.service.daemon import Daemon
from codeartifact_refresher.service.health import metrics
from codeartifact_refresher.state import DomainState, State, default_path
from codeartifact_refresher.writers.registry import Registry

from ..conftest import write_config
from .test_daemon import FakeNotifier, FakeScheduler

NOW = 1_800_000_000.0
HOUR = 3600.0
TARGETS = "      - writer: pip\n        repository: pypi-store\n"


def domain(**kw) -> configuration.Domain:
    kw.setdefault("region", "us-east-1")
    return configuration.Domain("acme", (), owner="111122223333", **kw)


def sso_ending(at: float, profile: str = "dev") -> lifetime.Lifetime:
    return lifetime.Lifetime("sso", at - 6 * HOUR, True, at, True, profile)


def at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


# -- what a lifetime is, by source --------------------------------------------------------------


def test_long_lived_keys_never_end_and_renewed_credentials_end_only_with_what_bounds_them():
    assert lifetime.of("env", None, None, None).ends_at is None
    role = lifetime.of("assume-role-with-web-identity", at(NOW + HOUR), None, None)
    assert role.renews and role.expires_at == NOW + HOUR and role.ends_at is None
    sso = lifetime.of("sso", at(NOW + HOUR), at(NOW + 5 * HOUR), "dev")
    assert (
        sso.renews and sso.sso and sso.ends_at == NOW + 5 * HOUR and sso.action == "run `aws sso login --profile dev`"
    )
    temporary = lifetime.of("env", at(NOW + 2 * HOUR), None, None)  # AWS_CREDENTIAL_EXPIRATION: nothing renews them
    assert not temporary.renews and temporary.ends_at == NOW + 2 * HOUR
    assert temporary.action == "renew the credentials at their source"


def test_look_reads_botocores_credentials_environment_keys_never_end(monkeypatch):
    found = lifetime.look(tokens.Clients(), domain())
    assert found == lifetime.Lifetime("env", None, False, None, False, None)


def test_look_reads_the_expiry_of_temporary_environment_keys(monkeypatch):
    ends = (datetime.now(timezone.utc) + timedelta(hours=2)).replace(microsecond=0)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-secret")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", ends.isoformat())
    found = lifetime.look(tokens.Clients(), domain())
    assert found is not None and found.source == "env" and not found.renews
    assert found.ends_at == found.expires_at == ends.timestamp()
    assert "session-token-secret" not in json.dumps(found.to_state())


def sso_profile(home: Path, cached: dict) -> None:
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "config").write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
    )
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / f"{hashlib.sha1(b'corp').hexdigest()}.json").write_text(json.dumps(cached))


def test_an_sso_login_with_a_refresh_token_ends_with_its_registration_not_its_access_token(home):
    soon, later = at(NOW + HOUR), at(NOW + 80 * 24 * HOUR)
    sso_profile(
        home,
        {
            "accessToken": "secret-access",
            "expiresAt": soon.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "refreshToken": "secret-refresh",
            "clientId": "c",
            "clientSecret": "s",
            "registrationExpiresAt": later.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    d = domain(profile="dev", endpoint_url="http://127.0.0.1:9")
    assert identity.sso_session_expiry(tokens.Clients(), d) == later


def test_look_finds_the_sso_logins_end_even_when_the_credentials_cannot_load(home, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")  # never reached: no network either way
    ends = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    sso_profile(home, {"accessToken": "secret-access", "expiresAt": ends.strftime("%Y-%m-%dT%H:%M:%SZ")})
    found = lifetime.look(tokens.Clients(), domain(profile="dev", endpoint_url="http://127.0.0.1:9"))
    assert found is not None and found.source == "sso" and found.sso and found.ends_at == ends.timestamp()


# -- when and what it warns -----------------------------------------------------------------------


def test_the_horizon_is_two_refresh_intervals_and_at_least_an_hour():
    assert lifetime.warn_within(domain()) == 2 * 0.75 * 43200
    assert lifetime.warn_within(domain(duration=900)) == HOUR
    assert lifetime.steps(domain()) == (64800.0, HOUR, 900.0, 0.0)


def test_the_warning_says_when_what_happens_and_what_to_do():
    found = sso_ending(NOW + 2 * HOUR)
    assert lifetime.warning(found, domain(), NOW - 17 * HOUR, None) is None  # 19 h left: beyond 18 h
    assert lifetime.warning(found, domain(), NOW, NOW + 5 * HOUR) == (
        "the SSO login ends in 2 h: refreshes will fail after that; run `aws sso login --profile dev`; "
        "the token now held expires in 5 h"
    )
    assert lifetime.warning(found, domain(), NOW + 2 * HOUR + 300, NOW + 5 * HOUR) == (
        "the SSO login ended 5 min ago: refreshes fail until you run `aws sso login --profile dev`; "
        "the token now held expires in 2 h 55 min"
    )
    keys = lifetime.Lifetime("env", NOW + 600, False, NOW + 600)
    assert lifetime.warning(keys, domain(duration=0), NOW, NOW + 600) == (
        "the AWS credentials run out in 10 min: refreshes will fail after that; renew the credentials at their "
        "source; with duration: 0 each token ends with the credentials it was issued with"
    )
    assert lifetime.warning(lifetime.Lifetime("iam-role", NOW + 60, True), domain(), NOW, None) is None


def watched(found: lifetime.Lifetime | None, expires_at: float | None = None) -> tuple[State, dict]:
    d = domain()
    state = State(Path("/nonexistent/state.json"))
    state.domains[d.key] = DomainState(d.label, d.domain, d.owner, expires_at=expires_at)
    state.note_credentials(d, found)
    return state, {d.key: d}


def test_the_log_warns_once_per_step_not_on_every_tick(caplog):
    state, domains = watched(sso_ending(NOW + 20 * HOUR), expires_at=NOW + 12 * HOUR)
    watch = CredentialWatch()
    said = {t: watch.look(domains, state, NOW + t * HOUR) for t in (0, 1, 2.5, 3, 10, 19.05, 19.1, 19.8, 20, 20.5)}
    assert [t for t, lines in said.items() if lines] == [2.5, 19.05, 19.8, 20]
    assert said[2.5] == [
        "acme (111122223333): the SSO login ends in 17 h 30 min: refreshes will fail after that; "
        "run `aws sso login --profile dev`; the token now held expires in 9 h 30 min"
    ]
    assert [r.levelno for r in caplog.records if r.name.endswith("credwatch")] == [logging.WARNING] * 3 + [
        logging.ERROR
    ]


def test_a_new_login_starts_the_steps_afresh():
    state, domains = watched(sso_ending(NOW + HOUR / 2))
    watch = CredentialWatch()
    assert watch.look(domains, state, NOW) and not watch.look(domains, state, NOW + 60)
    d = next(iter(domains.values()))
    state.note_credentials(d, sso_ending(NOW + 30 * HOUR))  # `aws sso login`: a day and more
    assert not watch.look(domains, state, NOW + 120)
    state.note_credentials(d, sso_ending(NOW + 10 * 60))  # a shorter login: warned at once
    assert watch.look(domains, state, NOW + 180)


def test_credentials_that_renew_themselves_or_never_end_are_never_warned():
    for found in (lifetime.Lifetime("iam-role", NOW + 60, True), lifetime.Lifetime("env"), None):
        state, domains = watched(found)
        assert CredentialWatch().look(domains, state, NOW) == []


# -- the state file, status, /metrics, doctor ---------------------------------------------------


def test_the_state_file_keeps_the_lifetime_and_drops_what_is_not_one():
    d = domain()
    entry = DomainState(d.label, d.domain, d.owner, credentials=sso_ending(NOW + HOUR).to_state())
    assert DomainState.from_json(json.loads(json.dumps(entry.to_json()))).credential_lifetime == sso_ending(NOW + HOUR)
    for junk in ("sso", {"ends_at": "2030-01-01T00:00:00+00:00"}, {"source": 3}):
        assert DomainState.from_json({**entry.to_json(), "credentials": junk}).credentials is None
    sly = {**sso_ending(NOW).to_state(), "profile": "dev\x1b]2;owned\x07\nx"}
    found = DomainState.from_json({**entry.to_json(), "credentials": sly}).credential_lifetime
    assert found is not None and found.profile == "dev\\x1b]2;owned\\x07\\nx"  # escapes, not a terminal's commands


def test_metrics_show_seconds_until_the_credentials_end_for_good():
    state, _ = watched(sso_ending(NOW + 2 * HOUR))
    state.domains["beta"] = DomainState("beta", "beta", "111122223333", credentials=lifetime.Lifetime("env").to_state())
    text = metrics(state, NOW)
    assert "# TYPE codeartifact_refresher_credentials_expiry_seconds gauge" in text
    assert 'codeartifact_refresher_credentials_expiry_seconds{domain="acme",owner="111122223333"} 7200.000' in text
    assert 'credentials_expiry_seconds{domain="beta"' not in text  # long-lived keys: no end to count down to


def test_doctor_says_what_happens_and_what_duration_0_does():
    d0 = domain(profile="dev", duration=0)
    found = doctor_aws.outlook(d0, "sso", at(NOW + HOUR), at(NOW + 2 * HOUR), at(NOW))
    assert [(f.level, f.text) for f in found] == [
        (
            "note",
            "domain acme (111122223333): the SSO login ends in 2 h: refreshes will fail after that; run `aws sso "
            "login --profile dev`; with duration: 0 each token ends with the credentials it was issued with",
        ),
        (
            "note",
            "domain acme (111122223333): duration: 0: each token lasts only as long as the AWS credentials it is "
            "issued with (these run out in 1 h; botocore renews them and the daemon refreshes the token before)",
        ),
    ]
    assert doctor_aws.outlook(domain(), "iam-role", at(NOW + HOUR), None, at(NOW)) == []


@pytest.fixture
def temporary_keys(monkeypatch, clock):
    """Environment keys with a session token that run out in two hours (by the real clock, which
    botocore reads; the daemon's clock starts there)."""
    clock.run(-(clock.wall() % 1))  # on a whole second, as the variable is written
    ends = datetime.fromtimestamp(clock.wall() + 2 * HOUR, timezone.utc)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-secret")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", ends.isoformat())
    return ends.timestamp()


def started(path: Path, clock) -> Daemon:
    """A daemon on the config at ``path``, its first refresh done, with fakes around it."""
    registry = Registry()
    config = configuration.load(path, registry)
    daemon = Daemon(
        config,
        State.load(default_path(config)),
        registry,
        tokens.Clients(clock=clock.utcnow, attempts=1),
        loader=lambda: configuration.load(path, registry),
        clock=clock,
        notifier=FakeNotifier(),
        scheduler=FakeScheduler(),
        rng=random.Random(7),
    )
    daemon.start()
    assert daemon.scheduler.run_due(daemon)
    return daemon


def test_the_daemon_warns_shows_and_counts_down_before_the_credentials_run_out(
    tmp_path, standin, clock, temporary_keys, caplog, capsys
):
    path = write_config(tmp_path / "config.yaml", standin, TARGETS)
    daemon = started(path, clock)
    config, state = daemon.config, daemon.state
    for _ in range(3):
        daemon.tick()
    warned = [r.getMessage() for r in caplog.records if r.name.endswith("credwatch")]
    assert warned == [
        f"acme ({standin.account}): the AWS credentials run out in 2 h: refreshes will fail after that; "
        "renew the credentials at their source; the token now held expires in 15 min"
    ]
    assert metrics(state, clock.wall()).count("credentials_expiry_seconds{") == 1
    daemon.saver.save()
    assert "session-token-secret" not in default_path(config).read_text()
    capsys.readouterr()
    clock.run(HOUR + 10 * 60)
    daemon.tick()
    daemon.tick()
    assert len([r for r in caplog.records if r.name.endswith("credwatch")]) == 2  # the hour step, once
    daemon.saver.save()
    config_arg = ["--config", str(path)]
    assert cli.main(["status", "--json", *config_arg], clock=clock) in (0, 1)
    shown = json.loads(capsys.readouterr().out)["domains"][0]["credentials"]
    assert shown["source"] == "env" and shown["ends_in"] == round(temporary_keys - clock.wall())
    assert shown["warning"].startswith("the AWS credentials run out in 50 min: refreshes will fail after that")
    cli.main(["status", *config_arg], clock=clock)
    assert f"acme ({standin.account}): WARNING: the AWS credentials run out in 50 min" in capsys.readouterr().out


def test_a_failed_refresh_keeps_what_the_last_success_found(tmp_path, standin, clock, temporary_keys, monkeypatch):
    daemon = started(write_config(tmp_path / "config.yaml", standin, TARGETS), clock)
    key = daemon.config.domains[0].key
    found = daemon.state.domains[key].credential_lifetime
    assert found is not None and found.ends_at == temporary_keys
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION"):
        monkeypatch.delenv(name)  # gone: nothing left to look at
    standin.inject("GetAuthorizationToken", "ExpiredTokenException", 400)
    daemon.refresh_job(key)
    assert daemon.state.domains[key].failures == 1
    assert daemon.state.domains[key].credential_lifetime == found


def test_a_one_shot_refresh_warns_and_records_for_status(tmp_path, standin, clock, temporary_keys, capsys):
    path = write_config(tmp_path / "config.yaml", standin, TARGETS)
    assert cli.main(["refresh", "--config", str(path)], clock=clock) == 0
    assert "the AWS credentials run out in 2 h: refreshes will fail after that" in capsys.readouterr().err
    cli.main(["status", "--json", "--config", str(path)], clock=clock)
    shown = json.loads(capsys.readouterr().out)["domains"][0]["credentials"]
    assert shown["ends_at"] == datetime.fromtimestamp(temporary_keys, timezone.utc).isoformat()
