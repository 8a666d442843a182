"""Readers (see :mod:`.readers`) of the writers' TOML, YAML, JSON and XML files.

Each file is parsed whole with the library its tool's format needs (tomlkit, PyYAML, json, the
standard library's XML parser, which refuses entity expansion bombs through expat), imported
when a file is read. Values are only looked at to find URLs in them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xml.etree import ElementTree

from .readers import Found, Reader, Seen, Unreadable, seen_at


def _toml(text: str) -> dict[str, Any]:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(text).unwrap()
    except TOMLKitError:
        raise Unreadable("not valid TOML") from None


def _yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        raise Unreadable("not valid YAML") from None


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def uv(text: str) -> Iterator[Found]:
    for index in map(_table, _list(_toml(text).get("index"))):
        url, name = index.get("url"), index.get("name")
        for seen in seen_at(url, f"[[index]] {name or '(no name)'}"):
            options = {
                "name": name,
                "index": "primary" if index.get("default") is True else "extra",
                "credentials": "url" if seen.location.credentials else "netrc",
            }
            skip = "" if name else "the [[index]] has no name, and the uv writer owns a named one"
            yield Seen(seen.location, tuple(options.items()), seen.where, skip)


def poetry(text: str) -> Iterator[Found]:
    for name, table in _table(_toml(text).get("repositories")).items():
        yield from seen_at(_table(table).get("url"), f"[repositories.{name}] url", name=name)


def pdm(text: str) -> Iterator[Found]:
    pypi = _table(_toml(text).get("pypi"))
    yield from seen_at(pypi.get("url"), "[pypi] url", index="primary")
    for name, table in pypi.items():
        yield from seen_at(_table(table).get("url"), f"[pypi.{name}] url", name=name, index="extra")


def cargo(text: str) -> Iterator[Found]:
    doc = _toml(text)
    default = _table(doc.get("registry")).get("default")
    replace = _table(_table(doc.get("source")).get("crates-io")).get("replace-with")
    for name, table in _table(doc.get("registries")).items():
        options = {"name": name, "default": default == name, "replace_crates_io": replace == name}
        yield from seen_at(_table(table).get("index"), f"[registries.{name}] index", **options)


def _url(value: Any) -> Any:
    """A bun registry: a URL, or a table holding one."""
    return _table(value).get("url") if isinstance(value, Mapping) else value


def bun(text: str) -> Iterator[Found]:
    install = _table(_toml(text).get("install"))
    yield from seen_at(_url(install.get("registry")), "[install] registry")
    for scope, value in _table(install.get("scopes")).items():
        yield from seen_at(_url(value), f"[install.scopes] {scope}", scope="@" + scope.lstrip("@"))


def yarn(text: str) -> Iterator[Found]:
    doc = _table(_yaml(text))
    yield from seen_at(doc.get("npmRegistryServer"), "npmRegistryServer")
    for scope, table in _table(doc.get("npmScopes")).items():
        server = _table(table).get("npmRegistryServer")
        yield from seen_at(server, f"npmScopes.{scope}.npmRegistryServer", scope=f"@{scope}")


def gem(text: str) -> Iterator[Found]:
    for i, url in enumerate(_list(_table(_yaml(text)).get(":sources"))):
        yield from seen_at(url, f":sources: item {i + 1}", source="primary" if i == 0 else "extra")


def swift(text: str) -> Iterator[Found]:
    try:
        registries = _table(_table(json.loads(text)).get("registries"))
    except (ValueError, RecursionError):
        raise Unreadable("not valid JSON") from None
    for scope, table in registries.items():
        where = f"registries.{scope}"
        yield from seen_at(_table(table).get("url"), where, scope=None if scope == "[default]" else scope)


def _xml(text: str) -> ElementTree.Element:
    """The parsed document. A user's file, parsed with the standard library on purpose: expat
    fetches no external entity or DTD, and since 2.4.1 (every Python we support) it caps entity
    amplification ("billion laughs"); no defusedxml needed (see docs/checks.md)."""
    from xml.etree import ElementTree

    try:
        return ElementTree.fromstring(text)  # noqa: S314 - see the docstring
    except (ElementTree.ParseError, ValueError):
        raise Unreadable("not well-formed XML") from None


def _name(element: Any) -> str:
    return str(element.tag).rpartition("}")[2]


def _child(element: Any, name: str) -> str:
    return next(((c.text or "").strip() for c in element if _name(c) == name), "")


def maven(text: str) -> Iterator[Found]:
    elements = list(_xml(text).iter())
    for element in (e for e in elements if _name(e) == "mirror"):
        yield from seen_at(
            _child(element, "url"), f"<mirror> {_child(element, 'id')}", id=_child(element, "id"), mirror=True
        )
    for element in (e for e in elements if _name(e) in ("repository", "pluginRepository")):
        yield from seen_at(
            _child(element, "url"), f"<{_name(element)}> {_child(element, 'id')}", id=_child(element, "id")
        )


def nuget(text: str) -> Iterator[Found]:
    for sources in (e for e in _xml(text).iter() if _name(e) == "packageSources"):
        for add in (e for e in sources if _name(e) == "add"):
            key = add.get("key", "")
            yield from seen_at(add.get("value"), f"<packageSources> {key}", name=key)


READERS: dict[str, Reader] = {
    "uv": uv,
    "poetry": poetry,
    "pdm": pdm,
    "cargo": cargo,
    "bun": bun,
    "yarn": yarn,
    "gem": gem,
    "swift": swift,
    "maven": maven,
    "nuget": nuget,
}
