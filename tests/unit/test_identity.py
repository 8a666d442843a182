"""Who the credentials are and when they run out (aws/identity.py), for `doctor`."""

import hashlib
import json
from datetime import datetime, timedelta, timezone

from codeartifact_refresher import config
from codeartifact_refresher.aws import identity, tokens


def domain(standin, **kw):
    return config.Domain("acme", (), owner=standin.account, region="us-east-1", endpoint_url=standin.url, **kw)


def test_caller_identity_through_sts(standin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    standin.identities["AKIDTEST"] = "arn:aws:sts::111122223333:assumed-role/Dev/alice"
    found = identity.caller_identity(tokens.Clients(), domain(standin))
    assert found == identity.Identity("arn:aws:sts::111122223333:assumed-role/Dev/alice", "111122223333", "AKIDTEST")
    assert standin.calls["GetCallerIdentity"] == 1


def test_environment_keys_have_no_expiry_and_say_where_they_came_from(standin):
    clients = tokens.Clients()
    assert identity.credential_source(clients, domain(standin)) == "env"
    assert identity.credential_expiry(clients, domain(standin)) is None
    assert identity.sso_session_expiry(clients, domain(standin)) is None


def test_the_sso_session_expiry_comes_from_the_aws_cli_token_cache(standin, home):
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
    )
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    ends = (datetime.now(timezone.utc) + timedelta(hours=3)).replace(microsecond=0)
    name = hashlib.sha1(b"corp").hexdigest()
    (cache / f"{name}.json").write_text(json.dumps({"expiresAt": ends.strftime("%Y-%m-%dT%H:%M:%SZ")}))
    assert identity.sso_session_expiry(tokens.Clients(), domain(standin, profile="dev")) == ends
