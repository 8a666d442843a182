"""NuGet: a package source and its credentials in the user's ``NuGet.Config``.

NuGet reads ``NuGet.Config`` files from the solution's directories up, then the *user* file
(``%APPDATA%\\NuGet\\NuGet.Config`` on Windows, ``~/.nuget/NuGet/NuGet.Config`` elsewhere, as the
``dotnet`` CLI reads it; mono's ``nuget.exe`` reads ``~/.config/NuGet/NuGet.Config``: set ``path``),
then machine-wide files (``NuGet.Configuration``'s ``Settings.LoadDefaultSettings``). The root is
``<configuration>``; a *section* is one of its children; an *item* is an ``<add key=... value=...>``.

The target owns, under the option ``name`` (default ``codeartifact``):

- ``<packageSources><add key="NAME" value="{endpoint}v3/index.json" /></packageSources>``: the
  value is set and other attributes (``protocolVersion``) kept. Keys are compared ignoring case,
  as NuGet compares source names. A ``<clear />`` drops every source before it: a new source goes
  last, and one of ours that a later ``<clear />`` drops is refused (NuGet would not see it);
- ``<packageSourceCredentials><NAME>`` with ``<add key="Username" value="aws" />`` and
  ``<add key="ClearTextPassword" value="TOKEN" />``. The element is named for the source with
  characters an XML name cannot hold encoded as NuGet encodes them (.NET's
  ``XmlConvert.EncodeLocalName``: ``acme/store`` becomes ``acme_x002F_store``); ``CredentialsItem``
  takes the first ``Username`` and the first ``Password`` or ``ClearTextPassword`` item (keys ignoring
  case), so those are the ones rewritten; ``ValidAuthenticationTypes`` stays.

A source listed with ``value="true"`` in ``<disabledPackageSources>`` is refused: NuGet would skip
it. Sections, comments and other sources are kept byte for byte (see :mod:`.formats.xml`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import WriterError, WriterRefusedError
from ..platform import paths
from . import base
from .formats import urls, xml
from .formats.xml import Element, XmlDocument, encoding_of, escape, only
from .options import option

_NAME_START = re.compile(r"[A-Za-z_]")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_.-]")
_ESCAPE_LOOKALIKE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_PASSWORD_KEYS = ("password", "cleartextpassword")
_ENCODED = re.compile(r"_x([0-9A-Fa-f]{8}|[0-9A-Fa-f]{4})_")
_VALUE = re.compile(r"""\bvalue\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True)
class Options(base.Options):
    name: str = option(
        "codeartifact",
        pattern=r"^[A-Za-z0-9][ -~]{0,99}$",
        expected="expected a NuGet source name such as 'codeartifact' or 'acme/store' (printable ASCII)",
        description="nuget only: the package source's name (its key in <packageSources>)",
    )


def element_name(source: str) -> str:
    """The source name as an XML element name, encoded as .NET's ``XmlConvert.EncodeLocalName``
    does for ASCII: a character a name cannot hold becomes ``_xHHHH_``, and so does the ``_`` of
    text that would read as such an escape."""
    out = []
    for i, ch in enumerate(source):
        valid = (_NAME_START if i == 0 else _NAME_CHAR).fullmatch(ch)
        if not valid or (ch == "_" and _ESCAPE_LOOKALIKE.match(source, i)):
            out.append(f"_x{ord(ch):04X}_")
        else:
            out.append(ch)
    return "".join(out)


def decoded_name(name: str) -> str:
    """An element name as .NET's ``XmlConvert.DecodeName`` reads it: ``_xHHHH_`` is the character."""
    return _ENCODED.sub(lambda m: chr(int(m.group(1), 16)) if int(m.group(1), 16) <= 0x10FFFF else m.group(0), name)


def _key(item: Element | xml.Node) -> str:
    return item.attributes.get("key", "").lower()


