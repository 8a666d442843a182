"""AWS failures turned into advice: botocore's exceptions become :mod:`codeartifact_refresher.errors`
whose one line says what went wrong and what to do.

:func:`call` runs one AWS call for a domain. What the server said (an error code, a message) is
shown as one bounded line (:func:`~codeartifact_refresher.log.one_line`): it cannot start a log
line of its own, nor fill the state file. A *credential source* is where botocore found the
credentials (environment, profile, SSO, a web identity token file, EKS Pod Identity, the instance
role); a file it names that cannot be read is an error about that file and whatever sets it, never
a crash.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..config import Domain
from ..errors import AccessDeniedError, AwsError, CredentialsError, NotFoundError, ThrottledError, TransientError
from ..log import one_line

T = TypeVar("T")

PERMISSIONS = "codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken"
THROTTLING = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}
UNRECOGNISED = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
}
#: the permission each call needs, for "was denied" messages
NEEDS = {
    "GetAuthorizationToken": PERMISSIONS,
    "GetRepositoryEndpoint": "codeartifact:GetRepositoryEndpoint",
    "ListRepositoriesInDomain": "codeartifact:ListRepositoriesInDomain",
    "GetCallerIdentity": "nothing (every principal may call it)",
}
#: botocore's words when a credential source hands out credentials that are already expired
STILL_EXPIRED = "refreshed credentials are still expired"
#: the files a credential source reads, by the variable that names them, and what sets that variable
TOKEN_FILES = {
    "AWS_WEB_IDENTITY_TOKEN_FILE": (
        "the web identity token file",
        "EKS IAM roles for service accounts (IRSA) mount it into pods whose service account is annotated "
        "eks.amazonaws.com/role-arn; GitLab CI writes it from id_tokens. Check the pod's serviceAccountName "
        "and its annotation, or unset AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN",
    ),
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": (
        "the EKS Pod Identity token file",
        "the EKS Pod Identity webhook mounts it when a pod identity association names the pod's service "
        "account and the eks-pod-identity-agent add-on runs. Check both, or unset "
        "AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    ),
}


def call(domain: Domain, operation: str, fn: Callable[[], T], repository: str | None = None) -> T:
    """Run one AWS call for ``domain``, translating botocore's exceptions into ours."""
    from botocore import exceptions as bx

    where = f"domain {domain.label}"
    try:
        return fn()
    except bx.ClientError as e:
        raise client_error(domain, operation, e, repository) from None
    except (bx.NoCredentialsError, bx.PartialCredentialsError):
        raise CredentialsError(
            f"{where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or 'profile:' in the config"
        ) from None
    except bx.ProfileNotFound:
        raise CredentialsError(f"{where}: AWS profile {domain.profile!r} is not defined in ~/.aws/config") from None
    except (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError, bx.SSOError):
        raise CredentialsError(
            f"{where}: the AWS SSO session has expired or is missing; run "
            f"`aws sso login --profile {domain.profile or os.environ.get('AWS_PROFILE') or 'default'}`"
        ) from None
    except bx.NoRegionError:
        raise AwsError(
            f"{where}: no AWS region; set 'region:' in the config, AWS_DEFAULT_REGION, or 'region' in the AWS profile"
        ) from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError, bx.ConnectionClosedError) as e:
        # the query says nothing new
        url = str(getattr(e, "kwargs", {}).get("endpoint_url", "the endpoint")).split("?")[0]
        raise TransientError(f"{where}: {operation}: cannot reach {one_line(url)} ({type(e).__name__})") from None
    except bx.BotoCoreError as e:
        raise AwsError(f"{where}: {operation}: {type(e).__name__}: {one_line(e)}") from None
    except OSError as e:  # a file a credential source reads: a token file, an SSO cache, the AWS config
        raise CredentialsError(f"{where}: {unreadable_file(e)}") from None
    except RuntimeError as e:
        if STILL_EXPIRED in str(e):
            raise CredentialsError(f"{where}: {still_expired()}") from None
        raise TransientError(f"{where}: {operation}: the answer could not be read ({type(e).__name__})") from None
    except (ValueError, OverflowError) as e:  # botocore could not parse the answer
        raise TransientError(f"{where}: {operation}: the answer could not be read ({type(e).__name__})") from None


