"""Every way the AWS side can fail, against the daemon's real refresh path and the stand-in, on
injected clocks: an hour of each fault. Where retrying helps the daemon backs off from about a
second to five minutes; where it cannot it logs one clear reason and waits about five minutes
each time while a live token serves (once none does, it backs off only to the urgent 30 seconds). The old files stay as they were, and the first answer after the fault is used."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.service.daemon import Daemon
from codeartifact_refresher.service.planner import RETRY_CAP, URGENT_CAP

from ..conftest import ALL_TARGETS, write_config
from ..unit.test_daemon import build

HOUR = 3600


@dataclass
class Fault:
    name: str
    start: Callable  # (ctx) -> None
    end: Callable | None  # (ctx) -> None; None: the fault is in the config, and stays
    reason: str  # the logged reason, a regular expression
    retryable: bool
    config: dict | None = None  # endpoint/domain overrides for faults that live in the config
    at_start: bool = False  # there before the daemon's first refresh


class Ctx:
    def __init__(self, standin, monkeypatch, tmp_path):
        self.standin, self.monkeypatch, self.tmp_path = standin, monkeypatch, tmp_path


#: (start, end) of a fault
StartEnd = tuple[Callable[["Ctx"], object], Callable[["Ctx"], object]]


def _keys(code: str) -> StartEnd:
    return (lambda c: c.standin.key_errors.__setitem__("AKIDTEST", code), lambda c: c.standin.key_errors.clear())


def _inject(code: str, status: int) -> StartEnd:
    return (
        lambda c: c.standin.inject("GetAuthorizationToken", code, status, times=10_000),
        lambda c: c.standin.clear_faults(),
    )


def _answer(body: dict[str, object]) -> StartEnd:
    return (
        lambda c: c.standin.inject_answer("GetAuthorizationToken", body, times=10_000),
        lambda c: c.standin.clear_faults(),
    )


def _no_credentials(c):
    c.monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    c.monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")


def _credentials_back(c):
    c.monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
    c.monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")


def _no_such_host(c):
    """The resolver answers at once that ``codeartifact.invalid`` does not exist (a real lookup
    can take half a second, and a domain with no token yet tries again every few seconds)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "codeartifact.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    c.monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _slow(c):
    c.standin.latency = 1.5  # longer than the client's read timeout below


def _fast(c):
    c.standin.latency = 0.0


FAULTS = [
    Fault(
        "throttling",
        *_inject("ThrottlingException", 429),
        r"GetAuthorizationToken failed with ThrottlingException; will retry",
        True,
    ),
    Fault(
        "server error 500",
        *_inject("InternalServerException", 500),
        r"failed with InternalServerException; will retry",
        True,
    ),
    Fault(
        "service unavailable 503",
        *_inject("ServiceUnavailableException", 503),
        r"failed with ServiceUnavailableException; will retry",
        True,
    ),
    Fault("read timeout", _slow, _fast, r"GetAuthorizationToken: cannot reach .* \(ReadTimeoutError\)", True),
    Fault(
        "connection refused",
        lambda c: c.standin.stop(),
        lambda c: c.standin.start(),
        r"GetAuthorizationToken: cannot reach .* \(EndpointConnectionError\)",
        True,
    ),
    Fault(
        "empty token", *_answer({"authorizationToken": "", "expiration": 4102444800}), r"returned no usable token", True
    ),
    Fault(
        "expiry in the past",
        *_answer({"authorizationToken": "tok", "expiration": 1}),
        r"returned no usable token",
        True,
    ),
    Fault(
        "access denied",
        *_keys("AccessDeniedException"),
        r"GetAuthorizationToken was denied; the caller needs codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken",
        False,
    ),
    Fault(
        "expired credentials",
        *_keys("ExpiredTokenException"),
        r"the AWS credentials have expired \(ExpiredTokenException\); renew them",
        False,
    ),
    Fault(
        "unrecognised credentials",
        *_keys("UnrecognizedClientException"),
        r"AWS does not accept these credentials",
        False,
    ),
    Fault(
        "missing credentials",
        _no_credentials,
        _credentials_back,
        r"no AWS credentials found; set AWS_ACCESS_KEY_ID",
        False,
        at_start=True,
    ),
    Fault(
        "DNS failure",
        _no_such_host,
        None,
        r"GetAuthorizationToken: cannot reach http://codeartifact\.invalid:9/v1/authorization-token \(EndpointConnectionError\)$",
        True,
        config={"endpoint": "http://codeartifact.invalid:9"},
    ),
    Fault(
        "unknown domain",
        lambda c: None,
        None,
        r"domain ghost \(\d+\): domain not found \(check 'domain', 'owner' and 'region'",
        False,
        config={"domain": "ghost"},
    ),
]


