"""bun: the registry and its token in ``bunfig.toml``.

The target owns ``[install] registry`` (or, with ``scope: "@acme"``, the scope's entry in
``[install.scopes]``), written as bun's documented table ``{ url = "...", token = "..." }``: bun
sends the token as ``Authorization: Bearer``. A scope's key is written without its ``@`` as bun's
docs write it; an existing ``"@acme"`` key (bun strips the ``@``) is the same entry, kept.

bun reads its global config at ``$XDG_CONFIG_HOME/.bunfig.toml`` when ``XDG_CONFIG_HOME`` is set,
else ``~/.bunfig.toml`` (bun's documentation, "bunfig.toml: global vs. local"); a project's
``bunfig.toml`` is merged over it. Edited with :class:`.formats.toml.TomlDocument`: comments and
everything else kept. The versions checked are in ``docs/writers/bun.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..platform import paths
from . import base
from .formats import toml, urls
from .formats.toml import TomlDocument
from .options import npm_scope

#: bunfig keys whose value is a credential
_SECRET_KEYS = ("token", "password")


@dataclass(frozen=True)
class Options(base.Options):
    scope: str | None = npm_scope("bun only: a scoped registry ([install.scopes]) instead of the default one")


def global_bunfig(environ: Mapping[str, str]) -> Path:
    xdg = environ.get("XDG_CONFIG_HOME")
    return Path(xdg) / ".bunfig.toml" if xdg else paths.home(environ) / ".bunfig.toml"


class Writer(base.Writer[Options]):
    format = "npm"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return global_bunfig(environ)

    def place(self, doc: TomlDocument) -> tuple[tuple[str, ...], str]:
        """(table keys, key) of the entry this target owns."""
        scope = self.options.scope
        if not scope:
            return ("install",), "registry"
        scopes = doc.get("install", "scopes")
        key = scope if isinstance(scopes, dict) and scope in scopes else scope[1:]
        return ("install", "scopes"), key

    def claims(self) -> Iterable[base.Claim]:
        scope = self.options.scope
        return [base.Claim(f"[install.scopes] {scope[1:]}" if scope else "[install] registry")]

    def render(self, current: str | None, creds: base.Credentials) -> str:
        import tomlkit

        doc = TomlDocument(current)
        keys, key = self.place(doc)
        value = {"url": urls.normalized(creds.endpoint), "token": creds.token}
        if doc.get(*keys, key) != value:
            entry = tomlkit.inline_table()
            entry.update(value)
            doc.set(keys, key, entry)
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        keys, key = self.place(TomlDocument(text))
        url = urls.normalized(creds.endpoint)
        return toml.read_back(text, "bun", ((*keys, key, "url"), url), ((*keys, key, "token"), creds.token))

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every ``token``/``password`` value anywhere in the file, and every URL's userinfo."""
        found = [v for where, v in TomlDocument(text).walk_strings() if where and where[-1] in _SECRET_KEYS and v]
        return found + urls.secrets(text)
