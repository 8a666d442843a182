"""Tiny, valid, reproducible packages for the stand-in's repositories: a wheel and an npm tarball."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import zipfile

DEMO_NAME = "ca-demo-pkg"
DEMO_VERSION = "1.0.0"
#: when every npm version was "published": long ago, past any client's minimal-age gate
NPM_TIME = "2020-01-01T00:00:00.000Z"


def normalize(name: str) -> str:
    """PEP 503 project name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel(name: str = DEMO_NAME, version: str = DEMO_VERSION) -> tuple[str, bytes]:
    """A pure-Python wheel with one module; returns (filename, bytes)."""
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    contents = {
        f"{dist}/__init__.py": f'__version__ = "{version}"\n',
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            "Summary: A package served by the codeartifact-refresher stand-in\n"
        ),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: codeartifact-refresher\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},{_record_hash(text.encode())},{len(text.encode())}\n" for path, text in contents.items())
    contents[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in contents.items():
            zf.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return f"{dist}-{version}-py3-none-any.whl", buf.getvalue()


def npm_tarball(name: str = DEMO_NAME, version: str = DEMO_VERSION) -> bytes:
    """An npm package tarball (``package/package.json`` and ``package/index.js``)."""
    files = {
        "package/package.json": json.dumps({"name": name, "version": version, "main": "index.js"}).encode(),
        "package/index.js": f"module.exports = {json.dumps(version)};\n".encode(),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.USTAR_FORMAT) as tf:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def npm_dist(data: bytes, tarball_url: str) -> dict[str, str]:
    return {
        "tarball": tarball_url,
        "shasum": hashlib.sha1(data, usedforsecurity=False).hexdigest(),  # npm's checksum field
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
    }
