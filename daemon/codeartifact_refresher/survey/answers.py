"""What the files do not say: from the flags, else from the user, else a failure that says what to give.

*Ask* is the function that puts a question and returns the answer (``input`` at a terminal; a
test passes its own); without one (``--yes``) nothing is asked. The *flags* are ``init``'s AWS
options: they go to the config's ``defaults``, for every domain entry, and a domain entry keeps
its own ``region`` and ``endpoint_url`` where its URL says them:

- *which candidates* to keep, when there are several: all of them without a question;
- the *profile*: the flag, else the answer (Enter: the AWS default credential chain), else none;
- a *region*, for an entry whose URL does not name one (the stand-in's): the flag, else the
  answer (Enter: the default chain's), else the default chain's region, else a failure;
- an *endpoint_url*, for an entry reached through a VPC endpoint without private DNS (the API
  endpoint cannot be told from the repository host): the flag, else the answer, else a failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..discovery import REGION, VPCE
from ..errors import Error
from .proposal import Entry

Ask = Callable[[str], str]
ATTEMPTS = 3  # answers to one question before giving up
ENDPOINT_URL = r"https?://[^/\s@]+(/\S*)?"  # a host, no user:password@
_CHOICE = re.compile(r"([0-9]+)(?:-([0-9]+))?")


class InitError(Error):
    """Something the config needs is missing, or the answers ran out."""


@dataclass(frozen=True)
class Flags:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    duration: int | None = None

    def defaults(self) -> dict[str, str | int]:
        """The config's ``defaults`` from the flags given."""
        found = {"profile": self.profile, "region": self.region, "endpoint_url": self.endpoint_url}
        found["duration"] = self.duration  # type: ignore[assignment]  # an int
        return {k: v for k, v in found.items() if v is not None}


def question(ask: Ask, prompt: str, check: Callable[[str], bool], default: str = "") -> str:
    """The first answer ``check`` accepts (Enter: ``default``), asked at most :data:`ATTEMPTS` times."""
    shown = f" [{default}]" if default else ""
    for _ in range(ATTEMPTS):
        try:
            answer = ask(f"{prompt}{shown}: ").strip() or default
        except EOFError:
            raise InitError(f"no answer to: {prompt}; nothing written") from None
        if check(answer):
            return answer
    raise InitError(f"no usable answer to: {prompt}; nothing written")


def choose(ask: Ask | None, count: int) -> list[int]:
    """The indexes (from 0) of the candidates to keep: all of them, unless asked."""
    if ask is None or count < 2:
        return list(range(count))
    answer = question(
        ask, 'Keep which? Numbers such as "1,3" or "2-4", or "all"', lambda a: _picked(a, count) is not None, "all"
    )
    return _picked(answer, count) or []


def _picked(answer: str, count: int) -> list[int] | None:
    if answer.lower() == "all":
        return list(range(count))
    picked: list[int] = []
    for part in re.split(r"[\s,]+", answer.strip()):
        match = _CHOICE.fullmatch(part)
        first, last = (int(match[1]), int(match[2] or match[1])) if match else (0, 0)
        if not 1 <= first <= last <= count:
            return None
        picked += [i - 1 for i in range(first, last + 1) if i - 1 not in picked]
    return sorted(picked)


def profile(ask: Ask | None, flags: Flags, available: Callable[[], Sequence[str]]) -> str | None:
    """The AWS profile for every domain: the flag, else the answer (Enter: the default chain)."""
    if flags.profile or ask is None:
        return flags.profile
    names = list(available())
    listed = f" (one of: {', '.join(names)})" if names else ""
    prompt = f"AWS profile{listed}; Enter for the AWS default credential chain"
    answer = question(ask, prompt, lambda a: not a or (a in names if names else " " not in a))
    return answer or None


def settle(entry: Entry, flags: Flags, ask: Ask | None, chain_region: Callable[[], str | None]) -> dict[str, str]:
    """The entry's own settings: ``owner``, and ``region`` and ``endpoint_url`` where its URL
    says them or they are missing (see the module doc); InitError when one cannot be had."""
    where = entry.location
    label = f"domain {where.domain} (owner {where.owner}) at {where.host}"
    settings = {"owner": where.owner, "region": where.region, "endpoint_url": where.endpoint_url or ""}
    if not where.region and not flags.region:
        default = chain_region() or ""
        if ask is not None:
            settings["region"] = question(
                ask, f"AWS region of {label}", lambda a: bool(re.fullmatch(REGION, a)), default
            )
        elif default:
            settings["region"] = default
        else:
            raise InitError(
                f"{label}: the URL names no AWS region and the AWS default chain has none: give --region REGION"
            )
    if where.kind == VPCE and not flags.endpoint_url:
        api = f"https://vpce-...api.codeartifact.{where.region}.vpce.amazonaws.com"
        if ask is None:
            raise InitError(
                f"{label}: a VPC endpoint; its API endpoint cannot be told from the repository host: "
                f"give --endpoint-url {api} (the DNS name of your codeartifact.api VPC endpoint)"
            )
        prompt = f"API endpoint for {label} (your codeartifact.api VPC endpoint, {api})"
        settings["endpoint_url"] = question(ask, prompt, lambda a: bool(re.fullmatch(ENDPOINT_URL, a)))
    return {k: v for k, v in settings.items() if v}
