"""A stand-in repository: what it holds and how it serves it to clients with a live token."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import cargo_repo, gems, maven_repo, packages, ruby_repo, uploads

#: (HTTP status, headers, body)
Response = tuple[int, dict[str, str], bytes]


class Headers(Protocol):
    """A request's headers: ``http.server``'s message, or a dict in a test."""

    def get(self, name: str, default: str, /) -> str: ...


def json_response(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


def _not_found(what: str) -> Response:
    return 404, {"Content-Type": "text/plain"}, f"{what}\n".encode()


def _html(links: str) -> Response:
    page = f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n"
    return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()


@dataclass
class Repository:
    domain: str
    owner: str
    name: str
    format: str
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # pypi: project -> {filename: bytes}
    # npm, cargo, ruby: name -> {version: the tarball, .crate or .gem bytes}
    packages: dict[str, dict[str, bytes]] = field(default_factory=dict)
    maven_files: dict[str, bytes] = field(default_factory=dict)  # maven: path -> bytes (see maven_repo)

    def publish_wheel(self, filename: str, data: bytes, project: str) -> None:
        self.files.setdefault(packages.normalize(project), {})[filename] = data

    def publish_npm(self, name: str, version: str, data: bytes | None = None) -> None:
        self.packages.setdefault(name, {})[version] = data or packages.npm_tarball(name, version)

    def publish_maven(self, group: str, artifact: str, version: str, packaging: str = "jar") -> None:
        maven_repo.publish(self.maven_files, group, artifact, version, packaging)

    def serve_maven(self, method: str, rest: str, endpoint: str, headers: Headers, body: bytes) -> Response:
        return maven_repo.serve(self.maven_files, method, rest)

    def publish_crate(self, name: str, version: str) -> None:
        self.packages.setdefault(name, {})[version] = cargo_repo.crate_file(name, version)

    def serve_cargo(self, method: str, rest: str, endpoint: str, headers: Headers, body: bytes) -> Response:
        """A sparse index and ``.crate`` downloads (:mod:`.cargo_repo`)."""
        return cargo_repo.serve(self.packages, method, rest, endpoint)

    def publish_gem(self, name: str, version: str, data: bytes | None = None) -> None:
        self.packages.setdefault(name, {})[version] = data or gems.gem(name, version)

    def serve_ruby(self, method: str, rest: str, endpoint: str, headers: Headers, body: bytes) -> Response:
        """The compact index, quick specs, gems and gem pushes (:mod:`.ruby_repo`)."""
        return ruby_repo.serve(self.packages, method, rest, body)

    def serve_pypi(self, method: str, rest: str, content_type: str, body: bytes) -> Response:
        """PEP 503 pages, file downloads and uploads below the repository URL."""
        if method == "POST" and rest == "":
            return uploads.handle(self, content_type, body)
        if rest == "simple/":
            links = "".join(f'<a href="{p}/">{p}</a>\n' for p in sorted(self.files))
            return _html(links)
        if rest.startswith("simple/"):
            files = self.files.get(packages.normalize(rest[len("simple/") :].strip("/")))
            if files is None:
                return _not_found("no such project")
            return _html(
                "".join(
                    f'<a href="../../files/{html.escape(n)}#sha256={uploads.sha256(d)}">{html.escape(n)}</a>\n'
                    for n, d in sorted(files.items())
                )
            )
        if rest.startswith("files/"):
            name = rest[len("files/") :]
            for files in self.files.values():
                if name in files:
                    return 200, {"Content-Type": "application/octet-stream"}, files[name]
        return _not_found("not found")

    def serve_npm(self, method: str, rest: str, endpoint: str) -> Response:
        """Packuments and tarballs; ``rest`` is unquoted (``@scope/name``)."""
        name, _, tarball = rest.partition("/-/")
        versions = self.packages.get(name)
        if method != "GET" or versions is None:
            return json_response(404, {"error": "not found"})
        basename = name.rpartition("/")[2]  # "@scope/pkg" tarballs are named "pkg-1.0.0.tgz"
        base = f"{endpoint}{name}/-/{basename}"
        if tarball:
            for version, data in versions.items():
                if tarball == f"{basename}-{version}.tgz":
                    return 200, {"Content-Type": "application/octet-stream"}, data
            return json_response(404, {"error": "not found"})
        latest = sorted(versions)[-1]
        return json_response(
            200,
            {
                "name": name,
                "dist-tags": {"latest": latest},
                # Yarn 4 quarantines versions without a publish time (npmMinimalAgeGate, 1 day)
                "time": {
                    "created": packages.NPM_TIME,
                    "modified": packages.NPM_TIME,
                    **dict.fromkeys(versions, packages.NPM_TIME),
                },
                "versions": {
                    v: {"name": name, "version": v, "dist": packages.npm_dist(d, f"{base}-{v}.tgz")}
                    for v, d in versions.items()
                },
            },
        )
