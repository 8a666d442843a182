"""Which domain entry owns a *host entry*: an entry keyed by the repository host alone (netrc's
``machine HOST``, Bundler's ``BUNDLE_<HOST>``, swift's login), a *shared* claim of every target of
one domain entry (:class:`..writers.base.Claim`).

Such a file has one entry per host, so two domain entries that reach one host must not both write
it: their tokens would overwrite each other at every refresh. One host is often spelled two ways:
``127.0.0.1`` and ``localhost``; a VPC endpoint's regional name
(``vpce-0abc-1xyz.d.codeartifact.us-east-1.vpce.amazonaws.com``) and each zonal one
(``vpce-0abc-1xyz-us-east-1a.d.codeartifact...``, the same endpoint ID). So ownership is decided by
the host the endpoints resolve to, twice:

- at ``check`` (:class:`HostKeys`), from the hosts the config's ``endpoint_url`` names: the same
  *canonical name* (lower case, a zonal VPC endpoint name as its regional one), or names that
  resolve to a common address (:func:`addresses`, bounded by :data:`RESOLVE_TIMEOUT`; a name that
  does not resolve in time is compared by name only). Domains behind the public API have hosts
  of their own and are never compared;
- at each refresh (:class:`Owners`), from the repository endpoints that GetRepositoryEndpoint
  returned, which the config cannot show (a VPC endpoint with private DNS, say): the first domain
  entry to write a host entry of a file keeps it for as long as the process runs, and a second is
  refused with an error naming both domains, the file and the host, every time, rather than the
  two taking turns. Before any refresh, each run takes in the endpoints that earlier runs found
  (:meth:`Owners.seed`, in the config's order), so the owner stays the same from run to run.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING

from ..errors import TargetError

if TYPE_CHECKING:
    from ..aws.endpoints import Endpoint
    from ..outputs import Output
    from ..writers.base import Claim
    from ..writers.registry import Registry
    from .model import Domain, Target

RESOLVE_TIMEOUT = 2.0  # seconds for all the lookups of one check: past it, names are compared as names
#: a zonal VPC endpoint name: the endpoint ID, then the Availability Zone (``-us-east-1a``, a Local
#: Zone's ``-us-west-2-lax-1a``), then the rest of the regional name
ZONAL = re.compile(r"(vpce-[0-9a-z]+-[0-9a-z]+)-[a-z]{2}(?:-[a-z]+)+-\d+(?:[a-z]|-[a-z]+-\d+[a-z])(\..+)")


def canonical(host: str) -> str:
    """``host`` as compared: lower case, no final dot, a zonal VPC endpoint name as its regional one."""
    name = host.lower().rstrip(".")
    match = ZONAL.fullmatch(name)
    return match.group(1) + match.group(2) if match else name


def addresses(names: Iterable[str], timeout: float = RESOLVE_TIMEOUT) -> dict[str, frozenset[str]]:
    """The addresses each of ``names`` resolves to, looked up side by side; a name whose lookup
    fails or does not end within ``timeout`` seconds (in all) gets none."""
    import socket

    found: dict[str, frozenset[str]] = {}

    def look(name: str) -> None:
        try:
            infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        found[name] = frozenset(str(info[4][0]) for info in infos)

    threads = [threading.Thread(target=look, args=(n,), daemon=True) for n in dict.fromkeys(names)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout  # the lookups run side by side: one wait bounds them all
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {n: found.get(n, frozenset()) for n in dict.fromkeys(names)}


class HostKeys:
    """``check``'s key of each domain's host entries: equal for domain entries that reach one
    endpoint host, however the config spells it. Lookups happen only when two names differ."""

    def __init__(self, domains: Iterable[Domain], timeout: float = RESOLVE_TIMEOUT) -> None:
        self._names = {d.key: canonical(str(d.host_key[1])) for d in domains if d.host_key[0] == "endpoint"}
        self._timeout = timeout
        self._same: dict[str, str] | None = None  # canonical name -> the first name of its host

    def _decide(self) -> dict[str, str]:
        distinct = list(dict.fromkeys(self._names.values()))
        found = addresses(distinct, self._timeout) if len(distinct) > 1 else {}
        same: dict[str, str] = {}
        for i, name in enumerate(distinct):
            mine = found.get(name, frozenset())
            first = next((n for n in distinct[:i] if found.get(n, frozenset()) & mine), name)
            same[name] = same.get(first, first)
        return same

    def key(self, domain: Domain) -> tuple[Hashable, ...]:
        """:attr:`.Domain.host_key`, with a host named two ways made one."""
        name = self._names.get(domain.key)
        if name is None:
            return domain.host_key
        if self._same is None:
            self._same = self._decide()
        return ("endpoint", self._same[name])


def refuse_spellings(
    fail: Callable[[str, int], Exception], target: Target, other: tuple[int, Domain], domain: Domain, output: Output
) -> None:
    """At ``check``, when ``target`` of ``domain`` would write the host entry that the target on
    line ``other[0]`` of the domain entry ``other[1]`` writes, in ``output``, because their
    ``endpoint_url`` spell one host two ways: raise ``fail``'s error naming both domains, the file
    and the host. (Spelled alike: the loader's own message says it.)"""
    line, first = other
    theirs, mine = (str(d.host_key[1]) if d.host_key[0] == "endpoint" else "" for d in (first, domain))
    if first is domain or theirs == mine:
        return
    raise fail(
        f"domain {domain.label} reaches the host of domain {first.label} (line {first.line}): {mine} is "
        f"{theirs}, and {output.describe()} has one entry per host; this {target.writer} target would "
        f"overwrite the token of the one on line {line}: give it another path",
        target.line,
    )


class Owners:
    """Refresh-time owners of host entries: (output, claim, host) -> the first domain entry's key
    and label. One per process (:data:`OWNERS`); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[tuple[Hashable, str, str], tuple[str, str]] = {}

    def claim(self, domain: Domain, claims: Iterable[Claim], outputs: Mapping[str, Output], host: str) -> None:
        """Take ``domain``'s shared ``claims`` on ``host`` in ``outputs`` (by role); TargetError,
        naming both domains, the file and the host, when another domain entry holds one."""
        wanted = [(outputs[c.role], c.entry) for c in claims if c.shared and c.role in outputs]
        with self._lock:
            for output, entry in wanted:
                owner = self._owners.setdefault((output.key, entry, canonical(host)), (domain.key, domain.label))
                if owner[0] != domain.key:
                    raise TargetError(
                        f"{output}: domains {owner[1]} and {domain.label} both reach host {host}, and this file "
                        f"has one entry per host; {owner[1]} keeps it, this target is refused "
                        "(give it another path)"
                    )

    def seed(self, domain: Domain, registry: Registry, found: Mapping[str, Endpoint]) -> None:
        """Take, quietly, the host entries ``domain``'s targets reach through the endpoints found
        by earlier runs (the state file's). Called for each domain in the config's order before
        any refresh, it makes the owner of a host the same from run to run, whichever domain's
        refresh happens to end first."""
        from ..aws.endpoints import state_key
        from ..writers.formats.netrc import machine_name

        for target in domain.targets:
            try:
                writer = registry.get(target.writer)(**dict(target.options))
                endpoint = found.get(state_key(target.repository, writer.repository_format()))
                if endpoint is not None:
                    self.claim(domain, writer.all_claims(), dict(target.outputs), machine_name(endpoint.url))
            except Exception:  # noqa: S112 - a target that fails here fails on its own at its refresh
                continue

    def release(self, domain_keys: Iterable[str]) -> None:
        """Forget what the domain entries of ``domain_keys`` own (a reload removed them)."""
        gone = set(domain_keys)
        with self._lock:
            self._owners = {k: v for k, v in self._owners.items() if v[0] not in gone}


OWNERS = Owners()
