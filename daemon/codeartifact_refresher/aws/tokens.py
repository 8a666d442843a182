"""Tokens and repository endpoints: what the program asks AWS (see :mod:`.endpoints`).

A :class:`Token` is what ``GetAuthorizationToken`` returned: the secret *value* (never printed),
when it *expires* (from the API, not from the duration asked for), when it was *issued* (by our
clock) and the server's own time then (its ``Date``, for clock skew). :class:`Clients` keeps one
botocore session (:mod:`.session`) and its clients per distinct (profile, region, role_arn,
endpoint_url), and remembers repository endpoints, which rarely change. botocore's exceptions
become :mod:`codeartifact_refresher.errors` with advice (:mod:`.advice`).

botocore is imported on first use (it is boto3's core; going to it directly skips boto3's import
cost), so ``check`` and ``--help`` never pay for it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal, overload

from ..config import Domain
from ..errors import AwsError, CredentialsError, NotFoundError, TransientError
from . import session as sessions
from .advice import PERMISSIONS, call
from .endpoints import MAX_AGE, Endpoint, EndpointLookup, path_problem, plausible, state_key, valid_endpoint
from .pacing import Pacer
from .protocols import CodeArtifactClient, Service, Session, StsClient

LISTED_PAGES = 20  # pages of ListRepositoriesInDomain read (a domain holds up to 1,000 repositories)

__all__ = ["PERMISSIONS", "Clients", "Token", "utc_clock", "utcnow", "valid_token"]


TOKEN_MAX = 16384  # characters; a real token is about 1,200
_TOKEN = re.compile(r"[A-Za-z0-9_\-.=]+")  # base64url, with JWE's "." separators and "=" padding
SessionKey = tuple[str | None, str | None, str | None, str | None]  # Domain.session_key
EndpointKey = tuple[SessionKey, str, str | None, str | None, str]  # (session, domain, owner, type, key)


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
    server_time: datetime | None = None  # the answer's Date header: AWS's clock when it issued the token

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
        self._sessions: dict[SessionKey, Session] = {}
        self._clients: dict[tuple[SessionKey, Service, bool], CodeArtifactClient | StsClient] = {}
        self._endpoints: dict[EndpointKey, Endpoint] = {}
        self._executor: ThreadPoolExecutor | None = None  # endpoint lookups, beside the token calls
        self.pacer = Pacer()  # GetAuthorizationToken's pace per (account, Region): :mod:`.pacing`
        self._lock = threading.Lock()

    def session(self, domain: Domain) -> Session:
        """The botocore session for ``domain``'s AWS settings, built once (until :meth:`forget`)."""
        with self._lock:
            session = self._sessions.get(domain.session_key)
            if session is None:
                session = call(domain, "CreateClient", lambda: sessions.build_session(domain, self))
                self._sessions[domain.session_key] = session
            return session

    @overload
    def client(self, domain: Domain, service: Literal["codeartifact"] = "codeartifact") -> CodeArtifactClient: ...

    @overload
    def client(self, domain: Domain, service: Literal["sts"]) -> StsClient: ...

    def client(self, domain: Domain, service: Service = "codeartifact") -> CodeArtifactClient | StsClient:
        """The ``service`` client (``codeartifact`` or ``sts``) of ``domain``'s session, built once
        the session has found credentials, and kept with it.

        A client holds the credentials its session had when it was made: one made while there were
        none would go on failing after the user sets them, so it serves this call (which then fails
        with the advice) and is not kept; the session, which looks again while it has none, is. Nor
        is a client kept whose session :meth:`forget` dropped meanwhile (an endpoint lookup beside
        a failed token call)."""
        key = (domain.session_key, service, sessions.dualstack(domain))  # the API host's kind is the client's
        session = self.session(domain)
        with self._lock:
            client = self._clients.get(key)
            if client is None:

                def create() -> tuple[CodeArtifactClient | StsClient, bool]:
                    made = sessions.create_client(session, service, domain, self)
                    return made, session.get_credentials() is not None

                client, found = call(domain, "CreateClient", create)
                if found and self._sessions.get(domain.session_key) is session:
                    self._clients[key] = client
            return client

    def forget(self, domain: Domain) -> None:
        """Drop ``domain``'s session and its clients, so that the next call reads credentials anew."""
        with self._lock:
            self._sessions.pop(domain.session_key, None)
            for key in [k for k in self._clients if k[0] == domain.session_key]:
                del self._clients[key]

    def token(self, domain: Domain) -> Token:
        """Call GetAuthorizationToken once for ``domain``."""
        kwargs = {"domain": domain.domain, "durationSeconds": domain.duration}
        if domain.owner:
            kwargs["domainOwner"] = domain.owner
        issued_at = self.clock()
        try:
            response = call(
                domain,
                "GetAuthorizationToken",
                lambda: self.pacer.call(domain, self.client(domain), lambda c: c.get_authorization_token(**kwargs)),
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
        return Token(value, expires_at, issued_at, _server_time(response))

    def repositories(self, domain: Domain) -> list[str]:
        """The names of the domain's repositories (ListRepositoriesInDomain, every page): only names
        CodeArtifact can give a repository (as the config checks them), so what a server says cannot
        stretch a message or put a control character in it; at most :data:`LISTED_PAGES` pages, so
        that one handing out a next page for ever cannot keep us asking."""
        from ..config.loader import REPOSITORY_RE

        kwargs: dict[str, Any] = {"domain": domain.domain}
        if domain.owner:
            kwargs["domainOwner"] = domain.owner
        names: list[str] = []
        for _ in range(LISTED_PAGES):
            page = call(
                domain, "ListRepositoriesInDomain", lambda: self.client(domain).list_repositories_in_domain(**kwargs)
            )
            found = (r.get("name") for r in page.get("repositories", []) if isinstance(r, dict))
            names += [name for name in found if isinstance(name, str) and REPOSITORY_RE.fullmatch(name)]
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return sorted(names)

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
    def _endpoint_key(domain: Domain, key: str) -> EndpointKey:
        return (domain.session_key, domain.domain, domain.owner, domain.endpoint_type, key)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max(2, self.connections), "endpoint")
            return self._executor

    def _listing(self, domain: Domain, shown: int = 20) -> str:
        """``; the domain's repositories: a, b`` for a "repository not found" message, when the
        caller may list them (ListRepositoriesInDomain); else nothing."""
        try:
            names = self.repositories(domain)
        except AwsError:
            return ""
        if not names:
            return "; the domain has no repositories"
        more = f" and {len(names) - shown} more" if len(names) > shown else ""
        return f"; the domain's repositories: {', '.join(names[:shown])}{more}"

    def _look_up(self, domain: Domain, repository: str, fmt: str) -> Endpoint:
        kwargs = {"domain": domain.domain, "repository": repository, "format": fmt}
        if domain.owner:
            kwargs["domainOwner"] = domain.owner
        if domain.endpoint_type:
            kwargs["endpointType"] = domain.endpoint_type
        resolved_at = self.clock().timestamp()
        try:
            response = call(
                domain,
                "GetRepositoryEndpoint",
                lambda: self.client(domain).get_repository_endpoint(**kwargs),
                repository=repository,
            )
        except NotFoundError as e:
            raise NotFoundError(f"{e}{self._listing(domain)}") from None
        url = response.get("repositoryEndpoint") or ""
        url = url + "/" if isinstance(url, str) and url and not url.endswith("/") else url
        problem = path_problem(url) if isinstance(url, str) else None
        if problem is not None:  # a path of names only: a server must not choose a file's keys
            raise AwsError(
                f"domain {domain.label}: GetRepositoryEndpoint returned an endpoint for {repository} whose "
                f"path holds {problem} (CodeArtifact's paths hold only letters, digits, '.', '_', '-' and '/'); "
                "refused, no file written"
            )
        if not valid_endpoint(url):  # it goes into files other programs read: one clean URL or nothing
            raise TransientError(
                f"domain {domain.label}: GetRepositoryEndpoint returned no usable URL for {repository} "
                "(expected an https URL, or http on loopback)"
            )
        endpoint = Endpoint(url, resolved_at)
        with self._lock:
            self._endpoints[self._endpoint_key(domain, state_key(repository, fmt))] = endpoint
        return endpoint


def _server_time(response: Mapping[str, Any]) -> datetime | None:
    """The ``Date`` header of an answer, as AWS's clock read it; None when missing or unreadable."""
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        return parsedate_to_datetime(date) if isinstance(date, str) else None
    except (TypeError, ValueError):
        return None