def unreadable_file(e: OSError, environ: Mapping[str, str] | None = None) -> str:
    """A credential source's file that could not be read, named, with what sets it."""
    environ = dict(os.environ) if environ is None else environ
    path = e.filename or "a file"
    problem = "does not exist" if isinstance(e, FileNotFoundError) else f"cannot be read ({e.strerror})"
    for variable, (what, advice) in TOKEN_FILES.items():
        if environ.get(variable) and os.path.abspath(environ[variable]) == os.path.abspath(str(path)):
            return f"{what} {path} (from {variable}) {problem}; {advice}"
    return (
        f"the AWS credentials cannot be loaded: {path} {problem}; it is named by the AWS configuration "
        "(a profile's web_identity_token_file, credential_process or SSO cache): check `aws configure list`"
    )


def still_expired() -> str:
    """botocore's "refreshed, but the refreshed credentials are still expired", with what to do."""
    return (
        "the AWS credentials were refreshed, but the refreshed credentials are still expired (as the AWS CLI "
        "says); the credential source handed out expired ones: check this machine's clock, then the source "
        "(a credential_process, an SSO session: `aws sso login`, a role's session)"
    )


def client_error(domain: Domain, operation: str, e: Any, repository: str | None) -> AwsError:
    """An error response from AWS as one of our errors, with advice."""
    error = e.response.get("Error", {})
    code = one_line(error.get("Code", ""), 100)  # the server's words: one bounded line each
    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    operation = one_line(e.operation_name or operation, 100)
    message = one_line(error.get("Message", ""))
    where = f"domain {domain.label}"
    if operation == "AssumeRole":
        return CredentialsError(f"{where}: cannot assume role {domain.role_arn} ({code}); check its trust policy")
    if code in THROTTLING or status == 429:
        return _throttled(where, operation, code or str(status), e.response)
    if status >= 500 or code in {"InternalServerException", "ServiceUnavailableException"}:
        return TransientError(f"{where}: {operation} failed with {code or status}; will retry")
    if code in EXPIRED:
        return CredentialsError(
            f"{where}: the AWS credentials have expired ({code}); renew them (for SSO: `aws sso login`)"
        )
    if code in UNRECOGNISED:
        return CredentialsError(
            f"{where}: AWS does not accept these credentials ({code}); check the access key and secret"
        )
    if code in {"AccessDeniedException", "AccessDenied"}:
        return AccessDeniedError(f"{where}: {operation} was denied; {_missing(operation, message)}")
    if code == "ResourceNotFoundException":
        if repository and not _DOMAIN_MISSING.match(message):
            return NotFoundError(f"{where}: repository {repository!r} not found")
        return NotFoundError(
            f"{where}: domain not found (check 'domain', 'owner' and 'region': {domain.region or 'default region'})"
        )
    return AwsError(f"{where}: {operation} failed: {code or status}: {message}".rstrip(": "))


def _throttled(where: str, operation: str, code: str, response: Mapping[str, Any]) -> ThrottledError:
    """Throttling, with the ``retryAfterSeconds`` AWS gave (its ``Retry-After`` header), if any."""
    value = response.get("retryAfterSeconds")
    if value is None:
        value = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("retry-after")
    try:
        after: float | None = min(max(float(value), 0.0), 3600.0)
    except (TypeError, ValueError):
        after = None
    if after is not None and after != after:  # NaN
        after = None
    told = f" (retry after {after:g}s)" if after is not None else ""
    return ThrottledError(f"{where}: {operation} failed with {code}{told}; will retry", retry_after=after)


_DOMAIN_MISSING = re.compile(r"\s*domain\b", re.IGNORECASE)  # "Domain acme not found", not "Repository ..."
_ACTION = re.compile(r"\b(codeartifact|sts):([A-Za-z]+)\b")


def _missing(operation: str, message: str) -> str:
    """What the caller needs; the permission AWS's message names first, when it names one."""
    needs = f"the caller needs {NEEDS.get(operation, 'permission to call ' + operation)}"
    named = _ACTION.search(message)
    return f"the caller lacks {named.group()} ({needs})" if named else needs
