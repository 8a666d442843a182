"""The ``environment`` op: a domain's live token and the variables its tools read, for ``exec``.

Request: ``{"v": 1, "op": "environment", "domain": "acme", "owner": "111122223333"}`` (``owner``
optional; no ``domain``: the daemon's only domain; a ``url`` as ``credentials`` takes it, too;
``timeout`` bounds a refresh, as for ``credentials``). Reply: the ``credentials`` fields but
``token`` and ``username``, and ``variables``, an object of names and values
(:mod:`..helpers.variables`: ``CODEARTIFACT_AUTH_TOKEN``, ``PIP_INDEX_URL``, ...) made from the
domain's targets and the endpoints the daemon knows (no AWS call while its token lives; a target
whose endpoint it has not found yet is left out). The reply holds the token; so does ``credentials``'.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from . import protocol
from .server import Context, Refused


def handle(request: dict[str, Any], context: Context) -> dict[str, Any]:
    from ..aws.endpoints import state_key
    from ..helpers.variables import variables
    from ..service.credentials import DaemonSource

    source = context.source
    if not isinstance(source, DaemonSource):
        raise Refused("this server keeps no domains' environments")
    query = _query(request, source)
    answer = source.credentials(query)
    domain = source.find(query)
    known = source.daemon.state.endpoints_of(domain)

    def endpoint_of(repository: str, fmt: str) -> str:
        return known[state_key(repository, fmt)].url

    expires = datetime.fromtimestamp(answer.expires_at, timezone.utc)
    found = variables(domain, answer.token, expires, endpoint_of, source.daemon.registry)
    return protocol.ok(
        domain=answer.domain,
        owner=answer.owner,
        region=answer.region,
        expires_at=answer.expires_at,
        variables=found,
    )


def _query(request: dict[str, Any], source: Any) -> protocol.Query:
    """The request as a ``credentials`` query; without a domain or URL, the daemon's only domain."""
    if request.get("domain") is None and request.get("url") is None:
        with source.daemon._lock:
            names = sorted({record.domain.domain for record in source.daemon.records.values()})
        if len(names) != 1:
            raise Refused(f"say which domain (this daemon serves: {', '.join(names) or 'none'})")
        request = {**request, "domain": names[0]}
    try:
        return protocol.query(request)
    except protocol.ProtocolError as e:
        raise Refused(str(e)) from None
