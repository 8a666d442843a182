"""Maven: a ``<server>`` holding the token in ``~/.m2/settings.xml`` (and, optionally, a mirror).

Maven reads its *user settings* from ``${user.home}/.m2/settings.xml`` (``-s FILE`` names another
one) and its *global settings* from ``$M2_HOME/conf/settings.xml`` (``-gs``); the user file wins
where both set the same server id (maven-settings-builder's ``DefaultSettingsBuilder`` merges them
with the user file dominant). A *server* is ``<settings>/<servers>/<server>`` with an ``<id>``;
Maven sends its ``<username>`` and ``<password>`` (HTTP Basic, as CodeArtifact expects with the
user ``aws``) to every repository or mirror whose ``<id>`` is the same.

The target owns the server whose id is the option ``id`` (default ``codeartifact``): its
``username`` and ``password`` are set, any other child (``configuration``, ``filePermissions``...)
stays. With ``mirror: true`` it also owns ``<mirrors>/<mirror>`` of the same id: its ``url`` is the
repository endpoint and, when the mirror is new, ``mirrorOf`` is ``*`` (then every repository,
plugins included, is fetched from CodeArtifact with no change to any pom; an existing mirror's
``mirrorOf`` is the user's). Maven picks the mirror for a repository as
``DefaultMirrorSelector.getMirror`` does: an exact ``mirrorOf`` first, then the first mirror whose
pattern matches, in file order; so a new mirror goes first, and a foreign mirror of ``*`` or
``external:*`` before ours is refused (Maven would never use ours).

Values are read as Maven's ``SettingsXpp3Reader`` reads them: element names without namespace
mapping, text trimmed. A second ``<servers>`` or ``<mirrors>`` (Maven's strict reader rejects the
file: "Duplicated tag") or our id twice is refused with the line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import WriterError, WriterRefusedError
from ..platform import paths
from . import base
from .formats import urls, xml
from .formats.xml import Element, XmlDocument, encoding_of, escape, only
from .options import option

#: elements whose text is a credential wherever they appear (servers, proxies)
_SECRET_ELEMENTS = ("password", "passphrase")
_SECRET_TEXT = re.compile(r"<(password|passphrase)\b[^>]*>([^<]*)<", re.IGNORECASE)
_SHADOWING = {"*", "external:*"}


@dataclass(frozen=True)
class Options(base.Options):
    id: str = option(
        "codeartifact",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        expected="expected a Maven server id such as 'codeartifact' (letters, digits, '_', '.', '-')",
        description="maven only: the <server> id, which the repository or mirror using CodeArtifact names",
    )
    mirror: Literal[False, True] = option(
        False,
        description="maven only: also write a <mirror> of '*' with this id and the endpoint as its url",
    )


def _id_of(element: Element) -> str:
    child = element.first("id")
    return child.text.strip() if child is not None else ""


class Writer(base.Writer[Options]):
    format = "maven"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return paths.home(environ) / ".m2" / "settings.xml"

    def claims(self) -> Iterable[base.Claim]:
        found = [base.Claim(f"<server> {self.options.id}")]
        return found + ([base.Claim(f"<mirror> {self.options.id}")] if self.options.mirror else [])

    def encoding(self, role: str, raw: bytes) -> str:
        return encoding_of(raw)

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = XmlDocument(current, "settings")
        self._set_entry(doc, "servers", "server", {"username": "aws", "password": creds.token})
        if self.options.mirror:
            self._set_entry(doc, "mirrors", "mirror", {"url": creds.endpoint}, new={"mirrorOf": "*"})
        return doc.text

    def _set_entry(
        self, doc: XmlDocument, section: str, name: str, owned: dict[str, str], new: dict[str, str] | None = None
    ) -> None:
        """Our ``<name>`` in ``<section>``: the ``owned`` children set, ``new`` ones only when added."""
        parent = doc.ensure_child(doc.ensure_root(), section)
        entries = parent.all(name)
        ours = only([e for e in entries if _id_of(e) == self.options.id], f"<{name}> with id {self.options.id!r}")
        if name == "mirror":
            _check_not_shadowed(entries, ours, self.options.id)
        if ours is None:
            children = {"id": self.options.id, **owned, **(new or {})}
            body = [f"<{k}>{escape(v)}</{k}>" for k, v in children.items()]
            markup = doc.fragment(name, body, doc.child_indent(parent))
            (doc.prepend if name == "mirror" else doc.append)(parent, markup)
            return
        for child, value in owned.items():
            entry = doc.at(ours.start)
            found = only(entry.all(child), f"<{child}> in the <{name}> with id {self.options.id!r}")
            if found is None:
                doc.append(entry, f"<{child}>{escape(value)}</{child}>")
            elif found.text.strip() != value or found.children:
                doc.set_text(found, value)

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our server's ``username`` and ``password`` (and our mirror's ``url``) in a fresh parse
        of ``text``, as ``SettingsXpp3Reader`` reads them: names as written (no namespace mapping),
        the first ``<servers>`` of ``<settings>``, in an entry the first ``<id>``, ``<username>``...,
        text trimmed (Java's ``trim``), an element with child elements unreadable. Of two entries
        with our id, ``Settings.getServer`` takes the first and the resolver's authentication
        selector the last: both are read back (the writer refuses two anyway)."""
        root = xml.read(text)
        root = root if root is not None and root.name == "settings" else None
        owned = [("servers", "server", {"username": "aws", "password": creds.token})]
        if self.options.mirror:
            owned.append(("mirrors", "mirror", {"url": creds.endpoint}))
        found: list[tuple[str, str, str | None]] = []
        for section, name, values in owned:
            parent = root.first(section) if root is not None else None
            entries = [e for e in parent.all(name) if _read_text(e.first("id")) == self.options.id] if parent else []
            for entry in (entries[0], entries[-1]) if entries else (None,):
                for child, value in values.items():
                    read = _read_text(entry.first(child)) if entry is not None else None
                    found.append((f"<{name}> {self.options.id} <{child}>", value, read))
        return found

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every ``<password>`` and ``<passphrase>`` (servers, proxies), the values of a server's
        ``<httpHeaders>`` properties, and the userinfo of every URL; by pattern if it won't parse."""
        found = urls.secrets(text)
        try:
            doc = XmlDocument(text, "settings")
        except WriterError:
            return found + [m.group(2).strip() for m in _SECRET_TEXT.finditer(text) if m.group(2).strip()]
        for element in doc.root.walk() if doc.root else []:
            if element.name in _SECRET_ELEMENTS and element.text.strip():
                found.append(element.text.strip())
            if element.name == "httpHeaders":
                found += [v.text.strip() for p in element.all("property") for v in p.all("value") if v.text.strip()]
        return found


def _read_text(node: xml.Node | None) -> str | None:
    """An element's text as MXParser's ``nextText()`` and Java's ``trim()`` give it (None: no
    such element, or one holding elements, which the reader refuses)."""
    if node is None or node.children:
        return None
    return node.text.strip("".join(map(chr, range(33))))


def _check_not_shadowed(mirrors: list[Element], ours: Element | None, our_id: str) -> None:
    """Refuse a foreign mirror of everything before ours: Maven takes the first that matches."""
    for mirror in mirrors:
        if mirror is ours or ours is None:
            return
        patterns = {p.strip() for p in "".join(m.text for m in mirror.all("mirrorOf")).split(",")}
        if patterns & _SHADOWING:
            raise WriterRefusedError(
                f"line {mirror.line}: the mirror {_id_of(mirror)!r} of {sorted(patterns & _SHADOWING)[0]!r} "
                f"comes before the mirror {our_id!r}: Maven would use it instead"
            )