def make(tmp_path, standin, clocks, fault: Fault) -> Daemon:
    config = write_config(
        tmp_path / "config.yaml", standin, ALL_TARGETS, domain=(fault.config or {}).get("domain", "acme")
    )
    if fault.config and "endpoint" in fault.config:
        config.write_text(config.read_text().replace(standin.url, fault.config["endpoint"]))
    clients = Clients(clock=clocks.utcnow, attempts=1, timeouts=(1, 0.5))  # 0.1 s timed out a busy CI machine
    daemon = build(config, tmp_path / "state.json", clocks, clients, seed=3)
    daemon.start()
    return daemon


def drive(daemon, clocks, seconds, times=None) -> list[float]:
    """Run each refresh when it falls due, for ``seconds``; the delays the daemon chose (and, in
    ``times``, when each refresh ran)."""
    (key,) = daemon.domains
    end, delays = clocks.wall() + seconds, []
    while daemon.scheduler.pending[key] <= end:
        clocks.run(max(0.0, daemon.scheduler.pending[key] - clocks.wall()))
        assert daemon.scheduler.run_due(daemon) == [key]
        if times is not None:
            times.append(clocks.wall())
        delays.append(daemon.scheduler.pending[key] - clocks.wall())
    return delays


@pytest.fixture
def standin(standin):
    standin.token_lifetime = HOUR
    return standin


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_an_hour_of_each_fault(fault, standin, clock, home, tmp_path, monkeypatch, caplog):
    ctx = Ctx(standin, monkeypatch, tmp_path)
    daemon = make(tmp_path, standin, clock, fault)
    (key,) = daemon.domains
    if fault.end is not None and not fault.at_start:  # a healthy start, so there are files to keep
        daemon.scheduler.run_due(daemon)
        assert daemon.state.get(daemon.domains[key]).failures == 0
    before = {p: p.read_bytes() if p.exists() else None for p in (home / ".npmrc", home / ".pypirc")}
    held_until = daemon.state.get(daemon.domains[key]).expires_at  # the live token the fault finds, if any
    fault.start(ctx)
    caplog.clear()
    times: list[float] = []
    delays = drive(daemon, clock, HOUR, times)
    entry = daemon.state.get(daemon.domains[key])

    assert entry.failures == len(delays) >= 1 and entry.last_error is not None
    reasons = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(reasons) == len(delays), "one reason per attempt"
    assert all(__import__("re").search(fault.reason, r) for r in reasons), reasons[0]
    assert all("\n" not in r and "Traceback" not in r for r in reasons)
    assert {p: p.read_bytes() if p.exists() else None for p in before} == before, "the files were left as they were"
    urgent = fault.end is None or fault.at_start  # no token was ever had: nothing works until one is
    if fault.retryable and not urgent:  # back off from a second, doubling (with jitter) to the cap: about 20 tries
        ceilings = [min(RETRY_CAP, 2.0**i) for i in range(len(delays))]
        assert all(c / 2 - 1e-6 <= d <= c for c, d in zip(ceilings, delays, strict=True)), delays
        assert 12 <= len(delays) <= 25
    elif fault.retryable:  # the same, but never more than URGENT_CAP apart
        ceilings = [min(URGENT_CAP, 2.0**i) for i in range(len(delays))]
        assert all(c / 2 - 1e-6 <= d <= c for c, d in zip(ceilings, delays, strict=True)), delays
        assert HOUR / URGENT_CAP <= len(delays) <= 2 * HOUR / URGENT_CAP + 10
    else:  # retrying will not mend it soon: no storm; about every five minutes while a live token serves,
        # and once none does, the urgent schedule (someone is mending it now), still backing off
        live = [(t, d) for t, d in zip(times, delays, strict=True) if held_until is not None and t < held_until]
        dead = delays[len(live) :]
        assert all(held_until is not None and d >= min(RETRY_CAP * 0.8, held_until - t) for t, d in live), live
        assert len(live) <= HOUR / (RETRY_CAP * 0.8) + 1
        assert all(d <= URGENT_CAP for d in dead), dead
        ceilings = [min(URGENT_CAP, 2.0**i) for i in range(len(dead))]
        if not live:  # never had a token: the urgent backoff from the start
            assert all(c / 2 - 1e-6 <= d <= c for c, d in zip(ceilings, dead, strict=True)), dead
        assert len(dead) <= 2 * HOUR / URGENT_CAP + 10

    if fault.end is not None:
        fault.end(ctx)
        clock.run(daemon.scheduler.pending[key] - clock.wall())
        daemon.scheduler.run_due(daemon)
        assert daemon.state.get(daemon.domains[key]).failures == 0
        assert (home / ".npmrc").exists() and (home / ".npmrc").read_bytes() != before[home / ".npmrc"]
        assert daemon.scheduler.pending[key] - clock.wall() > 0.7 * HOUR


def test_botocore_tries_a_throttled_call_at_most_three_times_per_attempt(standin):
    from codeartifact_refresher import config as configuration
    from codeartifact_refresher.errors import TransientError

    domain = configuration.Domain("acme", (), owner=standin.account, region="us-east-1", endpoint_url=standin.url)
    standin.inject("GetAuthorizationToken", "ThrottlingException", 429, times=100)
    with pytest.raises(TransientError):
        Clients(attempts=3).token(domain)
    assert standin.received["GetAuthorizationToken"] == 3
