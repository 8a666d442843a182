"""How long a domain's AWS credentials last, and what happens when they run out.

A :class:`Lifetime` is what the daemon learns after each refresh (:func:`look`) and keeps in the
state file: the credentials' *source* (botocore's name for it: ``env``, ``sso``, ``assume-role``,
``iam-role``...), when the current credentials *expire* (None: long-lived keys), whether botocore
*renews* them itself from their source (a role, SSO, a web identity, a credential process, the
instance or container role), and when they *end*: the time after which every refresh fails until
a person acts (the SSO login's end, from the AWS CLI's token cache; temporary keys that nothing
renews). Nothing here holds a secret.

A domain is *warned* once its credentials end within :func:`warn_within`: two refresh intervals
(:data:`~..config.model.REFRESH_AT` of the token's life), and at least an hour; :func:`step` says
which of the :func:`steps` (that horizon, an hour, a quarter of an hour, the end itself) they are
past, so that a log warns once per step, not on every tick. With ``duration: 0`` CodeArtifact gives
a token that lasts as long as the caller's temporary credentials, so the token ends with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..config.model import DURATION_MAX
from ..log import one_line

if TYPE_CHECKING:
    from ..config import Domain
    from .tokens import Clients

#: sources botocore renews by itself, as long as what stands behind them lasts
RENEWED = frozenset(
    ("sso", "assume-role", "assume-role-with-web-identity", "custom-process", "iam-role", "container-role")
)
HOUR, QUARTER = 3600.0, 900.0


@dataclass(frozen=True)
class Lifetime:
    source: str
    expires_at: float | None = None  # the current credentials
    renews: bool = False
    ends_at: float | None = None  # refreshes fail after this, until a person acts
    sso: bool = False  # the end is an SSO login's
    profile: str | None = None

    def to_state(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "expires_at": iso(self.expires_at),
            "renews": self.renews,
            "ends_at": iso(self.ends_at),
            "sso": self.sso,
            "profile": self.profile,
        }

    @classmethod
    def from_state(cls, data: object) -> Lifetime | None:
        """A lifetime as the state file holds it, each value checked; None for anything else."""
        if not isinstance(data, dict) or not isinstance(data.get("source"), str):
            return None
        profile = data.get("profile")
        return cls(  # one short line each: what another program wrote is shown on a terminal
            source=one_line(data["source"], 40),
            expires_at=timestamp(data.get("expires_at")),
            renews=data.get("renews") is True,
            ends_at=timestamp(data.get("ends_at")),
            sso=data.get("sso") is True,
            profile=one_line(profile, 200) if isinstance(profile, str) else None,
        )

    @property
    def action(self) -> str:
        """What a person does to get credentials again."""
        if self.sso:
            return f"run `aws sso login{f' --profile {self.profile}' if self.profile else ''}`"
        return "renew the credentials at their source"

    def said(self, over: bool) -> str:
        """``the SSO login ends`` (``ended``), ``the AWS credentials run out`` (``ran out``)."""
        if self.sso:
            return f"the SSO login {'ended' if over else 'ends'}"
        return f"the AWS credentials {'ran out' if over else 'run out'}"


def look(clients: Clients, domain: Domain) -> Lifetime | None:
    """``domain``'s credentials as its session holds them now (after a refresh that got a token:
    no call to AWS or to their source; the SSO cache read); None when there are none or they
    cannot be read."""
    from ..errors import AwsError
    from . import identity

    try:
        source = identity.credential_source(clients, domain)
    except AwsError:
        return None
    if not source:
        return None
    try:  # credentials that cannot be loaded (an SSO login that ended) have no expiry to show
        expiry = identity.credential_expiry(clients, domain, load=False)
    except AwsError:
        expiry = None
    try:
        sso = identity.sso_session_expiry(clients, domain)
    except AwsError:
        sso = None
    return of(source, expiry, sso, domain.profile)


def of(source: str, expiry: datetime | None, sso: datetime | None, profile: str | None) -> Lifetime:
    """The lifetime of credentials from ``source`` that expire at ``expiry``, behind an SSO login
    that ends at ``sso`` (None: none, or they never expire)."""
    renews = source in RENEWED
    expires_at = _seconds(expiry)
    ends_at = _seconds(sso) if sso is not None else (None if renews else expires_at)
    return Lifetime(source, expires_at, renews, ends_at, sso is not None, profile or None)


def _seconds(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


def iso(ts: float | None) -> str | None:
    """As the state file writes times (:func:`..state.iso`, which imports this module)."""
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def timestamp(value: object) -> float | None:
    try:
        return datetime.fromisoformat(value).timestamp() if isinstance(value, str) else None
    except (ValueError, OverflowError):
        return None


def warn_within(domain: Domain) -> float:
    """Seconds before the credentials end from which ``domain`` is warned: two refresh intervals
    (with ``duration: 0``, as for the longest token), and at least an hour."""
    interval = domain.refresh_at * (domain.duration or DURATION_MAX)
    return max(2 * interval, HOUR)


def steps(domain: Domain) -> tuple[float, ...]:
    """The remaining times (seconds, falling) at which a log warns again, the last the end itself."""
    return tuple(sorted({warn_within(domain), HOUR, QUARTER, 0.0}, reverse=True))


def step(lifetime: Lifetime | None, domain: Domain, now: float) -> int:
    """How many of :func:`steps` the credentials are past at ``now`` (0: not warned)."""
    if lifetime is None or lifetime.ends_at is None:
        return 0
    left = lifetime.ends_at - now
    return sum(1 for s in steps(domain) if left < s or (s == 0.0 and left <= 0))


def span(seconds: float) -> str:
    """``2 h``, ``2 h 05 min``, ``12 min``, ``40 s``."""
    seconds = round(abs(seconds))
    if seconds >= 3600:
        minutes = seconds % 3600 // 60
        return f"{seconds // 3600} h" + (f" {minutes:02d} min" if minutes else "")
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"


def warning(lifetime: Lifetime | None, domain: Domain, now: float, token_expires_at: float | None) -> str | None:
    """What a person is told once ``domain``'s credentials end within :func:`warn_within`: when,
    what happens then, what to do; None before that (or when nothing bounds them)."""
    if lifetime is None or lifetime.ends_at is None or step(lifetime, domain, now) == 0:
        return None
    left = lifetime.ends_at - now
    if left > 0:
        said = f"{lifetime.said(False)} in {span(left)}: refreshes will fail after that; {lifetime.action}"
    else:
        said = f"{lifetime.said(True)} {span(left)} ago: refreshes fail until you {lifetime.action}"
    if domain.duration == 0:
        said += "; with duration: 0 each token ends with the credentials it was issued with"
    elif token_expires_at is not None:
        held = token_expires_at - now
        said += f"; the token now held {'expires in ' + span(held) if held > 0 else 'has expired'}"
    return said


def duration_zero(lifetime: Lifetime | None, domain: Domain, now: float) -> str | None:
    """For a ``duration: 0`` domain whose credentials expire: that each token lasts only as long
    as they do (CodeArtifact's rule for 0); None otherwise."""
    if domain.duration != 0 or lifetime is None or lifetime.expires_at is None:
        return None
    left = lifetime.expires_at - now
    renewed = "; botocore renews them and the daemon refreshes the token before" if lifetime.renews else ""
    return (
        f"duration: 0: each token lasts only as long as the AWS credentials it is issued with "
        f"(these {'run out in ' + span(left) if left > 0 else 'have run out'}{renewed})"
    )