class Writer(base.Writer[Options]):
    format = "nuget"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        if os.name == "nt" and environ.get("APPDATA"):
            return Path(environ["APPDATA"]) / "NuGet" / "NuGet.Config"
        return paths.home(environ) / ".nuget" / "NuGet" / "NuGet.Config"

    def claims(self) -> Iterable[base.Claim]:
        return [base.Claim(f"<packageSources> {self.options.name}")]

    def encoding(self, role: str, raw: bytes) -> str:
        return encoding_of(raw)

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = XmlDocument(current, "configuration")
        self._check_enabled(doc)
        self._set_source(doc, f"{creds.endpoint}v3/index.json")
        self._set_credentials(doc, creds.token)
        return doc.text

    def _check_enabled(self, doc: XmlDocument) -> None:
        section = only(doc.ensure_root().all("disabledPackageSources"), "<disabledPackageSources>")
        for item in section.all("add") if section else []:
            if _key(item) == self.options.name.lower() and item.attributes.get("value", "").strip().lower() == "true":
                raise WriterRefusedError(f"line {item.line}: <disabledPackageSources> disables {self.options.name!r}")

    def _set_source(self, doc: XmlDocument, url: str) -> None:
        sources = doc.ensure_child(doc.ensure_root(), "packageSources")
        name = self.options.name.lower()
        ours = only([e for e in sources.all("add") if _key(e) == name], f"the source {self.options.name!r}")
        if ours is None:
            attributes = f' key="{escape(self.options.name, quote=True)}" value="{escape(url, quote=True)}"'
            doc.append(sources, doc.fragment("add", None, "", attributes))
            return
        clear = next((c for c in sources.all("clear") if c.start > ours.start), None)
        if clear is not None:
            raise WriterRefusedError(f"line {clear.line}: a <clear /> after the source {self.options.name!r} drops it")
        if ours.attributes.get("key") != self.options.name:
            doc.set_attribute(ours, "key", self.options.name)
            ours = doc.at(ours.start)
        if ours.attributes.get("value") != url:
            doc.set_attribute(ours, "value", url)

    def _set_credentials(self, doc: XmlDocument, token: str) -> None:
        section = doc.ensure_child(doc.ensure_root(), "packageSourceCredentials")
        tag = element_name(self.options.name)
        ours = only(section.all(tag), f"<{tag}> in <packageSourceCredentials>")
        if ours is None:
            lines = [
                '<add key="Username" value="aws" />',
                f'<add key="ClearTextPassword" value="{escape(token, quote=True)}" />',
            ]
            doc.append(section, doc.fragment(tag, lines, doc.child_indent(section)))
            return
        for keys, key, value in ((("username",), "Username", "aws"), (_PASSWORD_KEYS, "ClearTextPassword", token)):
            entry = doc.at(ours.start)
            item = next((i for i in entry.all("add") if _key(i) in keys), None)
            if item is None:
                doc.append(entry, f'<add key="{key}" value="{escape(value, quote=True)}" />')
                continue
            if _key(item) != key.lower():  # an encrypted Password becomes our ClearTextPassword
                doc.set_attribute(item, "key", key)
                item = doc.at(item.start)
            if item.attributes.get("value") != value:
                doc.set_attribute(item, "value", value)

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our source and its credentials in a fresh parse of ``text``, as NuGet's settings reader
        reads them: names by their local name (``LocalName``), ``<add>`` keys ignoring case, a
        ``<clear />`` dropping the sources before it, a credentials element by its decoded name
        (``XmlConvert.DecodeName``), in it the first ``Username`` and the first ``Password`` or
        ``ClearTextPassword`` item (an encrypted ``Password`` does not read back as our token).
        Of two sources or credentials elements of ours, the first and the last are read back."""
        root = xml.read(text, namespaces=True)
        root = root if root is not None and root.local == "configuration" else None
        name = self.options.name
        found: list[tuple[str, str, str | None]] = []
        sources: list[xml.Node] = []
        sources_section = root.first("packageSources", local=True) if root is not None else None
        for item in sources_section.children if sources_section is not None else []:
            if item.local == "clear":
                sources = []
            elif item.local == "add" and _key(item) == name.lower():
                sources.append(item)
        url = f"{creds.endpoint}v3/index.json"
        for source in (sources[0], sources[-1]) if sources else (None,):
            found.append((f"<packageSources> {name}", url, source.attributes.get("value") if source else None))
        section = root.first("packageSourceCredentials", local=True) if root is not None else None
        entries = [e for e in section.children if decoded_name(e.local) == name] if section is not None else []
        for entry in (entries[0], entries[-1]) if entries else (None,):
            items = entry.all("add", local=True) if entry is not None else []
            username = next((i for i in items if _key(i) == "username"), None)
            password = next((i for i in items if _key(i) in _PASSWORD_KEYS), None)
            if password is not None and _key(password) != "cleartextpassword":
                password = None
            for key, value, got in (("Username", "aws", username), ("ClearTextPassword", creds.token, password)):
                read = got.attributes.get("value") if got is not None else None
                found.append((f"<packageSourceCredentials> {name} {key}", value, read))
        return found

    def find_secrets(self, text: str) -> Iterable[str]:
        """The value of every item whose key names a password (credentials, ``http_proxy.password``)
        and of every ``<apikeys>`` item, and the userinfo of every URL; by pattern if it won't parse."""
        found = urls.secrets(text)
        try:
            doc = XmlDocument(text, "configuration")
        except WriterError:
            return found + [m.group(1) or m.group(2) for m in _VALUE.finditer(text) if m.group(1) or m.group(2)]
        for section in doc.root.children if doc.root else []:
            for item in section.walk():
                value = item.attributes.get("value", "")
                if item.name == "add" and value and ("password" in _key(item) or section.name == "apikeys"):
                    found.append(value)
        return found
