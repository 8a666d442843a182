"""A cargo *sparse registry* (RFC 2789, with RFC 3139's authentication) served by a stand-in repository.

Below the repository endpoint, as cargo's ``src/sources/registry/http_remote.rs`` asks for them:

- ``config.json``: ``dl`` (where ``.crate`` files are downloaded), ``api`` and
  ``"auth-required": true``. cargo first asks for it without a token; the stand-in's 401 makes it
  ask again with one, and from then on it sends the token with every index and download request;
- *index files* at the name's *prefix path* (``1/a``, ``2/ab``, ``3/a/abc``, ``ab/cd/abcd...``),
  one JSON line per version with the ``.crate`` file's SHA-256 as ``cksum``;
- ``api/v1/crates/NAME/VERSION/download``: the ``.crate`` file, a gzipped tar of
  ``NAME-VERSION/Cargo.toml`` and ``NAME-VERSION/src/lib.rs``, made here.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

Response = tuple[int, dict[str, str], bytes]

DEMO_CRATE = "democrate"
DEMO_CRATE_VERSION = "1.0.0"
_TEXT = {"Content-Type": "text/plain"}


def prefix_path(name: str) -> str:
    """The index file's path for crate ``name`` (cargo's ``make_dep_path``, lower-cased)."""
    name = name.lower()
    if len(name) <= 2:
        return f"{len(name)}/{name}"
    if len(name) == 3:
        return f"3/{name[0]}/{name}"
    return f"{name[:2]}/{name[2:4]}/{name}"


def crate_file(name: str, version: str) -> bytes:
    """A ``.crate`` file: a library crate whose ``VERSION`` constant is ``version``. The same
    bytes every time (tar and gzip times fixed), so that its checksum is stable."""
    files = {
        "Cargo.toml": f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n',
        "src/lib.rs": f'pub const VERSION: &str = "{version}";\n',
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def _index_line(name: str, version: str, data: bytes) -> str:
    entry = {
        "name": name,
        "vers": version,
        "deps": [],
        "cksum": hashlib.sha256(data).hexdigest(),
        "features": {},
        "yanked": False,
    }
    return json.dumps(entry, separators=(",", ":"))


def serve(crates: dict[str, dict[str, bytes]], method: str, rest: str, endpoint: str) -> Response:
    """``crates`` is name -> {version: .crate bytes}; ``rest`` is the path below the endpoint."""
    if method != "GET":
        return 405, _TEXT, b"the stand-in's cargo registry only serves GET\n"
    if rest == "config.json":
        body = {"dl": f"{endpoint}api/v1/crates", "api": endpoint.rstrip("/"), "auth-required": True}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
    if rest.startswith("api/v1/crates/"):
        name, _, tail = rest[len("api/v1/crates/") :].partition("/")
        version, _, action = tail.partition("/")
        data = crates.get(name, {}).get(version)
        if action == "download" and data is not None:
            return 200, {"Content-Type": "application/x-tar"}, data
        return 404, _TEXT, b"no such crate version\n"
    for name, versions in crates.items():
        if rest == prefix_path(name):
            lines = "".join(_index_line(name, v, d) + "\n" for v, d in versions.items())
            return 200, _TEXT, lines.encode()
    return 404, _TEXT, b"not found\n"
