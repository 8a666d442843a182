"""Pacing GetAuthorizationToken: one token bucket per (account, Region), for this process.

CodeArtifact takes 40 ``GetAuthorizationToken`` requests a second per Region and account (an
adjustable quota) and answers more with ``ThrottlingException`` (HTTP 429) and
``retryAfterSeconds``. A *pace* (:class:`~..config.Pacing`) is a sustained *rate* (calls a second)
and a *burst*; its :class:`Bucket` (the generic cell rate algorithm) grants at most
``burst + rate * L`` calls in any closed window of ``L`` seconds: by default 10 + 10 = 20 in any
one second, half the quota. A *slot* is the time a call may go.

The *pace key* (:func:`pace_key`) names whose quota a call counts against: (account, Region).
The account is the domain's ``owner``; without one it is the account in ``role_arn``; without that
the caller's account is unknown (we do not ask STS on every refresh), and the key is the profile
(or the default credential chain) standing for it. The Region is ``region``, else the default.
Two keys may so be one account: give such domains their ``owner`` to share one pace.

Every HTTP attempt is paced, botocore's own retries too (a ``before-send`` handler on the client).
A throttling answer's ``Retry-After`` holds its bucket until then (a ``needs-retry`` handler), so no
call for that account and Region goes sooner. A slot more than :data:`MAX_WAIT` seconds away is not
waited for: :class:`~..errors.ThrottledError` says when to try, and the daemon plans the retry then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..config import Domain, Pacing
from ..errors import ThrottledError

MAX_WAIT = 30.0  # seconds a refresh may wait for its slot before it is planned for later instead
OPERATION = "codeartifact.GetAuthorizationToken"  # botocore's event suffix: service id, operation
THROTTLED = 429
PaceKey = tuple[str, str]
T = TypeVar("T")


def pace_key(domain: Domain) -> PaceKey:
    """(account, Region) whose quota ``domain``'s GetAuthorizationToken calls count against."""
    if domain.owner:
        account = domain.owner
    elif domain.role_arn:
        account = domain.role_arn.split(":")[4]  # arn:aws:iam::ACCOUNT:role/NAME (the config checks it)
    elif domain.profile:
        account = f"profile {domain.profile}"
    else:
        account = "default credentials"
    return account, domain.region or "default region"


class Bucket:
    """A token bucket as the generic cell rate algorithm keeps it: the *theoretical arrival time*
    ``tat`` of the next call at the sustained rate; a call may go ``burst - 1`` intervals early."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tat = float("-inf")

    def slot(self, now: float, limit: float = float("inf")) -> float | None:
        """Reserve the earliest slot at or after ``now``; None (nothing reserved) when it is more
        than ``limit`` seconds away."""
        interval = 1.0 / self.rate
        at = max(now, self.tat - (self.burst - 1) * interval)
        if at - now > limit:
            return None
        self.tat = max(self.tat, at) + interval
        return at

    def hold(self, until: float) -> None:
        """No slot before ``until`` (a throttling answer's ``Retry-After``)."""
        self.tat = max(self.tat, until + (self.burst - 1) / self.rate)


class Pacer:
    """The buckets of one process, by pace key. ``clock`` (monotonic seconds) and ``sleep`` are
    injected: tests pass a fake clock whose sleep moves it."""

    def __init__(
        self,
        pace: Pacing | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self.pace = pace or Pacing()
        self.clock, self.sleep, self.max_wait = clock, sleep, max_wait
        self._buckets: dict[PaceKey, Bucket] = {}
        self._lock = threading.Lock()
        self._calling = threading.local()  # .key: the pace key of the call this thread makes

    def configure(self, pace: Pacing) -> None:
        """Take a new pace (a reload); each bucket keeps what it has granted."""
        with self._lock:
            self.pace = pace
            for bucket in self._buckets.values():
                bucket.rate, bucket.burst = pace.rate, pace.burst

    def wait(self, key: PaceKey) -> None:
        """Wait for a slot of ``key``'s bucket; :class:`ThrottledError` when it is too far away."""
        with self._lock:
            now = self.clock()
            at = self._bucket(key).slot(now, self.max_wait)
            if at is None:
                ahead = self._buckets[key].tat - now
        if at is None:
            raise ThrottledError(
                f"GetAuthorizationToken for account {key[0]} in {key[1]} is paced (or was throttled) "
                f"for {ahead:.0f}s more; will retry then",
                retry_after=ahead,
            )
        if at > now:
            self.sleep(at - now)

    def hold(self, key: PaceKey, seconds: float) -> None:
        with self._lock:
            self._bucket(key).hold(self.clock() + seconds)

    @contextmanager
    def calling(self, domain: Domain, client: Any) -> Iterator[None]:
        """Pace each HTTP attempt of ``client``'s GetAuthorizationToken made in this block."""
        events = client.meta.events
        events.register(f"before-send.{OPERATION}", self._before_send, unique_id=f"pacing-send-{id(self)}")
        events.register(f"needs-retry.{OPERATION}", self._after_attempt, unique_id=f"pacing-retry-{id(self)}")
        self._calling.key = pace_key(domain)
        try:
            yield
        finally:
            self._calling.key = None

    def call(self, domain: Domain, client: Any, fn: Callable[[Any], T]) -> T:
        """``fn(client)``, its GetAuthorizationToken attempts paced (:meth:`calling`)."""
        with self.calling(domain, client):
            return fn(client)

    def _bucket(self, key: PaceKey) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(self.pace.rate, self.pace.burst)
        return bucket

    def _before_send(self, **_: Any) -> None:
        key = getattr(self._calling, "key", None)
        if key is not None:  # another thread's client call, outside :meth:`calling`: not ours to pace
            self.wait(key)

    def _after_attempt(self, response: Any = None, **_: Any) -> None:
        key = getattr(self._calling, "key", None)
        seconds = retry_after(response)
        if key is not None and seconds is not None:
            self.hold(key, seconds)


def retry_after(response: Any) -> float | None:
    """The seconds a 429 answer (botocore's ``(http_response, parsed)``) says to wait, or None."""
    if not isinstance(response, tuple) or len(response) != 2:
        return None
    http, parsed = response
    if getattr(http, "status_code", None) != THROTTLED:
        return None
    value: Any = parsed.get("retryAfterSeconds") if isinstance(parsed, dict) else None
    if value is None:
        value = getattr(http, "headers", {}).get("Retry-After")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return min(max(seconds, 0.0), 3600.0) if seconds == seconds else None  # NaN is no answer
