"""Yarn 1 (classic): npm's ``.npmrc`` entries, plus the ``always-auth`` Yarn 1 needs.

Yarn 1 reads registries and tokens from the same ``.npmrc`` files npm reads (its
``src/registries/npm-registry.js`` ``getPossibleConfigLocations``: the project's and every parent
folder's ``.npmrc``, the user file, ``$PREFIX/etc/npmrc``), so the target writes :mod:`.npm`'s
entries in the user's ``.npmrc``. But ``NpmRegistry.request`` sends the token only to a
*scoped* package, or when ``always-auth`` is set (``getRegistryOrGlobalOption``: first the
per-registry ``//host/path/:always-auth``, then the global key); ``requestNeedsAuth`` does not
replace it. Its own ``.yarnrc`` (``yarn-registry.js``) is not consulted for this: the npm registry
reads only npm's files and ``npm_config_*`` variables.

npm warns ``Unknown user config "always-auth"`` about every spelling of that key it reads, and
every file Yarn 1 reads it from is one npm reads too (for a user who is not root): no file
satisfies Yarn 1 without npm's warning. The least harmful form is the per-registry one,
``//host/path/:always-auth=true``: it changes nothing for other registries, and npm only warns.
It is written for the default registry only (``always_auth: false`` leaves it out); a ``scope``
target needs none, Yarn 1 authenticates scoped packages anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import base, npm
from .formats import npmrc, urls
from .formats.npmrc import NpmrcDocument
from .options import option


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


@dataclass(frozen=True)
class Options(npm.Options):
    always_auth: bool = option(
        True,
        check=_boolean,
        description="yarn-classic only: write //host/path/:always-auth=true for the default registry "
        "(Yarn 1 sends no token for unscoped packages without it; npm 9+ warns about the key)",
    )


def always_auth_key(creds: base.Credentials) -> str:
    return f"//{creds.host}{creds.path}:always-auth"


class Writer(npm.NpmrcWriter[Options]):  # npm's options and one more
    def render(self, current: str | None, creds: base.Credentials) -> str:
        # Yarn 1 looks keys up by the registry URL as written: write it as the auth lines spell it
        canonical = dataclasses.replace(creds, endpoint=urls.normalized(creds.endpoint))
        doc = NpmrcDocument(super().render(current, canonical))
        if self.options.always_auth and not self.options.scope:
            doc.set(always_auth_key(canonical), "true")
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        canonical = dataclasses.replace(creds, endpoint=urls.normalized(creds.endpoint))
        found = list(super().read_back(role, text, canonical))
        if self.options.always_auth and not self.options.scope:
            found.append((always_auth_key(canonical), "true", npmrc.read(text).get(always_auth_key(canonical))))
        return found
