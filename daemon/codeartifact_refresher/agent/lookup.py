"""A *lookup*: which configured domain a request means, by a URL or by a domain (and owner).

A URL (a pip index, cargo's ``sparse+https://`` index, any repository URL of
:mod:`...discovery`'s spellings) is matched, in this order:

1. by the *known endpoints*: the repository endpoints the daemon has looked up (or its state file
   remembers) whose location the URL is at or under;
2. by the host's shape: ``DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com``,
   ``DOMAIN-OWNER.codeartifact.REGION.on.aws`` (dualstack), a VPC endpoint's path
   ``/FORMAT/d/DOMAIN-OWNER/...``, the local stand-in's ``http://127.0.0.1:PORT/DOMAIN-OWNER/...``:
   a domain of that name whose owner and region, where the config gives them, agree;
3. by a configured ``endpoint_url``'s host, when one domain alone has it (or the path names which);
   a plain-http URL only when that ``endpoint_url`` is http too (never a token in clear).

A URL holding a backslash, a blank or a control character is refused: parsers disagree on its host
(``https://evil.example\\@HOST/``: urlsplit reads HOST, urllib3 and WHATWG evil.example).

A request by domain matches the entries of that name whose owner, where both give one, agrees.
Several entries left: those whose owner the request (or URL) names exactly; still several, the
request is refused as ambiguous. No match: refused, saying which domains are served.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from .. import discovery
from ..config import Domain
from ..writers.formats import urls

#: prefixes a client puts before a repository URL (cargo's sparse registries)
PREFIXES = ("sparse+",)
#: what parsers split in different places (a backslash, blanks, control characters): such a URL is refused
_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")
_SEGMENT = re.compile(r"(?P<domain>[a-z][a-z0-9-]{0,48}[a-z0-9])-(?P<owner>[0-9]{12})")


class NoMatch(Exception):
    """No configured domain (or more than one) matches the request; one line, without secrets."""


def bare(url: str) -> str:
    """``url`` without a client's prefix (``sparse+``)."""
    for prefix in PREFIXES:
        if url[: len(prefix)].lower() == prefix:
            return url[len(prefix) :]
    return url


def by_url(url: str, domains: Sequence[Domain], known: Mapping[str, Iterable[str]]) -> Domain:
    """The domain ``url`` belongs to; ``known``: each domain key's known endpoint URLs."""
    url = bare(url.strip())
    if _AMBIGUOUS.search(url):  # urllib3 and WHATWG parsers end the host at "\\", urlsplit does not
        raise NoMatch("the url holds a backslash, a blank or a control character; clients read its host differently")
    try:
        scheme, host, path = urls.location(url)
    except ValueError:
        raise NoMatch("the url is not a valid URL") from None
    if scheme not in ("http", "https") or not host:
        raise NoMatch("the url is not an http(s) URL")
    found = _by_endpoint((scheme, host, path), domains, known)
    location = discovery.read(url)
    if not found and location is not None:
        found = [d for d in domains if _shape_matches(d, location, host)]
    if not found:
        found = _by_endpoint_url(scheme, host, path, domains)
    owner = location.owner if location is not None else None
    return _one(found, owner, f"no configured domain serves {scheme}://{host}/", domains)


def by_domain(name: str, owner: str | None, domains: Sequence[Domain]) -> Domain:
    """The entry for domain ``name`` (and ``owner``, when given)."""
    found = [d for d in domains if d.domain == name and (owner is None or d.owner in (None, owner))]
    what = f"domain {name}" + (f" (owner {owner})" if owner else "")
    return _one(found, owner, f"{what} is not in the daemon's config", domains)


def _by_endpoint(
    where: tuple[str, str, str], domains: Sequence[Domain], known: Mapping[str, Iterable[str]]
) -> list[Domain]:
    scheme, host, path = where
    found = []
    for d in domains:
        for endpoint in known.get(d.key, ()):
            e_scheme, e_host, e_path = urls.location(endpoint)
            if (e_scheme, e_host) == (scheme, host) and (path == e_path or path.startswith(e_path + "/")):
                found.append(d)
                break
    return found


def _shape_matches(d: Domain, location: discovery.Location, host: str) -> bool:
    if d.domain != location.domain or (d.owner and d.owner != location.owner):
        return False
    if location.kind == discovery.LOCAL:  # the stand-in: its address is the domain's endpoint_url
        return d.endpoint_url is not None and urls.host(d.endpoint_url) == host
    return not (d.region and location.region and d.region != location.region)


def _by_endpoint_url(scheme: str, host: str, path: str, domains: Sequence[Domain]) -> list[Domain]:
    """The domains whose ``endpoint_url`` is at ``host``; a plain-http URL only for an http one
    (a token for an https host never goes out in clear)."""
    found = [
        d
        for d in domains
        if d.endpoint_url
        and urls.host(d.endpoint_url) == host
        and (scheme == "https" or urls.location(d.endpoint_url)[0] == scheme)
    ]
    if len(found) > 1:  # one host for several domains (a VPC endpoint, a proxy): the path says which
        named = {(m["domain"], m["owner"]) for s in path.split("/") if (m := _SEGMENT.fullmatch(s))}
        found = [d for d in found if any(d.domain == n and d.owner in (None, o) for n, o in named)]
    return found


def _one(found: list[Domain], owner: str | None, none: str, domains: Sequence[Domain]) -> Domain:
    if len(found) > 1 and owner:
        found = [d for d in found if d.owner == owner] or found
    if len(found) == 1:
        return found[0]
    if not found:
        served = ", ".join(sorted({d.label for d in domains})) or "none"
        raise NoMatch(f"{none} (domains served: {served})")
    names = ", ".join(d.key for d in found)
    raise NoMatch(f"several configured domains match ({names}); ask by domain and owner")


def host_of(url: str) -> str:
    """The host a URL names, for a log line (never its userinfo)."""
    try:
        return urlsplit(bare(url)).hostname or "?"
    except ValueError:
        return "?"
