"""A tiny, valid, reproducible Ruby gem and the index files that describe it, made without Ruby.

A *gem* (RubyGems ``lib/rubygems/package.rb``) is an uncompressed tar holding ``metadata.gz``
(the gzipped YAML specification) and ``data.tar.gz`` (the gem's files). RubyGems and Bundler also
fetch a *quick spec*, ``quick/Marshal.4.8/NAME-VERSION.gemspec.rz``: the specification in Ruby's
Marshal format, zlib-deflated. ``Gem::Specification#_dump`` stores it as a user-defined dump
(type ``u``) of an array of its fields (``Gem::Specification._load`` reads them back), where a
version or requirement is a ``marshal_dump`` (type ``U``) of an array. :class:`Marshal` writes the
few types those need (Ruby's ``marshal.c``, format 4.8).
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from typing import Any

from .packages import DEMO_NAME, DEMO_VERSION

RUBYGEMS_VERSION = "3.3.15"
_EPOCH = 946684800  # 2000-01-01: every archive member gets it, so that builds are reproducible


class Version(str):
    """A ``Gem::Version``."""


class Requirement(tuple[tuple[str, str], ...]):
    """A ``Gem::Requirement``: pairs of (operator, version)."""


class Marshal:
    """Ruby's Marshal 4.8 for nil, booleans, small integers, UTF-8 strings, symbols, arrays,
    hashes, and :class:`Version` and :class:`Requirement` as Ruby dumps them."""

    def __init__(self) -> None:
        self.symbols: dict[str, int] = {}

    @classmethod
    def dump(cls, value: Any) -> bytes:
        return b"\x04\x08" + cls().write(value)

    def write(self, value: Any) -> bytes:
        if value is None or isinstance(value, bool):
            return {None: b"0", True: b"T", False: b"F"}[value]
        if isinstance(value, int):
            return b"i" + self.int(value)
        if isinstance(value, Version):
            return b"U" + self.symbol("Gem::Version") + self.write([str(value)])
        if isinstance(value, Requirement):
            pairs = [[op, Version(version)] for op, version in value]
            return b"U" + self.symbol("Gem::Requirement") + self.write([pairs])
        if isinstance(value, str):  # with its encoding: the instance variable E = true (UTF-8)
            data = value.encode()
            return b'I"' + self.int(len(data)) + data + self.int(1) + self.symbol("E") + b"T"
        if isinstance(value, list):
            return b"[" + self.int(len(value)) + b"".join(self.write(v) for v in value)
        if isinstance(value, dict):
            return b"{" + self.int(len(value)) + b"".join(self.write(k) + self.write(v) for k, v in value.items())
        raise TypeError(f"cannot marshal {type(value).__name__}")

    def symbol(self, name: str) -> bytes:
        if name in self.symbols:  # a symbol already written is a link to it
            return b";" + self.int(self.symbols[name])
        self.symbols[name] = len(self.symbols)
        return b":" + self.int(len(name)) + name.encode()

    @staticmethod
    def int(n: int) -> bytes:
        if n == 0:
            return b"\x00"
        if 0 < n < 123:
            return bytes([n + 5])
        if not 0 < n < 2**30:
            raise ValueError("only small non-negative integers are written")
        data = n.to_bytes((n.bit_length() + 7) // 8, "little")
        return bytes([len(data)]) + data


def user_dump(class_name: str, data: bytes) -> bytes:
    """``Marshal.dump`` of an object whose ``_dump`` returned ``data`` (type ``u``)."""
    writer = Marshal()
    return b"\x04\x08u" + writer.symbol(class_name) + writer.int(len(data)) + data


ANY = Requirement([(">=", "0")])


def quick_spec(name: str = DEMO_NAME, version: str = DEMO_VERSION) -> bytes:
    """``quick/Marshal.4.8/NAME-VERSION.gemspec.rz``: the fields ``Gem::Specification#_dump`` writes."""
    fields = [
        RUBYGEMS_VERSION, 4, name, Version(version), "2000-01-01",
        "A gem served by the codeartifact-refresher stand-in", ANY, ANY, "ruby", [],
        "", None, ["codeartifact-refresher"], "", None, True, "ruby", [], {},
    ]  # fmt: skip
    return zlib.compress(user_dump("Gem::Specification", Marshal.dump(fields)))


def index(specs: list[tuple[str, str]]) -> bytes:
    """``specs.4.8.gz``: gzipped Marshal of [name, Gem::Version, platform] for each gem."""
    return gzip.compress(Marshal.dump([[n, Version(v), "ruby"] for n, v in specs]), mtime=0)


def _spec_yaml(name: str, version: str, files: list[str]) -> str:
    listed = "".join(f"- {f}\n" for f in files)
    requirement = "!ruby/object:Gem::Requirement\n  requirements:\n  - - \">=\"\n    - !ruby/object:Gem::Version\n      version: '0'\n"
    return (
        f"--- !ruby/object:Gem::Specification\nname: {name}\nversion: !ruby/object:Gem::Version\n  version: {version}\n"
        "platform: ruby\nauthors:\n- codeartifact-refresher\nbindir: bin\ncert_chain: []\n"
        "date: 2000-01-01 00:00:00.000000000 Z\ndependencies: []\nexecutables: []\nextensions: []\n"
        f"extra_rdoc_files: []\nfiles:\n{listed}licenses: []\nmetadata: {{}}\nrdoc_options: []\n"
        f"require_paths:\n- lib\nrequired_ruby_version: {requirement}required_rubygems_version: {requirement}"
        f"requirements: []\nrubygems_version: {RUBYGEMS_VERSION}\nspecification_version: 4\n"
        "summary: A gem served by the codeartifact-refresher stand-in\ntest_files: []\n"
    )


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(data), _EPOCH, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def gem(name: str = DEMO_NAME, version: str = DEMO_VERSION) -> bytes:
    """``NAME-VERSION.gem`` holding ``lib/NAME.rb``, which sets a constant to the version."""
    module = "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
    lib = f"lib/{name.replace('-', '_')}.rb"
    data = _tar({lib: f'module {module}\n  VERSION = "{version}"\nend\n'.encode()})
    metadata = _spec_yaml(name, version, [lib]).encode()
    return _tar({"metadata.gz": gzip.compress(metadata, mtime=0), "data.tar.gz": gzip.compress(data, mtime=0)})
