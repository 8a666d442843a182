"""The AWS checks, with the caller's credentials.

Per *session* (the domains' distinct AWS settings: profile, region, role, endpoint): who the caller
is (STS), where botocore found the credentials, and when they or the profile's SSO login run out.
Per domain: whether the caller may get a token (``GetAuthorizationToken`` for 900 seconds, the
token dropped at once; AWS's AccessDenied names the missing permission) and the *clock skew*, the
local clock against the ``Date`` of AWS's answer (AWS refuses signatures more than 5 minutes off).
Per target: whether its repository exists (``GetRepositoryEndpoint``); its endpoint is what the
file checks compare URLs with.
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from ..aws import identity, lifetime
from ..aws.tokens import Clients
from ..config import Domain
from ..errors import AwsError, CredentialsError, TransientError
from .findings import Finding, note, ok, problem
from .targets import TargetView

SKEW_PROBLEM, SKEW_NOTE = 300.0, 60.0  # seconds: AWS refuses signatures 5 minutes off
SOON = timedelta(minutes=15)
PROBE_DURATION = 900  # seconds: the shortest token there is
SOURCES = {
    "env": "environment variables (AWS_ACCESS_KEY_ID)",
    "shared-credentials-file": "the shared credentials file (~/.aws/credentials)",
    "config-file": "the AWS config file",
    "custom-process": "a credential_process",
    "assume-role": "an assumed role",
    "assume-role-with-web-identity": "a web identity token (IRSA, OIDC)",
    "container-role": "the container credentials endpoint (ECS, EKS Pod Identity)",
    "iam-role": "the instance role (EC2 metadata)",
    "sso": "AWS IAM Identity Center (SSO)",
}


def span(delta: timedelta) -> str:
    """``3 h 10 min``, ``12 min``, ``45 s``."""
    seconds = int(abs(delta.total_seconds()))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"


def skew(local: datetime, server: datetime | None) -> Finding:
    """The local clock against AWS's (``server``, from an answer's Date, read at ``local``)."""
    if server is None:
        return note("could not read AWS's clock (no Date in its answer): the clock was not compared")
    off = (local - server).total_seconds()
    side = "ahead of" if off > 0 else "behind"
    if abs(off) > SKEW_PROBLEM:
        return problem(
            f"this machine's clock is {span(local - server)} {side} AWS's, and AWS refuses requests signed more "
            "than 5 minutes off: set the clock right (`timedatectl set-ntp true`, or chrony)"
        )
    if abs(off) > SKEW_NOTE:
        return note(
            f"this machine's clock is {span(local - server)} {side} AWS's (AWS refuses past 5 minutes): check its time service"
        )
    return ok(f"this machine's clock is within {max(1, int(abs(off)))} s of AWS's")


def expiry(now: datetime, profile: str, credentials: datetime | None, sso: datetime | None) -> list[Finding]:
    """When the profile's SSO login and the current credentials run out (None: they do not)."""
    login = f"aws sso login --profile {profile}"
    found = []
    if sso is not None:
        if sso <= now:
            found.append(problem(f"the SSO login of profile {profile} ended {span(now - sso)} ago: run `{login}`"))
        else:
            say = note if sso - now < SOON else ok
            found.append(say(f"the SSO login of profile {profile} ends in {span(sso - now)} (then run `{login}`)"))
    if credentials is not None:
        if credentials <= now:
            advice = f"run `{login}`" if sso is not None else "renew them at their source"
            found.append(
                problem(f"the AWS credentials of profile {profile} ran out {span(now - credentials)} ago: {advice}")
            )
        else:
            found.append(
                ok(
                    f"the AWS credentials of profile {profile} run out in {span(credentials - now)}, and are renewed from their source"
                )
            )
    return found


def session(clients: Clients, domain: Domain, labels: str) -> list[Finding]:
    """Who the caller of ``domain``'s session is, and when its credentials run out."""
    profile = domain.profile or "default"
    try:
        source = identity.credential_source(clients, domain)
        who = identity.caller_identity(clients, domain)
    except CredentialsError as e:
        return [problem(str(e))]
    except AwsError as e:
        return [
            note(f"could not ask AWS STS who the caller is ({e}); for a VPC without internet, set AWS_ENDPOINT_URL_STS")
        ]
    found = [
        ok(
            f"AWS identity for {labels}: {who.arn} (account {who.account}), credentials from {SOURCES.get(source, source)}"
        )
    ]
    try:
        credentials = identity.credential_expiry(clients, domain)
        sso = identity.sso_session_expiry(clients, domain)
    except AwsError as e:
        return [*found, note(f"could not tell when the credentials run out ({e})")]
    return (
        found
        + expiry(clients.clock(), profile, credentials, sso)
        + outlook(domain, source, credentials, sso, clients.clock())
    )


def outlook(
    domain: Domain, source: str, credentials: datetime | None, sso: datetime | None, now: datetime
) -> list[Finding]:
    """What happens to ``domain``'s refreshes when its credentials run out, once that is near
    (:func:`..aws.lifetime.warning`), and what ``duration: 0`` makes of its tokens."""
    found = lifetime.of(source, credentials, sso, domain.profile)
    at = now.timestamp()
    over = found.ends_at is not None and found.ends_at <= at  # a problem above says so, and what to run
    lines = (None if over else lifetime.warning(found, domain, at, None), lifetime.duration_zero(found, domain, at))
    return [note(f"domain {domain.label}: {line}") for line in lines if line is not None]


def token(
    clients: Clients, domain: Domain, server_date: Callable[[Clients, Domain], datetime | None]
) -> tuple[list[Finding], bool]:
    """Whether the caller may get a token for ``domain``, and the clock skew; True when it may."""
    probe = dataclasses.replace(domain, duration=PROBE_DURATION)
    try:
        issued = clients.token(probe)
    except AwsError as e:
        return [problem(str(e)), skew(clients.clock(), server_date(clients, domain))], False
    local, server = clients.clock(), issued.server_time
    del issued  # the token itself is never looked at
    may = ok(
        f"domain {domain.label}: may call codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken "
        f"(a {PROBE_DURATION // 60}-minute token was issued and dropped)"
    )
    return [may, skew(local, server)], True


def repository(clients: Clients, domain: Domain, view: TargetView) -> tuple[Finding, str | None]:
    fmt = view.instance.repository_format() if view.instance is not None else None
    if fmt is None:
        return note(f"{view.where}: its writer does not load, so its repository was not looked up"), None
    try:
        endpoint = clients.endpoint(domain, str(view.repository), fmt)
    except TransientError as e:
        return note(f"{view.where}: {e}"), None
    except AwsError as e:
        return problem(f"{e} ({view.where})"), None
    return ok(f"domain {domain.label}: repository {view.repository} found ({fmt}): {endpoint}"), endpoint


def server_date(clients: Clients, domain: Domain) -> datetime | None:
    """AWS's clock from the Date of any answer of the CodeArtifact API (an unsigned request,
    refused), when a signed one failed: a skewed clock is one reason it may have."""
    try:
        url = clients.client(domain).meta.endpoint_url.rstrip("/") + "/v1/repository/endpoint"
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - the API's own URL
            date = answer.headers.get("Date")
    except urllib.error.HTTPError as e:
        date = e.headers.get("Date")
    except (OSError, ValueError, AwsError):
        return None
    try:
        return parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None
