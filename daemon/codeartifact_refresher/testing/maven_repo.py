"""The stand-in's Maven repositories: the Maven 2 repository layout Maven's resolver reads.

A *file path* below the repository URL is ``group/as/dirs/artifact/version/artifact-version.ext``.
Each file has *checksums* beside it (``.sha1``, ``.md5``, ``.sha256``, ``.sha512``: the resolver
fetches one and compares), and each ``group/artifact/`` directory a ``maven-metadata.xml`` listing
its versions, made from the versions *published* (:func:`publish`). Enough for Maven to resolve a
parent POM and a build extension (``mvn validate`` needs no plugin, and Maven Central is out of
reach here), which is what the end-to-end tests ask of it.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

Response = tuple[int, dict[str, str], bytes]

#: checksum file extension -> hashlib algorithm
CHECKSUMS = {".sha1": "sha1", ".md5": "md5", ".sha256": "sha256", ".sha512": "sha512"}
DEMO = ("com.example.codeartifact", "ca-demo-lib", "1.0.0")


def path_of(group: str, artifact: str, version: str, ext: str) -> str:
    return f"{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.{ext}"


def pom(group: str, artifact: str, version: str, packaging: str = "jar") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        f"  <modelVersion>4.0.0</modelVersion>\n  <groupId>{group}</groupId>\n"
        f"  <artifactId>{artifact}</artifactId>\n  <version>{version}</version>\n"
        f"  <packaging>{packaging}</packaging>\n</project>\n"
    ).encode()


def jar(artifact: str, version: str) -> bytes:
    """A reproducible jar holding a manifest and one resource naming the artifact's version."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in (("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n"), (f"{artifact}.txt", version)):
            z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), text)
    return buf.getvalue()


def publish(files: dict[str, bytes], group: str, artifact: str, version: str, packaging: str = "jar") -> None:
    """Add ``group:artifact:version`` to ``files`` (path -> bytes): its pom, and its jar unless
    ``packaging`` is ``pom`` (a parent POM)."""
    files[path_of(group, artifact, version, "pom")] = pom(group, artifact, version, packaging)
    if packaging == "jar":
        files[path_of(group, artifact, version, "jar")] = jar(artifact, version)


def _metadata(files: dict[str, bytes], directory: str) -> bytes | None:
    """``maven-metadata.xml`` for ``group/dirs/artifact/`` from the versions published below it."""
    versions = sorted({p[len(directory) :].split("/")[0] for p in files if p.startswith(directory)})
    if not versions:
        return None
    *group, artifact = directory.strip("/").split("/")
    listed = "".join(f"      <version>{v}</version>\n" for v in versions)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<metadata>\n  <groupId>{".".join(group)}</groupId>\n'
        f"  <artifactId>{artifact}</artifactId>\n  <versioning>\n    <latest>{versions[-1]}</latest>\n"
        f"    <release>{versions[-1]}</release>\n    <versions>\n{listed}    </versions>\n  </versioning>\n</metadata>\n"
    ).encode()


def _find(files: dict[str, bytes], rest: str) -> bytes | None:
    if rest.endswith("/maven-metadata.xml"):
        return _metadata(files, rest[: -len("maven-metadata.xml")])
    return files.get(rest)


def serve(files: dict[str, bytes], method: str, rest: str) -> Response:
    """GET or HEAD of a file, its checksum, or a directory's metadata."""
    if method not in ("GET", "HEAD"):
        return 405, {"Content-Type": "text/plain"}, b"the stand-in's maven repositories are read only\n"
    for ext, algorithm in CHECKSUMS.items():
        if rest.endswith(ext):
            data = _find(files, rest[: -len(ext)])
            if data is None:
                break
            return 200, {"Content-Type": "text/plain"}, hashlib.new(algorithm, data).hexdigest().encode()
    data = _find(files, rest)
    if data is None:
        return 404, {"Content-Type": "text/plain"}, b"not found\n"
    return 200, {"Content-Type": "application/octet-stream"}, data
