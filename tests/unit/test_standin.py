"""The stand-in itself: the tests and the demo rely on it refusing what CodeArtifact refuses."""

import base64
import email.utils
import json
import time
import urllib.error
import urllib.request

import pytest

from codeartifact_refresher import config
from codeartifact_refresher.aws import tokens
from codeartifact_refresher.errors import TransientError
from codeartifact_refresher.testing import packages, uploads


def get(url, token=None, scheme="Basic"):
    request = urllib.request.Request(url)
    if token and scheme == "Basic":
        request.add_header("Authorization", "Basic " + base64.b64encode(f"aws:{token}".encode()).decode())
    elif token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def domain(standin, name="acme"):
    return config.Domain(name, (), owner=standin.account, region="us-east-1", endpoint_url=standin.url)


def test_a_token_opens_only_its_own_domain(standin):
    standin.add_repository("other", "pypi-store", "pypi")
    clients = tokens.Clients()
    acme_token = clients.token(domain(standin)).value
    acme = clients.endpoint(domain(standin), "pypi-store", "pypi")
    other = clients.endpoint(domain(standin, "other"), "pypi-store", "pypi")
    assert get(f"{acme}simple/ca-demo-pkg/", acme_token)[0] == 200
    assert get(f"{other}simple/ca-demo-pkg/", acme_token)[0] == 401
    assert get(f"{acme}simple/ca-demo-pkg/", "forged")[0] == 401
    assert get(f"{acme}simple/ca-demo-pkg/")[0] == 401
    assert standin.calls["pypi:refused"] == 3


def test_tokens_lapse_by_the_stand_ins_clock(standin, clock):
    clients = tokens.Clients()
    token = clients.token(domain(standin)).value
    npm = clients.endpoint(domain(standin), "npm-store", "npm")
    status, body = get(f"{npm}{packages.DEMO_NAME}", token, "Bearer")
    assert status == 200 and json.loads(body)["dist-tags"] == {"latest": "1.0.0"}
    clock.advance(899)
    assert standin.live_tokens() == 1
    clock.advance(2)
    assert standin.live_tokens() == 0 and get(f"{npm}{packages.DEMO_NAME}", token, "Bearer")[0] == 401


def test_aws_answers_are_dated_by_the_stand_ins_clock_and_downloads_by_the_real_one(standin, clock):
    """A test skews the clock AWS seems to have (doctor's clock-skew check) by moving the stand-in's."""
    clock.jump_wall(3600)
    token = tokens.Clients().token(domain(standin))
    assert token.server_time is not None and abs(token.server_time.timestamp() - clock.wall()) < 2
    assert token.server_time.timestamp() - token.issued_at.timestamp() > 3500  # Clients read the real clock
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{standin.url}/acme-{standin.account}/pypi/pypi-store/simple/", timeout=10)
    served = email.utils.parsedate_to_datetime(refused.value.headers["Date"]).timestamp()
    assert refused.value.code == 401 and abs(served - time.time()) < 5


def test_unsigned_control_plane_request_is_refused(standin):
    status, _body = get(f"{standin.url}/v1/repository/endpoint?domain=acme&repository=npm-store&format=npm")
    assert status == 403


def test_injected_faults_are_served_then_cleared(standin):
    standin.inject("GetAuthorizationToken", "ThrottlingException", 429, times=5)
    with pytest.raises(TransientError, match="ThrottlingException"):
        tokens.Clients().token(domain(standin))
    assert standin.calls["GetAuthorizationToken"] == 3  # botocore's own retry: 3 attempts in all
    assert tokens.Clients().token(domain(standin)).value  # 2 faults left: attempts 4 and 5 fail, 6 works
    assert standin.calls["GetAuthorizationToken"] == 6


def test_a_single_throttle_is_absorbed_by_the_clients_retry(standin):
    standin.inject("GetAuthorizationToken", "ThrottlingException", 429, times=1)
    assert tokens.Clients().token(domain(standin)).value
    assert standin.calls["GetAuthorizationToken"] == 2


def test_upload_with_a_wrong_digest_is_refused(standin):
    repo = standin.repositories[("acme", standin.account, "pypi", "pypi-store")]
    boundary = "xYz"
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in {":action": "file_upload", "name": "evil", "sha256_digest": "00"}.items()
    ) + (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="evil-1.whl"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\nDATA\r\n--{boundary}--\r\n"
    )
    status, _, message = uploads.handle(repo, f"multipart/form-data; boundary={boundary}", body.encode())
    assert status == 400 and b"sha256_digest does not match" in message and "evil" not in repo.files


