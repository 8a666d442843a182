"""Yarn Berry (2+): the registry and its token in ``.yarnrc.yml``.

The target owns ``npmRegistryServer`` (or, with ``scope: "@acme"``,
``npmScopes.acme.npmRegistryServer``) and the *registry entry* of our repository in
``npmRegistries``: ``npmAuthToken`` and ``npmAlwaysAuth: true`` under the key ``"//host/path/"``.

Yarn's rules (``plugin-npm/sources/npmConfigUtils.ts``): ``npmRegistries`` keys are normalised by
dropping one trailing slash (``normalizeRegistry``); ``getRegistryConfiguration`` looks the
registry up exactly as its server URL is written (minus the trailing slash), then with the
protocol removed (``//host/path``). Hosts are compared as plain strings, so the server URL is
written in the host spelling of the entry key (lower case, IDNA, no default port). Every entry
Yarn would take for our registry (with or without protocol or trailing slash) gets the new token;
when there is none, ``"//host/path/"`` is added. For a scope, ``getAuthConfiguration`` prefers a
token set in the scope itself: one there would hide ours, and is refused, unless it only names a
variable (``npmAuthToken: "${CODEARTIFACT_AUTH_TOKEN}"``, as AWS's guide writes it: a
:mod:`reference <.formats.references>`), which is ours to take over: it gets the token. So does a
top-level ``npmAuthToken`` that names a variable when the target owns the default registry (Yarn
stops at a variable that is not set, whichever registry it needs).

Yarn reads the user's ``~/.yarnrc.yml`` (the home folder's rc file, named by
``YARN_RC_FILENAME`` when set) and the project's rc files, nearer ones winning; ``YARN_*``
variables outrank every file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WriterRefusedError
from ..platform import paths
from . import base
from .formats import references, urls
from .formats.yarnrc import YarnrcDocument
from .options import npm_scope

#: Yarn's settings whose value is a credential
_SECRET_KEYS = ("npmAuthToken", "npmAuthIdent")


@dataclass(frozen=True)
class Options(base.Options):
    scope: str | None = npm_scope("yarn only: the registry of one scope (npmScopes) instead of the default one")


def registry_key(key: str) -> str:
    """A registry as Yarn compares it: one trailing slash dropped (``normalizeRegistry``)."""
    return key.removesuffix("/")


def lookups(server: str) -> tuple[str, str]:
    """The ``npmRegistries`` keys Yarn tries for ``server``, in its order."""
    exact = registry_key(server)
    return exact, re.sub(r"^[a-z]+:", "", exact)


class Writer(base.Writer[Options]):
    format = "npm"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        name = next((v for k, v in environ.items() if k.lower() == "yarn_rc_filename" and v), ".yarnrc.yml")
        return paths.home(environ) / name

    def server_keys(self) -> tuple[str, ...]:
        scope = self.options.scope
        return ("npmScopes", scope[1:]) if scope else ()

    def claims(self) -> Iterable[base.Claim]:
        return [base.Claim(".".join((*self.server_keys(), "npmRegistryServer")))]

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = YarnrcDocument(current)
        server = urls.normalized(creds.endpoint)
        self._take_over_references(doc, server, creds.token)
        if self.options.scope:
            self._refuse_scope_token(doc, creds.token)
        doc.set(self.server_keys(), "npmRegistryServer", server)
        ours = [k for k in doc.keys("npmRegistries") if registry_key(k) in lookups(server)]
        for key in ours or [f"{lookups(server)[1]}/"]:
            doc.set(("npmRegistries", key), "npmAuthToken", creds.token)
            doc.set(("npmRegistries", key), "npmAlwaysAuth", True)
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our server and token from a YAML parse of the result (Yarn reads .yarnrc.yml as YAML):
        the token of the first ``npmRegistries`` entry Yarn would look up for the server."""
        import yaml

        try:
            data: Any = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            raise WriterRefusedError("Yarn would not read the result as YAML") from None
        server, scope = urls.normalized(creds.endpoint), data
        for key in self.server_keys():
            scope = scope.get(key) if isinstance(scope, dict) else None
        found = scope.get("npmRegistryServer") if isinstance(scope, dict) else None
        where = ".".join((*self.server_keys(), "npmRegistryServer"))
        registries = data.get("npmRegistries") if isinstance(data, dict) else None
        entries = registries if isinstance(registries, dict) else {}
        mine = [v for k, v in entries.items() if isinstance(k, str) and registry_key(k) in lookups(server)]
        token = mine[0].get("npmAuthToken") if mine and isinstance(mine[0], dict) else None
        return [
            (where, server, found if isinstance(found, str) else None),
            (
                f"npmRegistries[{lookups(server)[1]}].npmAuthToken",
                creds.token,
                token if isinstance(token, str) else None,
            ),
        ]

    def _take_over_references(self, doc: YarnrcDocument, server: str, token: str) -> None:
        """The token in place of a variable reference where Yarn takes our registry's token from
        the scope, or from the top level for the default registry (see the module doc); and in
        place of the token we wrote there at an earlier refresh (our registry entry's)."""
        keys = self.server_keys()
        value = getattr(doc.node(*keys, "npmAuthToken"), "value", None)
        entries = [k for k in doc.keys("npmRegistries") if registry_key(k) in lookups(server)]
        ours = {getattr(doc.node("npmRegistries", k, "npmAuthToken"), "value", None) for k in entries} - {None}
        if value is not None and (references.reference(value) is not None or value in ours):
            doc.set(keys, "npmAuthToken", token)

    def _refuse_scope_token(self, doc: YarnrcDocument, token: str) -> None:
        keys = self.server_keys()
        if "npmAuthIdent" in doc.keys(*keys) or getattr(doc.node(*keys, "npmAuthToken"), "value", token) != token:
            where = ".".join(keys)
            raise WriterRefusedError(f"{where} holds its own credentials, which Yarn would use instead of ours")

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every ``npmAuthToken``/``npmAuthIdent`` value, and the userinfo of every URL."""
        found = [v for where, v in YarnrcDocument(text).walk_strings() if where and where[-1] in _SECRET_KEYS and v]
        return found + urls.secrets(text)
