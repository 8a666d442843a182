"""Who the AWS credentials of a domain's settings are, and when they run out: what ``doctor`` asks.

The *identity* is STS's ``GetCallerIdentity`` answer (every principal may call it). The
*credential expiry* is when botocore's current credentials lapse (an assumed role's session, the
SSO role credentials, a web identity role): botocore renews them itself, from their source. The
*SSO session expiry* is when the profile's SSO login (``aws sso login``) ends: after that nothing
renews them until a person logs in again. Each is None where the source has no such time (long-lived
keys, the instance role's renew themselves).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ..config import Domain
from ..platform import paths
from .advice import call

if TYPE_CHECKING:
    from .tokens import Clients


@dataclass(frozen=True)
class Identity:
    arn: str
    account: str
    user_id: str


def caller_identity(clients: Clients, domain: Domain) -> Identity:
    """STS ``GetCallerIdentity`` with ``domain``'s credentials (``AWS_ENDPOINT_URL_STS`` honoured)."""
    answer = call(domain, "GetCallerIdentity", lambda: clients.client(domain, "sts").get_caller_identity())
    return Identity(str(answer.get("Arn", "")), str(answer.get("Account", "")), str(answer.get("UserId", "")))


def credential_source(clients: Clients, domain: Domain) -> str:
    """How botocore found the credentials (``env``, ``shared-credentials-file``, ``sso``,
    ``assume-role-with-web-identity``, ``iam-role``...); "" when it found none."""
    credentials = call(domain, "LoadCredentials", lambda: clients.session(domain).get_credentials())
    return str(getattr(credentials, "method", "") or "") if credentials is not None else ""


def credential_expiry(clients: Clients, domain: Domain, load: bool = True) -> datetime | None:
    """When the current credentials lapse (botocore renews them from their source), or None.
    With ``load`` false, as the session holds them now: no call to their source (a deferred
    source not used yet has no expiry then)."""
    credentials = call(domain, "LoadCredentials", lambda: clients.session(domain).get_credentials())
    if credentials is None:
        return None
    if load:
        call(domain, "LoadCredentials", credentials.get_frozen_credentials)  # a deferred source loads now
    expiry = getattr(credentials, "_expiry_time", None)  # botocore's RefreshableCredentials
    return expiry if isinstance(expiry, datetime) else None


def sso_session_expiry(clients: Clients, domain: Domain) -> datetime | None:
    """When the profile's SSO login ends (from the AWS CLI's token cache), or None when the profile
    does not use SSO or no login is cached. A login that holds a refresh token is renewed by
    botocore until its client registration ends (``registrationExpiresAt``); IAM Identity Center
    may end the session sooner, which no file here records."""
    session = clients.session(domain)
    profile = call(domain, "LoadConfig", session.get_scoped_config)
    key = profile.get("sso_session") or profile.get("sso_start_url")
    if not key:
        return None
    digest = hashlib.sha1(key.encode()).hexdigest()  # noqa: S324 - the AWS CLI's cache file name, not security
    cache = paths.home() / ".aws" / "sso" / "cache" / f"{digest}.json"
    try:
        cached = json.loads(cache.read_text())
        # an sso-session login with a refresh token: botocore renews the access token (expiresAt)
        # itself, up to the client registration's end, and no further
        renewed = isinstance(cached, dict) and "refreshToken" in cached and "registrationExpiresAt" in cached
        expires = cached.get("registrationExpiresAt" if renewed else "expiresAt")
        when = datetime.fromisoformat(str(expires).replace("Z", "+00:00"))
    except (OSError, ValueError, AttributeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
