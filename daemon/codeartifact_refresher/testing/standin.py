"""A local stand-in for AWS CodeArtifact, for the tests, the demo, and trying a setup without AWS.

It speaks the control-plane calls the refresher makes the way botocore sends them (SigV4-signed
requests; JSON errors named by ``x-amzn-ErrorType``): ``GetAuthorizationToken``,
``GetRepositoryEndpoint`` and ``ListRepositoriesInDomain``, and STS's ``GetCallerIdentity`` (the
query protocol, XML; point botocore at it with ``AWS_ENDPOINT_URL_STS``). It serves every
repository to clients holding a *live* token, in each format's own protocol: for ``pypi``,
PEP 503 pages, wheel downloads and twine uploads; for ``npm``, packuments and tarballs; for
``maven``, the Maven 2 layout; for ``cargo``, a sparse index and crates; for ``ruby``, the compact
index, gems and pushes. A repository of another format (``nuget``, ``swift``, ``generic``) answers
endpoint lookups and serves nothing. A token lives ``token_lifetime`` seconds by the stand-in's
``clock``, which tests may replace to make tokens lapse without waiting. ``inject`` makes the next calls fail (throttling,
with ``retryAfterSeconds`` when asked; server errors, ...); ``calls`` counts every operation served and ``clocked``
lists when, by ``clock``.

Repository endpoints look like ``http://127.0.0.1:PORT/{domain}-{owner}/{format}/{repo}/``:
the real service's shape with the host name moved into the path.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import html
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import cargo_repo, packages
from .repository import Headers, Repository, Response, json_response

DEFAULT_ACCOUNT = "111122223333"
#: an injected fault: (operation, AWS error code, HTTP status, a 200's body instead, message,
#: the Retry-After header's seconds: ThrottlingException's retryAfterSeconds)
Fault = tuple[str, str, int, dict[str, Any] | None, str | None, float | None]
_SIGV4 = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/\d{8}/[a-z0-9-]+/(?:codeartifact|sts)/aws4_request,")
_DATA_PATH = re.compile(
    r"^/(?P<domain>[a-z][a-z0-9-]*)-(?P<owner>\d{12})/(?P<fmt>[a-z]+)/(?P<repo>[^/]+)/(?P<rest>.*)$"
)


def _aws_error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"message": message}, {"x-amzn-ErrorType": code})


def _sts_response(operation: str, result: str) -> Response:
    body = (
        f'<{operation}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<{operation}Result>{result}</{operation}Result>"
        "<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return 200, {"Content-Type": "text/xml"}, body.encode()


def _sts_error(status: int, code: str, message: str) -> Response:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{html.escape(code)}</Code><Message>{html.escape(message)}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml"}, body.encode()


def _unauthorized(realm: str) -> Response:
    return (
        401,
        {"WWW-Authenticate": f'Basic realm="{realm}"', "Content-Type": "text/plain"},
        b"token missing, unknown or expired\n",
    )


class StandIn:
    """The server. Use as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        token_lifetime: float = 43200,
        clock: Callable[[], float] = time.time,
        account: str = DEFAULT_ACCOUNT,
        host: str = "127.0.0.1",
        port: int = 0,
        key_errors: Mapping[str, str] | None = None,
        latency: float = 0.0,
    ) -> None:
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.account = account
        self.host, self.port = host, port
        self.key_errors = dict(key_errors or {})  # access key id -> AWS error code (403)
        #: access key id -> the ARN GetCallerIdentity answers (default: a user named for the key)
        self.identities: dict[str, str] = {}
        self.repositories: dict[tuple[str, str, str, str], Repository] = {}  # (domain, owner, format, name)
        self._names: set[tuple[str, str, str]] = set()  # (domain, owner, name): a repository of any format
        self.latency = latency  # seconds each control-plane call takes
        self.calls: collections.Counter[str] = collections.Counter()
        self.received: collections.Counter[str] = collections.Counter()
        self.call_times: list[tuple[float, str]] = []  # (time.monotonic(), operation), for backoff checks
        self.clocked: list[tuple[float, str]] = []  # (clock(), operation): when, by a test's clock, for pacing checks
        self._faults: collections.deque[Fault] = collections.deque()
        self._tokens: dict[str, tuple[tuple[str, str], float]] = {}  # token -> ((domain, owner), expires_at)
        self._lock = threading.Lock()
        self._server: _Server | None = None

    # -- set-up ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_repository(
        self, domain: str, name: str, fmt: str, owner: str | None = None, demo: bool = True
    ) -> Repository:
        repo = Repository(domain, owner or self.account, name, fmt)
        if demo and fmt == "pypi":
            filename, data = packages.wheel()
            repo.publish_wheel(filename, data, packages.DEMO_NAME)
        elif demo and fmt == "npm":
            repo.publish_npm(packages.DEMO_NAME, packages.DEMO_VERSION)
        elif demo and fmt == "cargo":
            repo.publish_crate(cargo_repo.DEMO_CRATE, cargo_repo.DEMO_CRATE_VERSION)
        elif demo and fmt == "ruby":
            repo.publish_gem(packages.DEMO_NAME, packages.DEMO_VERSION)
        self.repositories[(domain, repo.owner, fmt, name)] = repo
        self._names.add((domain, repo.owner, name))
        return repo

    def endpoint(self, repo: Repository) -> str:
        return f"{self.url}/{repo.domain}-{repo.owner}/{repo.format}/{repo.name}/"

    def inject(
        self,
        operation: str,
        code: str = "ThrottlingException",
        status: int = 429,
        times: int = 1,
        message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``operation`` fail with ``code`` (and ``message``, as
        AWS words it: ``... is not authorized to perform: sts:GetServiceBearerToken ...``), saying
        to retry after ``retry_after`` seconds (the ``Retry-After`` header) when given."""
        with self._lock:
            self._faults.extend([(operation, code, status, None, message, retry_after)] * times)

    def inject_answer(self, operation: str, body: dict[str, Any], times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` answer 200 with ``body``: a response
        botocore accepts but the program cannot use (an empty token, an expiry in the past)."""
        with self._lock:
            self._faults.extend([(operation, "", 200, body, None, None)] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now."""
        with self._lock:
            self._tokens = {t: (d, min(e, self.clock())) for t, (d, e) in self._tokens.items()}

    def issued_tokens(self) -> list[str]:
        """Every token handed out so far: for tests that look for leaks."""
        with self._lock:
            return list(self._tokens)

    def live_tokens(self) -> int:
        now = self.clock()
        with self._lock:
            return sum(1 for _, e in self._tokens.values() if e > now)

    def start(self) -> StandIn:
        server = _Server((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.standin = self
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), name="codeartifact-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.drop_connections()
            self._server = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control plane -----------------------------------------------------------------------

    def control(self, method: str, path: str, query: Mapping[str, str], headers: Headers) -> Response:
        operation = {
            ("POST", "/v1/authorization-token"): "GetAuthorizationToken",
            ("GET", "/v1/repository/endpoint"): "GetRepositoryEndpoint",
            ("POST", "/v1/domain/repositories"): "ListRepositoriesInDomain",
        }.get((method, path))
        if operation is None:
            return _aws_error(404, "UnknownOperationException", f"{method} {path} is not served here")
        fault = self._arrive(operation)
        if fault:
            _, code, status, body, message, retry_after = fault
            if body is not None:
                return json_response(200, body)
            error = _aws_error(status, code, message or f"injected {code}")
            return (
                error if retry_after is None else (error[0], {**error[1], "Retry-After": f"{retry_after:g}"}, error[2])
            )
        denied = self._check_signature(headers.get("Authorization", ""))
        if denied:
            return denied
        domain, owner = query.get("domain", ""), query.get("domain-owner", self.account)
        if not any(k[:2] == (domain, owner) for k in self.repositories):
            return _aws_error(404, "ResourceNotFoundException", f"Domain {domain} not found")
        if operation == "GetAuthorizationToken":
            return self._issue_token(domain, owner, query.get("duration", ""))
        if operation == "ListRepositoriesInDomain":
            return self._list_repositories(domain, owner)
        fmt, name = query.get("format", ""), query.get("repository", "")
        if (domain, owner, name) not in self._names:
            return _aws_error(404, "ResourceNotFoundException", f"Repository {name} not found")
        # As in CodeArtifact, a repository has an endpoint for every format, whatever it holds;
        # it serves packages only for the formats it was added with.
        return json_response(200, {"repositoryEndpoint": f"{self.url}/{domain}-{owner}/{fmt}/{name}/"})

    def _arrive(self, operation: str) -> Fault | None:
        """Count a call of ``operation``, take its latency, and the fault injected for it, if any."""
        with self._lock:
            self.received[operation] += 1  # counted on arrival; ``calls`` once answered
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.calls[operation] += 1
            self.call_times.append((time.monotonic(), operation))
            self.clocked.append((self.clock(), operation))
            fault = next((f for f in self._faults if f[0] == operation), None)
            if fault:
                self._faults.remove(fault)
        return fault

    def _check_signature(
        self, authorization: str, error: Callable[[int, str, str], Response] = _aws_error
    ) -> Response | None:
        match = _SIGV4.match(authorization)
        if not match:
            return error(403, "IncompleteSignatureException", "Request is not signed with SigV4")
        code = self.key_errors.get(match.group(1))
        return error(403, code, f"{code} for this access key") if code else None

    def _list_repositories(self, domain: str, owner: str) -> Response:
        names = sorted({name for d, o, name in self._names if (d, o) == (domain, owner)})
        arn = f"arn:aws:codeartifact:us-east-1:{owner}:repository/{domain}"
        return json_response(
            200,
            {
                "repositories": [
                    {
                        "name": name,
                        "administratorAccount": owner,
                        "domainName": domain,
                        "domainOwner": owner,
                        "arn": f"{arn}/{name}",
                        "createdTime": 0,
                    }
                    for name in names
                ]
            },
        )

    def sts(self, body: bytes, headers: Headers) -> Response:
        """STS's ``GetCallerIdentity`` (the query protocol botocore speaks to STS)."""
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        operation = form.get("Action", "")
        if operation != "GetCallerIdentity":
            return _sts_error(400, "InvalidAction", f"{operation or 'no Action'} is not served here")
        fault = self._arrive(operation)
        if fault:
            _, code, status, _, message, _ = fault
            return _sts_error(status, code or "InternalFailure", message or f"injected {code}")
        authorization = headers.get("Authorization", "")
        denied = self._check_signature(authorization, _sts_error)
        if denied:
            return denied
        key = _SIGV4.match(authorization).group(1)  # type: ignore[union-attr]  # checked above
        arn = self.identities.get(key, f"arn:aws:iam::{self.account}:user/{key}")
        account = arn.split(":")[4]
        return _sts_response(
            operation, f"<Arn>{html.escape(arn)}</Arn><UserId>{html.escape(key)}</UserId><Account>{account}</Account>"
        )

    def _issue_token(self, domain: str, owner: str, duration: str) -> Response:
        seconds = int(duration) if duration.isdigit() else 43200
        if seconds and not 900 <= seconds <= 43200:
            return _aws_error(400, "ValidationException", "duration must be 0 or 900..43200")
        lifetime = min(self.token_lifetime, seconds or self.token_lifetime)
        token = secrets.token_urlsafe(96)
        expires_at = self.clock() + lifetime
        with self._lock:
            self._tokens[token] = ((domain, owner), expires_at)
        return json_response(200, {"authorizationToken": token, "expiration": expires_at})

    # -- data plane --------------------------------------------------------------------------

    def _live(self, token: str | None, repo: Repository) -> bool:
        with self._lock:
            entry = self._tokens.get(token or "")
        return entry is not None and entry[0] == (repo.domain, repo.owner) and entry[1] > self.clock()

    def data(self, method: str, path: str, headers: Headers, body: bytes) -> Response:
        match = _DATA_PATH.match(path)
        repo = match and self.repositories.get((match["domain"], match["owner"], match["fmt"], match["repo"]))
        if not repo or match is None:
            return 404, {"Content-Type": "text/plain"}, b"no such repository\n"
        with self._lock:
            self.calls[f"{repo.format}:{method}"] += 1
        rest = match.group("rest")
        if not self._live(AUTH[repo.format](headers), repo):
            with self._lock:
                self.calls[f"{repo.format}:refused"] += 1
            return _unauthorized("codeartifact")
        with self._lock:
            self.calls[f"{repo.format}:authorized"] += 1
        if repo.format == "pypi":
            return repo.serve_pypi(method, rest, headers.get("Content-Type", ""), body)
        if repo.format == "npm":
            return repo.serve_npm(method, unquote(rest), self.endpoint(repo))
        serve: Callable[[str, str, str, Headers, bytes], Response] | None = getattr(repo, f"serve_{repo.format}", None)
        if serve is None:
            return 404, {"Content-Type": "text/plain"}, f"the stand-in serves no {repo.format} packages\n".encode()
        return serve(method, unquote(rest), self.endpoint(repo), headers, body)


def _basic_password(headers: Headers) -> str | None:
    auth = headers.get("Authorization", "")
    if not auth.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return password if user == "aws" else None


def _bearer(headers: Headers) -> str | None:
    auth = headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else None


def _either(headers: Headers) -> str | None:
    return _basic_password(headers) or _bearer(headers)


#: How each format's clients send the token: pip, twine and Maven send HTTP Basic with the user
#: ``aws``; npm and its kin, and cargo (``Bearer TOKEN`` in credentials.toml), a bearer token.
#: A format whose clients differ from one another accepts both.
AUTH: collections.defaultdict[str, Callable[[Headers], str | None]] = collections.defaultdict(
    lambda: _either,
    {"pypi": _basic_password, "npm": _bearer, "maven": _basic_password, "cargo": _bearer},
)


class _Server(ThreadingHTTPServer):
    standin: StandIn
    # socketserver's default listen backlog is 5: a burst of parallel connections overflows it and
    # the kernel drops SYNs, which clients only retry after a second.
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # ThreadingHTTPServer's
        self.connections: set[socket.socket] = set()
        super().__init__(*args, **kwargs)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        self.connections.add(sock)
        return sock, address

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A client that went away (killed, or cut by :meth:`drop_connections`) is not news;
        anything else is printed as socketserver does."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)) or self.socket.fileno() < 0:
            return
        super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        """Cut every open keep-alive connection, as a stopped server would."""
        for sock in list(self.connections):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK, 40 ms a response, which made every benchmark measure the stand-in
    disable_nagle_algorithm = True
    server_version = "codeartifact-standin"
    #: the ``Date`` of an AWS API answer: the stand-in's clock, so that a test can skew it (what
    #: ``doctor`` compares the local clock with); None, package downloads: the real clock
    api_time: float | None = None

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def _dispatch(self, method: str) -> None:
        assert isinstance(self.server, _Server)  # noqa: S101 - narrows the type: only a _Server makes handlers
        standin = self.server.standin
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        self.api_time = None
        if parts.path.startswith("/v1/") or (parts.path == "/" and method == "POST"):
            self.api_time = standin.clock()
        try:
            if parts.path.startswith("/v1/"):
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, headers, payload = standin.control(method, parts.path, query, self.headers)
            elif parts.path == "/" and method == "POST":
                status, headers, payload = standin.sts(body, self.headers)
            else:
                status, headers, payload = standin.data(method, parts.path, self.headers, body)
        except Exception as e:  # the stand-in must answer, even when it has a bug
            status, headers, payload = _aws_error(500, "InternalServerException", type(e).__name__)
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(payload))}.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)

    def date_time_string(self, timestamp: float | None = None) -> str:
        return super().date_time_string(self.api_time if timestamp is None else timestamp)

    def log_message(self, format: str, *args: Any) -> None:  # requests carry tokens in headers only
        pass
