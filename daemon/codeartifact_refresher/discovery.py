"""CodeArtifact repository URLs found in text, and what their shape says.

The vocabulary:

- a *host shape* (:class:`Host`) is what a repository host name says by itself: its *kind* and
  the domain, owner and region it names. The kinds (see ``/work/shared/REFERENCE.md``):
  :data:`IPV4` ``DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com``, :data:`DUALSTACK`
  ``DOMAIN-OWNER.codeartifact.REGION.on.aws``, :data:`VPCE` ``vpce-....d.codeartifact.REGION.
  vpce.amazonaws.com`` (a VPC endpoint without private DNS: the domain and owner are in the path),
  and :data:`LOCAL`, a loopback host (``127.0.0.1``, ``::1``, ``localhost``), where the local
  stand-in moves ``DOMAIN-OWNER`` into the path;
- a *location* (:class:`Location`) is one repository as a URL names it: domain, owner, region,
  format, repository, and its *endpoint*, the URL ``GetRepositoryEndpoint`` would return
  (``https://HOST/FORMAT/REPO/``; ``.../FORMAT/d/DOMAIN-OWNER/REPO/`` for a VPC endpoint;
  ``http://127.0.0.1:PORT/DOMAIN-OWNER/FORMAT/REPO/`` for the stand-in);
- a *repository URL* is any spelling of a location that clients' files hold: host in any case,
  with ``:443``, with ``aws:TOKEN@`` userinfo, with a tool's suffix after the repository (pip's
  ``simple/``, NuGet's ``v3/index.json``), cargo's ``sparse+https://``, npm's scheme-less
  ``//HOST/PATH/:_authToken=`` keys.

A location never holds a token: :func:`read` drops the userinfo and keeps only whether there was
one (:attr:`Location.credentials`). :func:`find` lists every repository URL in a text with its
line. ``aws/endpoints.py`` checks the endpoints the API returned with the same shapes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from .writers.formats import urls

IPV4, DUALSTACK, VPCE, LOCAL = "ipv4", "dualstack", "vpce", "local"
#: the package formats of GetRepositoryEndpoint
FORMATS = ("npm", "pypi", "maven", "nuget", "generic", "ruby", "swift", "cargo")

REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]+"
_DOMAIN_OWNER = r"(?P<domain>[a-z][a-z0-9-]{0,48}[a-z0-9])-(?P<owner>[0-9]{12})"
_AWS = re.compile(
    rf"{_DOMAIN_OWNER}\.(?:d\.codeartifact\.(?P<ipv4>{REGION})\.amazonaws\.com(?:\.cn)?"
    rf"|codeartifact\.(?P<dualstack>{REGION})\.on\.aws)"
)
_VPCE = re.compile(rf"vpce-[a-z0-9-]+\.d\.codeartifact\.(?P<region>{REGION})\.vpce\.amazonaws\.com(?:\.cn)?")
_DOMAIN_OWNER_SEGMENT = re.compile(_DOMAIN_OWNER)
_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,99}")
#: a URL or npm's scheme-less ``//host/path``: the authority up to the first ``/`` (userinfo and
#: port included), then a path without blanks, quotes, ``:`` or ``=`` (an npm key's ``:_authToken=``)
_CANDIDATE = re.compile(r"(?:\b[A-Za-z][A-Za-z0-9+.-]*:)?//[^\s/?#\"'<>\\]+(?:/[^\s\"'<>?#\\:=]*)?")


@dataclass(frozen=True)
class Host:
    """What a repository host name says (see the module doc); "" where it says nothing."""

    kind: str
    domain: str = ""
    owner: str = ""
    region: str = ""


@dataclass(frozen=True)
class Location:
    """One repository, as a URL names it (see the module doc). Never holds a token."""

    kind: str
    domain: str
    owner: str
    region: str  # "" for the stand-in's loopback host
    format: str
    repository: str
    endpoint: str  # as GetRepositoryEndpoint would return it, ending in "/"
    endpoint_url: str | None = None  # the API endpoint when the URL says it (the stand-in's)
    credentials: bool = False  # the URL carried a userinfo (aws:TOKEN@), which is not kept

    @property
    def host(self) -> str:
        """The endpoint's host as clients compare it (lower case, no default port)."""
        return urls.host(self.endpoint)

    @property
    def domain_key(self) -> tuple[str, str, str, str | None]:
        """What one config domain entry stands for: (domain, owner, region, endpoint_url)."""
        return self.domain, self.owner, self.region, self.endpoint_url


