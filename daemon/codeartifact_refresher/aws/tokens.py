"""Tokens and repository endpoints: the only module that talks to AWS (see :mod:`.endpoints`).

A :class:`Token` is what ``GetAuthorizationToken`` returned: the secret *value* (never printed),
when it *expires* (from the API, not from the duration asked for) and when it was *issued*.
:class:`Clients` keeps one botocore client per distinct (profile, region, role_arn, endpoint_url)
and remembers repository endpoints, which rarely change. botocore's exceptions are translated here
into :mod:`codeartifact_refresher.errors` with advice on what to do. What the server said (an error
code, a message) is shown as one bounded line (:func:`~codeartifact_refresher.log.one_line`): it
cannot start a log line of its own, nor fill the state file.

botocore is imported on first use (it is boto3's core; going to it directly skips boto3's import
cost), so ``check`` and ``--help`` never pay for it.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .. import __version__
from ..config import Domain
from ..errors import AccessDeniedError, AwsError, CredentialsError, NotFoundError, TransientError
from ..log import one_line
from .endpoints import MAX_AGE, Endpoint, EndpointLookup, plausible, state_key, valid_endpoint

ROLE_SESSION_NAME = "codeartifact-refresher"
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


TOKEN_MAX = 16384  # characters; a real token is about 1,200
_TOKEN = re.compile(r"[A-Za-z0-9_\-.=]+")  # base64url, with JWE's "." separators and "=" padding


def valid_token(value: object) -> bool:
    """A token we may write into a file: base64url text, one line, of bounded length."""
    return isinstance(value, str) and 0 < len(value) <= TOKEN_MAX and _TOKEN.fullmatch(value) is not None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def utc_clock(wall: Callable[[], float]) -> Callable[[], datetime]:
    """A :class:`Clients` clock reading ``wall`` (seconds since the epoch), as the CLI's is."""
    return lambda: datetime.fromtimestamp(wall(), timezone.utc)


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_at: datetime
    issued_at: datetime

    @property
    def lifetime(self) -> float:
        return (self.expires_at - self.issued_at).total_seconds()


