"""The daemon's side of the agent: answering ``credentials`` from its live tokens.

A request is matched to a domain (:mod:`..agent.lookup`) among the daemon's records, with the
endpoints it knows. A live token (:mod:`..agent.live`) is the answer, with no AWS call. Without one
the domain is refreshed first, as its scheduled refresh would be (files, hooks, state and the next
plan alike), on a thread of its own, and the request waits for it at most its ``timeout``; a refresh
running already is waited for, not doubled. When that refresh fails the request is refused with its
one-line error; one that failed less than :data:`RETRY_EVERY` seconds ago is not tried again for a
request (its error is the answer), so clients asking in a loop cannot hammer AWS.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..agent import lookup
from ..agent.server import Answer, Refused
from ..aws.endpoints import endpoint_account_and_region

if TYPE_CHECKING:
    from ..agent.protocol import Query
    from ..aws.tokens import Token
    from ..config import Domain
    from .daemon import Daemon, DomainRecord

RETRY_EVERY = 10.0  # seconds between refreshes a request starts for a domain whose last one failed


class DaemonSource:
    """A :class:`~..agent.server.Source` over a running :class:`~.daemon.Daemon`."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon

    def credentials(self, query: Query) -> Answer:
        daemon = self.daemon
        domain = self.find(query)
        token = daemon.live.live(domain.key, daemon.clock.wall())
        if token is None:
            token = self._refresh_first(domain, query.timeout)
        owner, region = self._where(domain)
        return Answer(domain.domain, owner, region, token.value, token.expires_at.timestamp())

    def find(self, query: Query) -> Domain:
        daemon = self.daemon
        with daemon._lock:
            domains = [record.domain for record in daemon.records.values()]
        try:
            if query.url is not None:
                known = {d.key: [e.url for e in daemon.state.endpoints_of(d).values()] for d in domains}
                return lookup.by_url(query.url, domains, known)
            return lookup.by_domain(query.domain or "", query.owner, domains)
        except lookup.NoMatch as e:
            raise Refused(str(e)) from None

    def _refresh_first(self, domain: Domain, timeout: float) -> Token:
        """Refresh ``domain`` (or wait for the refresh running) for at most ``timeout`` seconds."""
        daemon, key = self.daemon, domain.key
        with daemon._lock:
            record = daemon.records.get(key)
            if record is None or daemon.stopping:
                raise Refused("the daemon is stopping" if daemon.stopping else f"{domain.label}: no longer configured")
            recent = record.started is not None and daemon.clock.monotonic() - record.started < RETRY_EVERY
            if record.failures and recent and not record.running:
                raise Refused(self._failure(domain, "its last refresh failed"))
        done = threading.Event()
        threading.Thread(target=self._refresh, args=(key, record, done), name="agent-refresh", daemon=True).start()
        done.wait(timeout)
        token = daemon.live.live(key, daemon.clock.wall())
        if token is not None:
            return token
        if not done.is_set():
            raise Refused(f"{domain.label}: no live token, and its refresh did not finish within {timeout:g} s")
        raise Refused(self._failure(domain, "the refresh got no token"))

    def _refresh(self, key: str, record: DomainRecord, done: threading.Event) -> None:
        daemon = self.daemon
        try:
            daemon.refresh_job(key)  # returns at once when a refresh of the domain runs already
            with daemon._idle:
                daemon._idle.wait_for(lambda: not record.running)
        finally:
            done.set()

    def _failure(self, domain: Domain, what: str) -> str:
        error = self.daemon.state.get(domain).last_error  # it names the domain already
        return f"no live token: {error}" if error else f"{domain.label}: no live token: {what}"

    def _where(self, domain: Domain) -> tuple[str, str]:
        """The domain's owner and region: the config's, else what its endpoints' hosts say, else
        (the region) its AWS client's."""
        owner, region = domain.owner or "", domain.region or ""
        for endpoint in self.daemon.state.endpoints_of(domain).values():
            found_owner, found_region = endpoint_account_and_region(endpoint.url, domain.domain)
            owner, region = owner or found_owner, region or found_region
        if not region:
            try:
                region = self.daemon.clients.client(domain).meta.region_name or ""
            except Exception:  # noqa: BLE001 - a region is a nicety; the token is what was asked for
                region = ""
        return owner, region