@dataclass(frozen=True)
class Found:
    """A repository URL found in a text: its location and its line (1-based)."""

    location: Location
    line: int


def loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_host(name: str) -> Host | None:
    """The shape of a host name (any case, no port), or None when it is not a repository host."""
    name = name.lower()
    aws = _AWS.fullmatch(name)
    if aws:
        kind = IPV4 if aws["ipv4"] else DUALSTACK
        return Host(kind, aws["domain"], aws["owner"], aws["ipv4"] or aws["dualstack"])
    vpce = _VPCE.fullmatch(name)
    if vpce:
        return Host(VPCE, region=vpce["region"])
    return Host(LOCAL) if loopback(name) else None


def read(url: str) -> Location | None:
    """The location a repository URL names (any spelling of the module doc), else None."""
    split = _split(url)
    found = split and _path(split[2], split[0].path.split("/")[1:])
    if not split or not found:
        return None
    parts, scheme, host = split
    domain, owner, fmt, repository, path = found
    netloc = urls.host(f"{scheme}://{parts.netloc.rpartition('@')[2]}/")
    api = f"{scheme}://{netloc}" if host.kind == LOCAL else None
    return Location(
        host.kind, domain, owner, host.region, fmt, repository, f"{scheme}://{netloc}{path}", api, "@" in parts.netloc
    )


def _split(url: str) -> tuple[SplitResult, str, Host] | None:
    """The URL's parts, its scheme (a scheme-less one's: https, http on loopback) and its host's
    shape, when it is an http(s) URL on a repository host; else None."""
    text = url.strip()
    if re.search(r"[\s\\]", text):
        return None  # parsers split such a URL in different places (urllib3 ends the host at "\\")
    text = text[7:] if text[:7].lower() == "sparse+" else text
    try:
        parts = urlsplit(text)
        name, _ = parts.hostname, parts.port  # the port: a ValueError when it is not one
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = read_host(name) if name and scheme in ("", "http", "https") else None
    if host is None or (scheme == "http" and host.kind != LOCAL):
        return None
    return parts, scheme or ("http" if host.kind == LOCAL else "https"), host


def _path(host: Host, segments: list[str]) -> tuple[str, str, str, str, str] | None:
    """(domain, owner, format, repository, endpoint path) from the path's segments for ``host``."""
    first, second, third, fourth = (segments + [""] * 4)[:4]
    if host.kind in (IPV4, DUALSTACK):
        fmt, repository, domain_owner = first, second, f"{host.domain}-{host.owner}"
        path = f"/{fmt}/{repository}/"
    elif host.kind == VPCE and second == "d":
        fmt, domain_owner, repository = first, third, fourth
        path = f"/{fmt}/d/{domain_owner}/{repository}/"
    elif host.kind == LOCAL:
        domain_owner, fmt, repository = first, second, third
        path = f"/{domain_owner}/{fmt}/{repository}/"
    else:
        return None
    pair = _DOMAIN_OWNER_SEGMENT.fullmatch(domain_owner)
    if pair is None or fmt not in FORMATS or not _REPOSITORY.fullmatch(repository):
        return None
    return pair["domain"], pair["owner"], fmt, repository, path


def find(text: str) -> list[Found]:
    """Every repository URL in ``text``, in order, each with its line."""
    return list(_find(text))


def _find(text: str) -> Iterator[Found]:
    for match in _CANDIDATE.finditer(text):
        location = read(match.group())
        if location is not None:
            yield Found(location, text.count("\n", 0, match.start()) + 1)