class Clients:
    """botocore clients and the endpoint cache, shared by every refresh in this process."""

    def __init__(
        self,
        clock: Callable[[], datetime] = utcnow,
        connections: int = 10,
        attempts: int = 3,
        timeouts: tuple[float, float] = (5, 15),
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.clock = clock
        # (access key id, secret): these and nothing else, no AWS config or credentials file read
        # (the demo's stand-in); None: the AWS default chain, as botocore finds it
        self.credentials = credentials
        self.connections = connections  # per client: as many as domains refreshed at once
        self.attempts = attempts  # botocore's own tries per call, before our backoff takes over
        self.timeouts = timeouts  # (connect, read) seconds per try
        self._clients: dict = {}
        self._endpoints: dict[tuple, Endpoint] = {}
        self._executor: ThreadPoolExecutor | None = None  # endpoint lookups, beside the token calls
        self._lock = threading.Lock()

    def client(self, domain: Domain):
        with self._lock:
            client = self._clients.get(domain.session_key)
            if client is None:
                client = self._clients[domain.session_key] = _make_client(domain, self)
            return client

    def forget(self, domain: Domain) -> None:
        """Drop the client for ``domain``'s session, so that the next call builds one anew."""
        with self._lock:
            self._clients.pop(domain.session_key, None)

    def token(self, domain: Domain) -> Token:
        """Call GetAuthorizationToken once for ``domain``."""
        kwargs = {"domain": domain.domain, "durationSeconds": domain.duration}
        if domain.owner:
            kwargs["domainOwner"] = domain.owner
        issued_at = self.clock()
        try:
            response = _call(
                domain, "GetAuthorizationToken", lambda: self.client(domain).get_authorization_token(**kwargs)
            )
        except CredentialsError:
            self.forget(domain)  # the next try reads the credentials afresh: `aws sso login` or new keys take effect
            raise
        value = response.get("authorizationToken") or ""
        expires_at = response.get("expiration")
        if isinstance(expires_at, datetime) and expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)
        if not value or not isinstance(expires_at, datetime) or expires_at <= issued_at:
            raise TransientError(
                f"domain {domain.label}: GetAuthorizationToken returned no usable token "
                f"(empty, or already expired at {expires_at})"
            )
        if not valid_token(value):  # it goes into files other programs parse: never a line of its own
            raise TransientError(
                f"domain {domain.label}: GetAuthorizationToken returned no usable token "
                f"(expected base64url text of at most {TOKEN_MAX} characters)"
            )
        return Token(value, expires_at, issued_at)

    def endpoint(self, domain: Domain, repository: str, fmt: str) -> str:
        """GetRepositoryEndpoint for (repository, format), asked once and then remembered for a day."""
        return self.endpoints(domain, [(repository, fmt)]).get(repository, fmt)

    def endpoints(self, domain: Domain, needs: Iterable[tuple[str, str]]) -> EndpointLookup:
        """Every (repository, format) in ``needs``: those remembered and younger than a day at
        once, the others looked up on this object's pool meanwhile (call it before :meth:`token`:
        the lookups then run beside the token call)."""
        now = self.clock().timestamp()
        known, pending, stale = {}, {}, {}
        for repository, fmt in dict.fromkeys(needs):
            key = state_key(repository, fmt)
            with self._lock:
                cached = self._endpoints.get(self._endpoint_key(domain, key))
            if cached is not None and 0 <= now - cached.resolved_at < MAX_AGE:
                known[key] = cached
                continue
            if cached is not None:
                stale[key] = cached
            pending[key] = self._pool().submit(self._look_up, domain, repository, fmt)
        return EndpointLookup(domain.label, known, pending, stale)

    def remember(self, domain: Domain, found: Mapping[str, Endpoint]) -> None:
        """Take in endpoints found earlier (the state file's), unless we know younger ones; only
        those that could be this domain's (:func:`~.endpoints.plausible`)."""
        with self._lock:
            for key, endpoint in found.items():
                if not plausible(endpoint.url, key, domain.domain, domain.owner, domain.region, domain.endpoint_url):
                    continue
                ours = self._endpoints.get(self._endpoint_key(domain, key))
                if ours is None or ours.resolved_at < endpoint.resolved_at:
                    self._endpoints[self._endpoint_key(domain, key)] = endpoint

    def forget_endpoints(self, domain: Domain) -> None:
        """Look every endpoint of ``domain`` up again next time (its config changed)."""
        with self._lock:
            prefix = self._endpoint_key(domain, "")[:-1]
            for key in [k for k in self._endpoints if k[:-1] == prefix]:
                del self._endpoints[key]

    @staticmethod
    def _endpoint_key(domain: Domain, key: str) -> tuple:
        return (domain.session_key, domain.domain, domain.owner, key)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max(2, self.connections), "endpoint")
            return self._executor

    def _look_up(self, domain: Domain, repository: str, fmt: str) -> Endpoint:
        kwargs = {"domain": domain.domain, "repository": repository, "format": fmt}
        if domain.owner:
            kwargs["domainOwner"] = domain.owner
        resolved_at = self.clock().timestamp()
        response = _call(
            domain,
            "GetRepositoryEndpoint",
            lambda: self.client(domain).get_repository_endpoint(**kwargs),
            repository=repository,
        )
        url = response.get("repositoryEndpoint") or ""
        url = url + "/" if isinstance(url, str) and url and not url.endswith("/") else url
        if not valid_endpoint(url):  # it goes into files other programs read: one clean URL or nothing
            raise TransientError(
                f"domain {domain.label}: GetRepositoryEndpoint returned no usable URL for {repository} "
                "(expected an https URL, or http on loopback)"
            )
        endpoint = Endpoint(url, resolved_at)
        with self._lock:
            self._endpoints[self._endpoint_key(domain, state_key(repository, fmt))] = endpoint
        return endpoint


