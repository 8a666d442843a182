"""What the stand-in's ``ruby`` repositories serve: the compact index and the gems it lists.

The *compact index* (the format rubygems.org and CodeArtifact serve; RubyGems'
``Gem::Resolver::APISet``, Bundler's ``CompactIndexClient``) is ``versions`` (one line a gem: its
name, its versions, and the MD5 of its ``info`` file) and ``info/NAME`` (one line a version:
dependencies, then ``|checksum:SHA256``). RubyGems 3.3 uses it when the source's root answers
(``Gem::Source#dependency_resolver_set`` probes it with HEAD), then fetches the quick spec and
``gems/NAME-VERSION.gem``; the old Marshal indexes (``specs.4.8.gz``...) are served as well for
the commands that still read them (``gem search``, ``gem list --remote``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile

from . import gems

Response = tuple[int, dict[str, str], bytes]
#: gem name -> {version: the .gem's bytes}
Gems = dict[str, dict[str, bytes]]

_TEXT = {"Content-Type": "text/plain; charset=utf-8"}
_BINARY = {"Content-Type": "application/octet-stream"}
_QUICK = re.compile(r"^quick/Marshal\.4\.8/(?P<file>.+)\.gemspec\.rz$")
_INDEXES = ("specs.4.8.gz", "latest_specs.4.8.gz", "prerelease_specs.4.8.gz")
#: the name and version in a gem's YAML specification, as :func:`.gems.gem` writes them
_SPEC = re.compile(
    r"^name: (?P<name>\S+)\n(?:.*\n)*?version: !ruby/object:Gem::Version\n  version: (?P<version>\S+)$", re.M
)


def info(versions: dict[str, bytes]) -> bytes:
    """``info/NAME``: each version without dependencies, with its .gem's SHA-256."""
    lines = "".join(f"{v} |checksum:{hashlib.sha256(data).hexdigest()}\n" for v, data in sorted(versions.items()))
    return f"---\n{lines}".encode()


def versions(published: Gems) -> bytes:
    lines = "".join(
        f"{name} {','.join(sorted(v))} {hashlib.md5(info(v), usedforsecurity=False).hexdigest()}\n"
        for name, v in sorted(published.items())
    )
    return f"created_at: 2000-01-01T00:00:00Z\n---\n{lines}".encode()


def _find(published: Gems, filename: str) -> tuple[str, str] | None:
    """(name, version) of ``NAME-VERSION`` among the published gems."""
    for name, listed in published.items():
        for version in listed:
            if filename == f"{name}-{version}":
                return name, version
    return None


def push(published: Gems, body: bytes) -> Response:
    """``gem push``: POST ``api/v1/gems`` with the .gem as the body (its name and version read
    from ``metadata.gz``, for gems shaped as :func:`.gems.gem` makes them)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(body)) as tar:
            member = tar.extractfile("metadata.gz")
            metadata = gzip.decompress(member.read()).decode() if member else ""
    except (tarfile.TarError, KeyError, OSError, UnicodeDecodeError):
        return 422, _TEXT, b"not a gem\n"
    spec = _SPEC.search(metadata)
    if spec is None:
        return 422, _TEXT, b"no name and version in the gem's metadata\n"
    published.setdefault(spec["name"], {})[spec["version"]] = body
    return 200, _TEXT, f"Successfully registered gem: {spec['name']} ({spec['version']})".encode()


def serve(published: Gems, method: str, rest: str, body: bytes = b"") -> Response:
    """Answer a request for ``rest``, the path below the repository endpoint."""
    rest = rest.lstrip("/")  # gem push --host URL/ asks for URL//api/v1/gems
    if method == "POST" and rest == "api/v1/gems":
        return push(published, body)
    if method not in ("GET", "HEAD"):
        return 405, _TEXT, b"not served here\n"
    if rest == "":
        return 200, _TEXT, b"codeartifact-refresher stand-in: a RubyGems compact index\n"
    if rest == "versions":
        return 200, _TEXT, versions(published)
    if rest.startswith("info/") and rest[5:] in published:
        return 200, _TEXT, info(published[rest[5:]])
    if rest in _INDEXES:
        latest = rest.startswith("latest")
        specs = [] if rest.startswith("pre") else [(n, v) for n, vs in published.items() for v in vs]
        specs = [(n, max(vs)) for n, vs in published.items()] if latest else specs
        return 200, _BINARY, gems.index(sorted(specs))
    quick = _QUICK.match(rest)
    found = _find(published, quick.group("file")) if quick else None
    if found:
        return 200, _BINARY, gems.quick_spec(*found)
    if rest.startswith("gems/") and rest.endswith(".gem"):
        found = _find(published, rest[5:-4])
        if found:
            return 200, _BINARY, published[found[0]][found[1]]
    return 404, _TEXT, b"not found\n"