def test_wheel_is_reproducible_and_valid():
    name, data = packages.wheel()
    assert name == "ca_demo_pkg-1.0.0-py3-none-any.whl" and packages.wheel()[1] == data
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        record = zf.read("ca_demo_pkg-1.0.0.dist-info/RECORD").decode()
        assert zf.testzip() is None and "ca_demo_pkg/__init__.py,sha256=" in record


def test_the_stand_in_runs_as_a_command(home):
    import re
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "codeartifact_refresher.testing", "--lifetime", "60"], stdout=subprocess.PIPE, text=True
    )
    try:
        first = proc.stdout.readline()
        url = re.search(r"at (http://127\.0\.0\.1:\d+):", first).group(1)
        d = config.Domain("demo", (), owner="111122223333", region="us-east-1", endpoint_url=url)
        token = tokens.Clients().token(d)
        assert 59 <= token.lifetime <= 61
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_client_that_vanishes_mid_request_is_not_reported(standin, capfd):
    import socket as sockets

    with sockets.create_connection(("127.0.0.1", standin.port)) as sock:
        sock.setsockopt(sockets.SOL_SOCKET, sockets.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
        sock.sendall(b"POST /v1/authorization-token?domain=acme HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
    standin.stop()
    assert "Exception occurred" not in capfd.readouterr().err


def test_any_repository_answers_for_any_format_and_an_unknown_one_is_not_found(standin):
    """As in CodeArtifact: a repository is not of one format (a ``token`` target asks for
    ``generic``), while an unknown repository is still an error."""
    clients = tokens.Clients()
    endpoint = clients.endpoint(domain(standin), "pypi-store", "generic")
    assert endpoint == f"{standin.url}/acme-{standin.account}/generic/pypi-store/"
    with pytest.raises(Exception, match="not found"):
        clients.endpoint(domain(standin), "no-such-store", "pypi")


def _client(standin, service):
    import botocore.session

    session = botocore.session.get_session()
    return session.create_client(service, region_name="us-east-1", endpoint_url=standin.url)


def test_list_repositories_in_domain_names_each_repository_once(standin):
    standin.add_repository("acme", "pypi-store", "npm")  # one repository, a second format
    standin.add_repository("other", "elsewhere", "pypi")
    answer = _client(standin, "codeartifact").list_repositories_in_domain(domain="acme")
    assert [r["name"] for r in answer["repositories"]] == ["npm-store", "pypi-store"]
    assert {r["domainOwner"] for r in answer["repositories"]} == {standin.account}


def test_sts_get_caller_identity_answers_for_the_signing_key(standin):
    assert _client(standin, "sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{standin.account}:user/AKIDTEST"
    standin.identities["AKIDTEST"] = "arn:aws:sts::444455556666:assumed-role/dev/alice"
    identity = _client(standin, "sts").get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (
        "444455556666",
        "arn:aws:sts::444455556666:assumed-role/dev/alice",
    )


def test_an_injected_error_carries_its_message_to_botocore(standin):
    import botocore.exceptions

    message = "User: x is not authorized to perform: sts:GetServiceBearerToken"
    standin.inject("GetAuthorizationToken", "AccessDeniedException", 403, message=message)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _client(standin, "codeartifact").get_authorization_token(domain="acme")
    assert raised.value.response["Error"]["Message"] == message
    standin.inject("GetCallerIdentity", "ExpiredToken", 403)
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        _client(standin, "sts").get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "ExpiredToken"


def test_the_docstring_names_every_format_served_and_the_ones_only_looked_up():
    """Its formats come from the code: a ``serve_FORMAT`` method each, the rest of
    ``testing.__main__.FORMATS`` answering endpoint lookups only."""
    from codeartifact_refresher.testing import __main__ as standin_main
    from codeartifact_refresher.testing import standin as standin_module
    from codeartifact_refresher.testing.repository import Repository

    served = {name.removeprefix("serve_") for name in dir(Repository) if name.startswith("serve_")}
    doc = " ".join((standin_module.__doc__ or "").split())
    assert served == {"pypi", "npm", "maven", "cargo", "ruby"}
    assert all(f"for ``{fmt}``" in doc for fmt in served), doc
    lookups_only = [fmt for fmt in standin_main.FORMATS if fmt not in served]
    assert f"({', '.join(f'``{fmt}``' for fmt in lookups_only)}) answers endpoint lookups" in doc