def _make_client(domain: Domain, settings: Clients):
    import botocore.session
    from botocore.config import Config as BotoConfig

    # botocore logs every response body at DEBUG, and GetAuthorizationToken's body is the token:
    # whatever level the process's logging asks for, botocore's own lines stop at INFO.
    botocore_logger = logging.getLogger("botocore")
    botocore_logger.setLevel(max(botocore_logger.level, logging.INFO))

    def build():
        session = botocore.session.Session(profile=domain.profile)
        session.user_agent_extra = f"codeartifact-refresher/{__version__}"
        if settings.credentials is not None:
            for variable in ("config_file", "credentials_file"):
                session.set_config_variable(variable, os.devnull)
            session.set_credentials(*settings.credentials)
        if domain.role_arn:
            _assume_role(session, domain.role_arn)
        config = BotoConfig(
            retries={"mode": "standard", "total_max_attempts": settings.attempts},
            connect_timeout=settings.timeouts[0],
            read_timeout=settings.timeouts[1],
            max_pool_connections=settings.connections,
        )
        return session.create_client(
            "codeartifact", region_name=domain.region, endpoint_url=domain.endpoint_url, config=config
        )

    return _call(domain, "CreateClient", build)


def _assume_role(session, role_arn: str) -> None:
    """Make ``session`` use the role's credentials, re-assumed before they expire."""
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

    fetcher = AssumeRoleCredentialFetcher(
        client_creator=session.create_client,
        source_credentials=session.get_credentials(),
        role_arn=role_arn,
        extra_args={"RoleSessionName": ROLE_SESSION_NAME},
    )
    # botocore has no public setter for a session's credentials; this is the attribute
    # get_credentials() returns, and assigning it is the documented-by-practice way.
    session._credentials = DeferredRefreshableCredentials(method="assume-role", refresh_using=fetcher.fetch_credentials)


def _call(domain: Domain, operation: str, fn, repository: str | None = None):
    """Run one AWS call, translating botocore's exceptions into ours."""
    from botocore import exceptions as bx

    try:
        return fn()
    except bx.ClientError as e:
        raise _client_error(domain, operation, e, repository) from None
    except (bx.NoCredentialsError, bx.PartialCredentialsError):
        raise CredentialsError(
            f"domain {domain.label}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or 'profile:' in the config"
        ) from None
    except bx.ProfileNotFound:
        raise CredentialsError(
            f"domain {domain.label}: AWS profile {domain.profile!r} is not defined in ~/.aws/config"
        ) from None
    except (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError, bx.SSOError):
        raise CredentialsError(
            f"domain {domain.label}: the AWS SSO session has expired or is missing; run "
            f"`aws sso login --profile {domain.profile or 'default'}`"
        ) from None
    except bx.NoRegionError:
        raise AwsError(
            f"domain {domain.label}: no AWS region; set 'region:' in the config, AWS_DEFAULT_REGION, "
            "or 'region' in the AWS profile"
        ) from None
    except (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError, bx.ConnectionClosedError) as e:
        # the query says nothing new
        where = str(getattr(e, "kwargs", {}).get("endpoint_url", "the endpoint")).split("?")[0]
        raise TransientError(
            f"domain {domain.label}: {operation}: cannot reach {one_line(where)} ({type(e).__name__})"
        ) from None
    except bx.BotoCoreError as e:
        raise AwsError(f"domain {domain.label}: {operation}: {type(e).__name__}: {one_line(e)}") from None
    except (ValueError, OverflowError, RuntimeError) as e:  # botocore could not parse the answer
        raise TransientError(
            f"domain {domain.label}: {operation}: the answer could not be read ({type(e).__name__})"
        ) from None


def _client_error(domain: Domain, operation: str, e, repository: str | None) -> AwsError:
    error = e.response.get("Error", {})
    code = one_line(error.get("Code", ""), 100)  # the server's words: one bounded line each
    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    operation = one_line(e.operation_name or operation, 100)
    where = f"domain {domain.label}"
    if operation == "AssumeRole":
        return CredentialsError(f"{where}: cannot assume role {domain.role_arn} ({code}); check its trust policy")
    if code in THROTTLING or status >= 500 or code in {"InternalServerException", "ServiceUnavailableException"}:
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
        need = PERMISSIONS if operation == "GetAuthorizationToken" else "codeartifact:GetRepositoryEndpoint"
        return AccessDeniedError(f"{where}: {operation} was denied; the caller needs {need}")
    if code == "ResourceNotFoundException":
        if repository:
            return NotFoundError(f"{where}: repository {repository!r} not found")
        return NotFoundError(
            f"{where}: domain not found (check 'domain', 'owner' and 'region': {domain.region or 'default region'})"
        )
    message = one_line(error.get("Message", ""))
    return AwsError(f"{where}: {operation} failed: {code or status}: {message}".rstrip(": "))
