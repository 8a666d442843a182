import re
from datetime import datetime, timedelta, timezone

import pytest
from botocore.stub import Stubber

from codeartifact_refresher import config
from codeartifact_refresher.aws import tokens
from codeartifact_refresher.errors import AccessDeniedError, AwsError, CredentialsError, NotFoundError, TransientError


def domain(**kw) -> config.Domain:
    kw.setdefault("region", "us-east-1")
    return config.Domain(kw.pop("domain", "acme"), targets=(), **kw)


def stubbed(d: config.Domain):
    clients = tokens.Clients()
    client = clients.client(d)
    return clients, Stubber(client)


def test_token_comes_from_the_api_expiration_not_the_duration_asked(standin, clock):
    standin.token_lifetime = 60  # the service may give less than asked for
    d = domain(owner=standin.account, endpoint_url=standin.url, duration=43200)
    token = tokens.Clients().token(d)
    assert token.expires_at.tzinfo is not None
    assert abs(token.expires_at.timestamp() - (clock.now + 60)) < 1
    assert "value" not in repr(token) and token.value not in repr(token)


def test_endpoint_is_asked_once_then_cached(standin):
    d = domain(owner=standin.account, endpoint_url=standin.url)
    clients = tokens.Clients()
    first = clients.endpoint(d, "pypi-store", "pypi")
    assert (
        clients.endpoint(d, "pypi-store", "pypi") == first == f"{standin.url}/acme-{standin.account}/pypi/pypi-store/"
    )
    assert standin.calls["GetRepositoryEndpoint"] == 1


def test_one_client_per_session_key(standin):
    clients = tokens.Clients()
    a = clients.client(domain(endpoint_url=standin.url))
    assert clients.client(domain(domain="other", endpoint_url=standin.url)) is a
    assert clients.client(domain(endpoint_url=standin.url, region="eu-west-1")) is not a


def test_botocore_honours_the_endpoint_environment_variable(standin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEARTIFACT", standin.url)
    assert tokens.Clients().token(domain(owner=standin.account)).value
    assert standin.calls["GetAuthorizationToken"] == 1


def test_naive_expiration_is_taken_as_utc():
    d = domain()
    clients, stub = stubbed(d)
    naive = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=1)
    stub.add_response("get_authorization_token", {"authorizationToken": "t", "expiration": naive})
    with stub:
        assert clients.token(d).expires_at.tzinfo is not None


@pytest.mark.parametrize(
    "response",
    [
        {"authorizationToken": "", "expiration": datetime(2099, 1, 1, tzinfo=timezone.utc)},
        {"authorizationToken": "t", "expiration": datetime(2000, 1, 1, tzinfo=timezone.utc)},
        {"authorizationToken": "t"},
    ],
)
def test_useless_token_responses_are_transient_errors(response):
    d = domain()
    clients, stub = stubbed(d)
    stub.add_response("get_authorization_token", response)
    with stub, pytest.raises(TransientError, match="returned no usable token"):
        clients.token(d)


@pytest.mark.parametrize(
    ("code", "status", "error", "advice"),
    [
        (
            "AccessDeniedException",
            403,
            AccessDeniedError,
            "needs codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken",
        ),
        ("ResourceNotFoundException", 404, NotFoundError, "domain not found (check 'domain', 'owner' and 'region'"),
        ("ThrottlingException", 429, TransientError, "will retry"),
        ("InternalServerException", 500, TransientError, "will retry"),
        ("ExpiredTokenException", 403, CredentialsError, "the AWS credentials have expired"),
        ("UnrecognizedClientException", 403, CredentialsError, "does not accept these credentials"),
        ("ValidationException", 400, AwsError, "failed: ValidationException"),
    ],
)
def test_api_errors_become_advice(code, status, error, advice):
    d = domain()
    clients, stub = stubbed(d)
    stub.add_client_error("get_authorization_token", code, "msg", status)
    with stub, pytest.raises(error) as e:
        clients.token(d)
    assert advice in str(e.value) and str(e.value).startswith("domain acme: ")
    assert type(e.value).retryable == (error is TransientError)


def test_unknown_repository_is_named(standin):
    d = domain(owner=standin.account, endpoint_url=standin.url)
    with pytest.raises(NotFoundError, match="repository 'nope' not found"):
        tokens.Clients().endpoint(d, "nope", "pypi")


def test_access_denied_for_a_key_through_the_stand_in(standin, monkeypatch):
    standin.key_errors["AKIDDENIED"] = "AccessDeniedException"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDDENIED")
    with pytest.raises(AccessDeniedError):
        tokens.Clients().token(domain(owner=standin.account, endpoint_url=standin.url))


