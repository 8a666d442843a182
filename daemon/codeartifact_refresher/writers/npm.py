"""npm: the registry and its ``_authToken`` line in ``.npmrc``.

The target owns ``registry=`` (or ``@scope:registry=`` with ``scope``) and the auth line for our
repository, ``//host/path/:_authToken=``, with the host spelled as npm looks it up (its
``nerfDart``: WHATWG ``new URL(...).host``, lower-case, IDNA-encoded, no default port; see
:mod:`.urls`). npm compares these keys as plain strings, so an auth line whose host differs from
ours only in case or IDNA spelling (one npm never uses) is ours, and is rewritten in our spelling.
Both live at the top level of the file, before any ``[section]``, which is where npm reads them.
An ``always-auth`` line (the global one, or our repository's, which ``aws codeartifact login``
writes) is removed: npm rejects the setting and warns about it on every run (which versions:
``docs/writers/npm.md``). Lines follow npm's ``ini`` grammar: ``key=value``, comments start with
``#`` or ``;``, and a line ``[name]`` at column 0 opens a section.

An auth line for our repository with the scheme's default port written out (``//host:443/path/``)
is one npm never reads (its nerf dart drops a default port) but older pnpm, reading the same file,
needed (see :mod:`.pnpm`): an existing one gets the new token too, and goes when the target
retires, so that no client is left a dead token. None is added.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from ..platform import paths
from . import base
from .formats import npmrc, urls
from .formats.npmrc import NpmrcDocument
from .options import npm_scope

#: keys (or, for the per-registry ``//host/path/:KEY`` form, key endings) whose value is a credential:
#: tokens, base64 user:password, passwords, an inline client key (PEM), a one-time password
_SECRET_KEYS = ("_authtoken", "_auth", "_password", "key", "otp")


@dataclass(frozen=True)
class Options(base.Options):
    scope: str | None = npm_scope("npm only: a scoped registry (@scope:registry) instead of the default one")


def _auth_key(host: str, path: str) -> str:
    return f"//{host}{path}:_authToken"


def _respelled(key: str, creds: base.Credentials, setting: str = "_authToken") -> bool:
    """Whether ``key`` is our repository's ``//host/path/:SETTING`` key with its host spelled in
    another case or script (its port, if any, as written: ``//host:443/`` is a line pnpm may need,
    not a misspelling)."""
    host, slash, rest = key.removeprefix("//").partition("/")
    return key.startswith("//") and f"//{urls.host_name(host)}{slash}{rest}" == f"//{creds.host}{creds.path}:{setting}"


def _default_port(creds: base.Credentials) -> int | None:
    """The endpoint scheme's default port (443 for https), or None when the endpoint names a port."""
    has_port = ":" in creds.host.rsplit("]", 1)[-1]  # an IPv6 address's colons are in brackets
    return None if has_port else urls.DEFAULT_PORTS.get(urlsplit(creds.endpoint).scheme.lower())


def _at_default_port(key: str, creds: base.Credentials, setting: str = "_authToken") -> bool:
    """Whether ``key`` is our repository's ``//host:PORT/path/:SETTING`` key with ``PORT`` the
    endpoint scheme's default (``//host:443/...`` for https), its host spelled in any case."""
    host, slash, rest = key.removeprefix("//").partition("/")
    name, _, port = host.rpartition(":")
    ours = f"//{urls.host_name(name)}{slash}{rest}" == f"//{creds.host}{creds.path}:{setting}"
    return key.startswith("//") and port == str(_default_port(creds)) and ours


def _ours(key: str, creds: base.Credentials, setting: str = "_authToken") -> bool:
    """Whether ``key`` is our repository's ``SETTING`` key, its host spelled in any way."""
    return _respelled(key, creds, setting) or _at_default_port(key, creds, setting)


def _always_auth(key: str, creds: base.Credentials) -> bool:
    """An ``always-auth`` line npm 9+ rejects and npm 11 warns about on every run: the global one,
    or our repository's (``aws codeartifact login`` writes it)."""
    return key in ("always-auth", "always_auth") or _ours(key, creds, "always-auth")


NpmOptionsT = TypeVar("NpmOptionsT", bound=Options)


class NpmrcWriter(base.Writer[NpmOptionsT]):
    """npm's entries in an ``.npmrc``, for npm and the tools that read its file (options: a
    subclass of npm's :class:`Options`)."""

    format = "npm"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        for name, value in environ.items():  # npm reads npm_config_* case-insensitively
            if name.lower() == "npm_config_userconfig" and value:
                return Path(value).expanduser()
        return paths.home(environ) / ".npmrc"

    @property
    def registry_key(self) -> str:
        return f"{self.options.scope}:registry" if self.options.scope else "registry"

    def claims(self) -> Iterable[base.Claim]:
        return [base.Claim(self.registry_key)]

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = NpmrcDocument(current)
        doc.remove(lambda key, value: _always_auth(key, creds))
        doc.set(self.registry_key, creds.endpoint)
        doc.set(_auth_key(creds.host, creds.path), creds.token, same=lambda key: _respelled(key, creds))
        port = _default_port(creds)
        if port is not None:  # an existing //host:443/path/ line (older pnpm's) gets the token too
            spelled = _auth_key(f"{creds.host}:{port}", creds.path)
            doc.set(spelled, creds.token, lambda key: _at_default_port(key, creds), add=False)
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our registry and auth lines as npm's ``ini`` reads them (:func:`.npmrc.read`)."""
        settings = npmrc.read(text)
        written = {self.registry_key: creds.endpoint, _auth_key(creds.host, creds.path): creds.token}
        return [(key, value, settings.get(key)) for key, value in written.items()]

    def retire(self, current: str, creds: base.Credentials) -> str:
        """Our registry line (when it still names our repository) goes, and so do the auth and
        always-auth lines, unless another registry line still names our repository (another
        scope's, or the one ``login`` wrote): without them npm would get 401 there at once."""
        doc = NpmrcDocument(current)
        doc.remove(lambda key, value: key == self.registry_key and urls.same_location(value, creds.endpoint))
        if not any(_is_registry(k) and urls.same_location(v, creds.endpoint) for k, v in doc.top_items()):
            doc.remove(lambda key, value: _ours(key, creds) or _ours(key, creds, "always-auth"))
        return doc.text()

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every credential key's value, in any section, and the userinfo of every URL (a
        ``proxy``, ``https-proxy`` or ``registry`` with ``user:password@``)."""
        doc = NpmrcDocument(text)
        found = [v for raw in (False, True) for k, v in doc.items(raw) if _is_secret_key(k) and v]
        return found + urls.secrets(text)


class Writer(NpmrcWriter[Options]):
    """npm's writer."""


def _is_registry(key: str) -> bool:
    return key == "registry" or (key.startswith("@") and key.endswith(":registry"))


def _is_secret_key(key: str) -> bool:
    name = key.rsplit(":", 1)[-1].lower()  # "//host/path/:_authToken" -> "_authtoken"
    return name in _SECRET_KEYS
