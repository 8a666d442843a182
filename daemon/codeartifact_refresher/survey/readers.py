"""Readers: what one writer's own file says about the repositories in it.

A *reader* takes the text of a writer's main file and yields, for each repository URL in it, a
:class:`Seen`: the location (:mod:`..discovery`), the *options* of that writer the file shows
(pip's ``index``, npm's ``scope``, twine's ``name``...) and *where* in the file it was (the entry,
never its value); or a :class:`Hint` for an entry that names only a repository *host* (a netrc
``machine``, Bundler's ``BUNDLE_<HOST>``). Options are as the file shows them, defaults included;
the proposal drops the defaults. A reader never keeps a token: values are read only to find URLs,
and :func:`..discovery.read` drops their userinfo.

A text its reader cannot parse raises :class:`Unreadable` with a reason naming no value; a writer
without a reader of its own (a plugin, gradle) is read by :func:`generic`: every repository URL
in the text, with the writer's default options.
"""

from __future__ import annotations

import configparser
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .. import discovery
from ..errors import WriterError
from ..writers import pip as pip_writer
from ..writers.formats.bundle_config import BundleConfig
from ..writers.formats.netrc import entries as netrc_entries
from ..writers.formats.npmrc import NpmrcDocument


@dataclass(frozen=True)
class Seen:
    """A repository URL in a writer's file, with the options the file shows for it."""

    location: discovery.Location
    options: tuple[tuple[str, Any], ...] = ()
    where: str = ""  # the entry: "[global] index-url", "@acme:registry", "line 3"
    skip: str = ""  # why it cannot be a target as it is ("" when it can)


@dataclass(frozen=True)
class Hint:
    """An entry that names a repository host only, not a repository."""

    host: str  # as clients look it up: lower case, no port
    where: str


Found = Seen | Hint
Reader = Callable[[str], Iterable[Found]]


class Unreadable(ValueError):
    """The text is not what the writer's tool reads; the message names no value."""


def seen_at(url: Any, where: str, **options: Any) -> Iterator[Seen]:
    """The :class:`Seen` of ``url`` when it is a repository URL (nothing otherwise)."""
    location = discovery.read(url) if isinstance(url, str) else None
    if location is not None:
        yield Seen(location, tuple(options.items()), where)


def generic(text: str) -> Iterator[Found]:
    for found in discovery.find(text):
        yield Seen(found.location, (), f"line {found.line}")


def _ini(text: str, normalize: Callable[[str], str] = str.lower) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = normalize  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        raise Unreadable("not an INI file configparser reads") from None
    return parser


def pip(text: str) -> Iterator[Found]:
    parser = _ini(text, pip_writer._pip_key)  # option names as pip reads them
    for section in [parser.default_section, *parser.sections()]:
        values = parser.defaults() if section == parser.default_section else parser[section]
        for key, index in (("index-url", "primary"), ("extra-index-url", "extra")):
            for word in (values.get(key) or "").split():
                yield from seen_at(word, f"[{section}] {key}", index=index)


def twine(text: str) -> Iterator[Found]:
    parser = _ini(text)
    for section in parser.sections():
        yield from seen_at(parser[section].get("repository"), f"[{section}] repository", name=section)


def npm(text: str) -> Iterator[Found]:
    try:
        items = list(NpmrcDocument(text).items())
    except WriterError:
        raise Unreadable("not a text npm reads") from None
    registries = set()
    for key, value in items:
        scope = key[: -len(":registry")] if key.startswith("@") and key.endswith(":registry") else None
        if key == "registry" or scope:
            for seen in seen_at(value, key, scope=scope):
                registries.add(seen.location)
                yield seen
    for key in (key for key, _ in items if key.endswith(":_authToken")):  # its value, a token, is not read
        for seen in seen_at(key, key):
            if seen.location not in registries:
                yield Seen(seen.location, (), key, "no registry line names it (a project's .npmrc may)")


def netrc(text: str) -> Iterator[Found]:
    try:
        names = list(netrc_entries(text))
    except WriterError as e:
        raise Unreadable(str(e)) from None
    for name in names:
        if discovery.read_host(name) is not None:
            yield Hint(name.lower(), f"machine {name}")


def bundler(text: str) -> Iterator[Found]:
    try:
        keys = BundleConfig(text).top_level()
    except WriterError:
        raise Unreadable("not a text Bundler reads") from None
    for key in keys:
        name = key.removeprefix("BUNDLE_").replace("___", "-").replace("__", ".").lower()
        if "://" in name:
            yield from seen_at(name, key, key="url")
            continue
        shape = discovery.read_host(name)
        if shape is not None and shape.kind != discovery.LOCAL:
            yield Hint(name, key)


READERS: dict[str, Reader] = {
    "pip": pip,
    "twine": twine,
    "npm": npm,
    "pnpm": npm,
    "yarn-classic": npm,
    "netrc": netrc,
    "bundler": bundler,
}


def reader(writer: str) -> Reader:
    """The reader of ``writer``'s main file (:func:`generic` for a writer without one)."""
    from . import structured  # the TOML, YAML, JSON and XML files' readers

    return {**READERS, **structured.READERS}.get(writer, generic)