def test_no_credentials_says_what_to_set(standin, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(
        CredentialsError,
        match="no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
    ):
        tokens.Clients().token(domain(endpoint_url=standin.url))


def test_missing_profile_is_named(standin):
    with pytest.raises(CredentialsError, match="AWS profile 'nope' is not defined"):
        tokens.Clients().token(domain(endpoint_url=standin.url, profile="nope"))


def test_expired_sso_session_says_to_log_in(standin, home, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    (home / ".aws").mkdir()
    (home / ".aws" / "config").write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
    )
    with pytest.raises(CredentialsError, match="run `aws sso login --profile dev`"):
        tokens.Clients().token(domain(endpoint_url=standin.url, profile="dev"))


def test_unreachable_endpoint_is_transient():
    d = domain(endpoint_url="http://127.0.0.1:9")
    with pytest.raises(TransientError, match="cannot reach"):
        tokens.Clients().token(d)


def test_role_is_assumed_and_its_keys_sign_the_call(standin, monkeypatch):
    seen = []
    real = standin._check_signature

    def record(authorization):
        seen.append(authorization.split("Credential=")[1].split("/")[0])
        return real(authorization)

    monkeypatch.setattr(standin, "_check_signature", record)
    d = domain(owner=standin.account, endpoint_url=standin.url, role_arn="arn:aws:iam::111122223333:role/reader")
    clients = tokens.Clients()
    with monkeypatch.context() as m:
        import botocore.session

        sts_stubs = []

        original = botocore.session.Session.create_client

        def create_client(self, service, *a, **kw):
            client = original(self, service, *a, **kw)
            if service == "sts":
                stub = Stubber(client)
                stub.add_response(
                    "assume_role",
                    {
                        "Credentials": {
                            "AccessKeyId": "ASIAROLEKEY00001",
                            "SecretAccessKey": "s",
                            "SessionToken": "t",
                            "Expiration": datetime.now(timezone.utc) + timedelta(hours=1),
                        },
                        "AssumedRoleUser": {
                            "AssumedRoleId": "AROA:codeartifact-refresher",
                            "Arn": "arn:aws:sts::111122223333:assumed-role/reader/codeartifact-refresher",
                        },
                    },
                    {"RoleArn": d.role_arn, "RoleSessionName": "codeartifact-refresher"},
                )
                stub.activate()
                sts_stubs.append(stub)
            return client

        m.setattr(botocore.session.Session, "create_client", create_client)
        clients.token(d)
    assert seen == ["ASIAROLEKEY00001"] and len(sts_stubs) == 1
    sts_stubs[0].assert_no_pending_responses()


def test_after_a_credentials_error_the_next_try_reads_credentials_afresh(standin, monkeypatch):
    standin.key_errors["AKIDTEST"] = "UnrecognizedClientException"
    d = domain(owner=standin.account, endpoint_url=standin.url)
    clients = tokens.Clients()
    with pytest.raises(CredentialsError):
        clients.token(d)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFIXED")  # the user fixed their keys
    assert clients.token(d).value


def test_a_client_made_while_there_were_no_credentials_is_not_kept(standin, monkeypatch):
    """A client holds the credentials its session had when it was made: one kept without any
    (made, say, by an endpoint lookup beside a failed token call) would fail on after the user
    sets them."""
    d = domain(owner=standin.account, endpoint_url=standin.url)
    clients = tokens.Clients()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    clients.endpoints(d, [("pypi-store", "pypi")])  # looked up on the pool, beside what follows
    with pytest.raises(CredentialsError):
        clients.token(d)
    clients.client(d)  # after forget(): what a lookup still running would build
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    assert clients.token(d).value
    assert clients.client(d) is clients.client(d), "once credentials are found, the client is kept"


def test_a_transient_error_keeps_the_client(standin):
    d = domain(owner=standin.account, endpoint_url=standin.url)
    clients = tokens.Clients(attempts=1)
    client = clients.client(d)
    standin.inject("GetAuthorizationToken")
    with pytest.raises(TransientError):
        clients.token(d)
    assert clients.client(d) is client


def test_the_no_region_advice_names_a_variable_this_botocore_reads(monkeypatch):
    d = config.Domain("acme", targets=())  # no region: botocore's default chain decides
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # not read by botocore for the client's region
    with pytest.raises(AwsError, match="no AWS region") as e:
        tokens.Clients().client(d)
    (variable,) = re.findall(r"\bAWS_[A-Z_]+", str(e.value))
    monkeypatch.setenv(variable, "eu-west-1")  # following the advice works
    assert tokens.Clients().client(d).meta.region_name == "eu-west-1"


def _no_keys(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")


def test_a_missing_web_identity_token_file_is_named_with_what_sets_it(standin, monkeypatch, tmp_path):
    """IRSA's variables without the token file (a pod whose service account lost its annotation):
    a credentials error naming the file and what mounts it, never a crash."""
    _no_keys(monkeypatch)
    missing = tmp_path / "serviceaccount" / "token"
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/build")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(missing))
    with pytest.raises(CredentialsError) as raised:
        tokens.Clients().token(domain(owner=standin.account, endpoint_url=standin.url))
    message = str(raised.value)
    assert message.startswith(
        f"domain acme (111122223333): the web identity token file {missing} (from AWS_WEB_IDENTITY_TOKEN_FILE)"
    )
    assert "does not exist" in message and "eks.amazonaws.com/role-arn" in message
    assert type(raised.value).retryable is False


def test_a_missing_pod_identity_token_file_is_named_with_what_sets_it(standin, monkeypatch, tmp_path):
    _no_keys(monkeypatch)
    missing = tmp_path / "eks-pod-identity-token"
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials")
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(missing))
    with pytest.raises(CredentialsError, match=r"the EKS Pod Identity token file .* does not exist; .*association"):
        tokens.Clients().token(domain(owner=standin.account, endpoint_url=standin.url))


def test_credentials_refreshed_but_still_expired_say_so_as_the_aws_cli_does(standin, monkeypatch):
    import botocore.credentials

    def still_expired(self, *args, **kwargs):
        raise RuntimeError("Credentials were refreshed, but the refreshed credentials are still expired.")

    monkeypatch.setattr(botocore.credentials.RefreshableCredentials, "get_frozen_credentials", still_expired)
    monkeypatch.setattr(botocore.credentials.Credentials, "get_frozen_credentials", still_expired)
    with pytest.raises(CredentialsError, match=r"refreshed credentials are still expired .*check this machine's clock"):
        tokens.Clients().token(domain(owner=standin.account, endpoint_url=standin.url))


def test_access_denied_names_the_permission_aws_says_is_missing(standin):
    standin.inject(
        "GetAuthorizationToken",
        "AccessDeniedException",
        403,
        times=3,
        message="User: arn:aws:iam::111122223333:user/ci is not authorized to perform: sts:GetServiceBearerToken",
    )
    with pytest.raises(AccessDeniedError) as raised:
        tokens.Clients().token(domain(owner=standin.account, endpoint_url=standin.url))
    assert str(raised.value) == (
        "domain acme (111122223333): GetAuthorizationToken was denied; the caller lacks sts:GetServiceBearerToken "
        "(the caller needs codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken)"
    )


def test_an_unknown_repository_lists_the_domains_repositories_when_the_caller_may(standin):
    d = domain(owner=standin.account, endpoint_url=standin.url)
    with pytest.raises(NotFoundError) as raised:
        tokens.Clients().endpoint(d, "pypi-stor", "pypi")
    assert str(raised.value) == (
        "domain acme (111122223333): repository 'pypi-stor' not found; the domain's repositories: npm-store, pypi-store"
    )
    standin.inject("ListRepositoriesInDomain", "AccessDeniedException", 403)
    with pytest.raises(NotFoundError) as raised:
        tokens.Clients().endpoint(d, "pypi-stor", "pypi")
    assert str(raised.value) == "domain acme (111122223333): repository 'pypi-stor' not found"


def test_an_unknown_domain_is_not_called_an_unknown_repository(standin):
    d = domain(domain="acmee", owner=standin.account, endpoint_url=standin.url)
    with pytest.raises(
        NotFoundError, match=r"^domain acmee \(111122223333\): domain not found \(check 'domain', 'owner'"
    ):
        tokens.Clients().endpoint(d, "pypi-store", "pypi")


def test_the_token_carries_the_servers_time_for_clock_skew(standin):
    token = tokens.Clients().token(domain(owner=standin.account, endpoint_url=standin.url))
    assert token.server_time is not None and abs((token.server_time - token.issued_at).total_seconds()) < 5


def test_the_sts_client_shares_the_session_and_not_the_codeartifact_endpoint(standin, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    d = domain(owner=standin.account, endpoint_url="http://127.0.0.1:9")
    clients = tokens.Clients()
    sts = clients.client(d, "sts")
    codeartifact: object = clients.client(d)
    assert sts is clients.client(d, "sts") and sts is not codeartifact
    assert sts.get_caller_identity()["Account"] == standin.account  # AWS_ENDPOINT_URL_STS, not endpoint_url


def test_endpoint_type_is_asked_for_and_keys_the_cache():
    d = domain(owner="111122223333", endpoint_type="dualstack")
    clients, stub = stubbed(d)
    url = "https://acme-111122223333.codeartifact.us-east-1.on.aws/pypi/pypi-store/"
    stub.add_response(
        "get_repository_endpoint",
        {"repositoryEndpoint": url},
        {
            "domain": "acme",
            "domainOwner": "111122223333",
            "repository": "pypi-store",
            "format": "pypi",
            "endpointType": "dualstack",
        },
    )
    with stub:
        assert clients.endpoint(d, "pypi-store", "pypi") == url
    assert "endpoint_type=dualstack" in d.key and "endpoint_type" not in domain(owner="111122223333").key
