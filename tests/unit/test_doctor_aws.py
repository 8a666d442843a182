"""doctor's AWS checks: the pure rules (clock skew, when credentials run out) from facts, and the
calls against the stand-in (identity, a denied permission, an unknown repository, a skewed clock)."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

from codeartifact_refresher import config
from codeartifact_refresher.aws import tokens
from codeartifact_refresher.doctor import aws
from codeartifact_refresher.doctor.targets import TargetView
from codeartifact_refresher.writers import pip

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
DENIED = (
    "User: arn:aws:iam::111122223333:user/dev is not authorized to perform: sts:GetServiceBearerToken on resource: "
    "arn:aws:sts::111122223333:assumed-role/dev because no identity-based policy allows the sts:GetServiceBearerToken action"
)


def lines(findings):
    return [f"{f.level}: {f.text}" for f in findings]


def test_clock_skew_is_a_problem_past_five_minutes_and_a_note_past_one():
    assert lines([aws.skew(NOW, NOW - timedelta(seconds=20))]) == ["ok: this machine's clock is within 20 s of AWS's"]
    assert lines([aws.skew(NOW, NOW + timedelta(seconds=90))]) == [
        "note: this machine's clock is 1 min behind AWS's (AWS refuses past 5 minutes): check its time service"
    ]
    assert lines([aws.skew(NOW, NOW - timedelta(minutes=7, seconds=3))]) == [
        "problem: this machine's clock is 7 min ahead of AWS's, and AWS refuses requests signed more than 5 minutes off: "
        "set the clock right (`timedatectl set-ntp true`, or chrony)"
    ]
    assert aws.skew(NOW, None).level == "note"


def test_an_ended_sso_login_is_a_problem_naming_the_profile_and_a_live_one_says_the_time_left():
    assert lines(aws.expiry(NOW, "dev", None, NOW - timedelta(minutes=5))) == [
        "problem: the SSO login of profile dev ended 5 min ago: run `aws sso login --profile dev`"
    ]
    assert lines(aws.expiry(NOW, "dev", NOW + timedelta(minutes=50), NOW + timedelta(hours=3, minutes=10))) == [
        "ok: the SSO login of profile dev ends in 3 h 10 min (then run `aws sso login --profile dev`)",
        "ok: the AWS credentials of profile dev run out in 50 min, and are renewed from their source",
    ]
    assert aws.expiry(NOW, "dev", None, NOW + timedelta(minutes=10))[0].level == "note"
    assert lines(aws.expiry(NOW, "ci", NOW - timedelta(seconds=30), None)) == [
        "problem: the AWS credentials of profile ci ran out 30 s ago: renew them at their source"
    ]
    assert aws.expiry(NOW, "default", None, None) == []


def domain(standin, **kw):
    return config.Domain("acme", (), owner=standin.account, region="us-east-1", endpoint_url=standin.url, **kw)


def test_the_identity_line_names_the_arn_the_account_and_the_credential_source(standin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    standin.identities["AKIDTEST"] = "arn:aws:sts::111122223333:assumed-role/Builder/ci"
    assert lines(aws.session(tokens.Clients(), domain(standin), "domain acme")) == [
        "ok: AWS identity for domain acme: arn:aws:sts::111122223333:assumed-role/Builder/ci (account 111122223333), "
        "credentials from environment variables (AWS_ACCESS_KEY_ID)"
    ]


def test_a_denied_get_service_bearer_token_names_the_missing_permission(standin):
    standin.inject("GetAuthorizationToken", "AccessDeniedException", 403, message=DENIED)
    found, may = aws.token(tokens.Clients(), domain(standin), aws.server_date)
    assert not may
    assert lines(found)[0] == (
        "problem: domain acme (111122223333): GetAuthorizationToken was denied; the caller lacks sts:GetServiceBearerToken "
        "(the caller needs codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken)"
    )
    assert found[1].level == "ok"  # the clock, from an unsigned request's answer


def test_the_probe_asks_for_a_fifteen_minute_token_and_keeps_nothing_of_it(standin):
    found, may = aws.token(tokens.Clients(), domain(standin, duration=43200), aws.server_date)
    assert may and "a 15-minute token was issued and dropped" in found[0].text
    assert standin.calls["GetAuthorizationToken"] == 1 and standin.live_tokens() == 1
    assert not any(t in "".join(lines(found)) for t in standin.issued_tokens())


def test_an_unknown_repository_lists_the_domains_repositories_and_names_the_target(standin):
    view = TargetView(
        "pip", (("main", Path("/x")),), "pypi-stor", where="the pip target (line 7 of c.yaml)", instance=pip.Writer()
    )
    finding, endpoint = aws.repository(tokens.Clients(), domain(standin), view)
    assert endpoint is None
    assert lines([finding]) == [
        "problem: domain acme (111122223333): repository 'pypi-stor' not found; the domain's repositories: npm-store, "
        "pypi-store (the pip target (line 7 of c.yaml))"
    ]


def test_a_skewed_clock_is_read_from_the_date_of_aws_answers(standin, clock):
    clock.jump_wall(-600)  # the stand-in, "AWS", is ten minutes behind this machine
    found, may = aws.token(tokens.Clients(), domain(standin), aws.server_date)
    assert may and found[1].level == "problem" and "10 min ahead of AWS's" in found[1].text
    standin.inject("GetAuthorizationToken", "InvalidSignatureException", 403, message="Signature expired")
    found, may = aws.token(tokens.Clients(), domain(standin), aws.server_date)
    assert (
        not may and "10 min ahead of AWS's" in found[1].text
    )  # read from an unsigned request when the signed one fails
