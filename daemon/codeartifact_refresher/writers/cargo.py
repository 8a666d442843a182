"""cargo: an alternative registry in ``config.toml`` and its token in ``credentials.toml``.

The target owns the *registry table* ``[registries.NAME]`` (``name`` option, default
``codeartifact``) in two files of the *cargo home* (``$CARGO_HOME``, else ``~/.cargo``; cargo's
``home::cargo_home_with_cwd``):

- the *config* file (role ``main``): ``index = "sparse+ENDPOINT"`` and
  ``credential-provider = "cargo:token"``. cargo refuses to send a token to a registry that asks
  for one (``auth-required`` in its ``config.json``) unless a credential provider is configured
  for it or in ``registry.global-credential-providers`` ("authenticated registries require a
  credential-provider to be configured": ``credential_provider`` in cargo's
  ``src/util/auth/mod.rs``); naming ``cargo:token`` for this registry also wins over a user's
  global providers that leave ``cargo:token`` out, or an older per-registry provider;
- the *credentials* file (role ``credentials``, written first): ``token = "Bearer TOKEN"``, the
  form CodeArtifact expects; cargo sends the value as it is in the ``Authorization`` header.

With ``credentials: provider`` no token is written: the registry's ``credential-provider`` is
:data:`HELPER` (our console script, which cargo finds on its PATH and runs with ``--cargo-plugin``:
cargo passes a provider's configured arguments inside the request, so it is a program of its own
rather than a subcommand), which answers
cargo from the daemon's cache (:mod:`...helpers.cargo_provider`), and the credentials file is not
written; the token an earlier ``credentials: file`` left there is removed when the switch retires
that target (:meth:`Writer.retire_file`: no token at rest).

Options: ``default: true`` also owns ``[registry] default`` (``cargo publish`` without
``--registry``); ``replace_crates_io: true`` owns ``[source.crates-io] replace-with`` (crates.io
dependencies through the repository's upstream, as AWS documents for a crates.io external
connection).

Each file is ``NAME`` when it exists, else ``NAME.toml``: cargo prefers the legacy name without an
extension (``GlobalContext::get_file_path`` in cargo's ``src/context/mod.rs``, which
``save_credentials`` follows too). A foreign registry with the same index URL is refused: cargo
stops with "multiple registries are configured with the same index url". Environment variables
(``CARGO_REGISTRIES_NAME_TOKEN``...) and project ``.cargo/config.toml`` files override these files;
they belong to where cargo runs, not to the files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from ..errors import WriterError, WriterRefusedError
from ..platform import paths
from . import base
from .formats import toml, urls
from .formats.toml import TomlDocument, dotted
from .options import option, path_option

CREDENTIALS = "credentials"
PROVIDER = "cargo:token"
#: the credential provider of ``credentials: provider``: our command, which cargo runs with ``--cargo-plugin``
HELPER = "cargo-credential-codeartifact-refresher"
#: keys whose values are secrets in cargo's files (``token`` anywhere, ``secret-key`` for PASETO)
SECRET_KEYS = ("token", "secret-key")
#: cargo's rule for registry names (``validate_name`` in ``cargo-util-schemas``), in ASCII: a
#: letter or ``_`` first, then letters, digits, ``_`` and ``-``. cargo also takes non-ASCII XID
#: letters, which ``CARGO_REGISTRIES_NAME_*`` variables cannot spell.
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
#: a secret key's string on one line, for text that does not parse (``token = "Bearer X"``)
_SECRET_LINE = re.compile(r"""(?m)^[ \t]*["']?(?:token|secret-key)["']?[ \t]*=[ \t]*["']+(?:Bearer )?([^"'\r\n]*)""")


BOOLEAN = "expected true or false"


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(BOOLEAN)
    return value


@dataclass(frozen=True)
class Options(base.Options):
    name: str = option(
        "codeartifact",
        pattern=NAME_PATTERN,
        expected="expected a cargo registry name: a letter or _ first, then letters, digits, _ or -",
        description="cargo only: the registry name, [registries.NAME], that Cargo.toml dependencies name",
    )
    default: Literal[True, False] = option(
        False,
        check=_boolean,
        expected=BOOLEAN,
        description="cargo only: also set [registry] default (cargo publish without --registry)",
    )
    replace_crates_io: Literal[True, False] = option(
        False,
        check=_boolean,
        expected=BOOLEAN,
        description="cargo only: also set [source.crates-io] replace-with, so crates.io crates come through the repository",
    )
    credentials: Literal["file", "provider"] = option(
        "file",
        description="cargo only: file puts the token in credentials.toml, provider nowhere "
        "(credential-provider: cargo-credential-codeartifact-refresher asks the daemon)",
    )
    credentials_path: Path | None = path_option(
        CREDENTIALS, "cargo only: the credentials file (default: in the cargo home)"
    )


def cargo_home(environ: Mapping[str, str] = os.environ) -> Path:
    """``$CARGO_HOME`` (relative to the working directory, as cargo takes it), else ``~/.cargo``."""
    configured = environ.get("CARGO_HOME")
    if configured:
        return Path.cwd() / configured
    return paths.home(environ) / ".cargo"


def cargo_file(home: Path, stem: str) -> Path:
    """``home/stem`` when it exists (cargo prefers it), else ``home/stem.toml``."""
    legacy = home / stem
    return legacy if legacy.exists() else home / f"{stem}.toml"


def index_url(creds: base.Credentials) -> str:
    """``sparse+https://host/cargo/repo/``: the endpoint with its host as cargo compares it."""
    parts = urlsplit(creds.endpoint)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"sparse+{parts.scheme.lower()}://{creds.host}{path}"


def _same_index(a: object, b: str) -> bool:
    return isinstance(a, str) and a.startswith("sparse+") and urls.same_location(a[7:], b[7:])


class Writer(base.MultiFileWriter[Options]):
    format = "cargo"
    files = (CREDENTIALS, base.MAIN)

    def uses_provider(self) -> bool:
        return self.options.credentials == "provider"

    def roles(self) -> tuple[str, ...]:
        return (base.MAIN,) if self.uses_provider() else self.files

    def provider(self) -> str:
        return HELPER if self.uses_provider() else PROVIDER

    def default_paths(self, environ: Mapping[str, str] = os.environ) -> dict[str, Path]:
        home = cargo_home(environ)
        return {CREDENTIALS: cargo_file(home, "credentials"), base.MAIN: cargo_file(home, "config")}

    def render_file(self, role: str, current: str | None, creds: base.Credentials) -> str:
        doc = TomlDocument(current)
        table = ("registries", self.options.name)
        if role == CREDENTIALS:
            if doc.get(*table, "credential-provider") is not None:
                raise WriterRefusedError(
                    f"{dotted(table)} in the credentials file sets credential-provider, which cargo "
                    "would use instead of the token: remove it"
                )
            doc.set(table, "token", f"Bearer {creds.token}")
            return doc.text()
        if role != base.MAIN:
            raise NotImplementedError(f"cargo has no file role {role!r}")
        self._set_config(doc, index_url(creds))
        return doc.text()

    def _set_config(self, doc: TomlDocument, index: str) -> None:
        registries = doc.get("registries")
        for other, table in registries.items() if isinstance(registries, dict) else ():
            if other != self.options.name and isinstance(table, dict) and _same_index(table.get("index"), index):
                raise WriterRefusedError(
                    f"{dotted(['registries', other])} has this repository's index too, and cargo refuses "
                    "two registries with one index: remove it, or name it in this target's 'name' option"
                )
        table = ("registries", self.options.name)
        doc.set(table, "index", index)
        doc.set(table, "credential-provider", self.provider())
        if self.options.default:
            doc.set(("registry",), "default", self.options.name)
        if self.options.replace_crates_io:
            doc.set(("source", "crates-io"), "replace-with", self.options.name)

    def retire_file(self, role: str, current: str, creds: base.Credentials) -> str:
        """The token leaves the credentials file (its table too, when that was all it held: a target
        switched to ``credentials: provider`` keeps no token at rest); the config file's registry
        table stays, as it did before (cargo then asks for a token it no longer has)."""
        if role != CREDENTIALS:
            return current
        doc = TomlDocument(current)
        table = ("registries", self.options.name)
        doc.remove(table, "token")
        if doc.get(*table) == {}:
            doc.remove(("registries",), self.options.name)
            if doc.get("registries") == {}:
                doc.remove((), "registries")
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        table = ("registries", self.options.name)
        if role == CREDENTIALS:
            return toml.read_back(text, "cargo", ((*table, "token"), f"Bearer {creds.token}"))
        entries = [((*table, "index"), index_url(creds))]
        entries += [((*table, "credential-provider"), HELPER)] if self.uses_provider() else []
        return toml.read_back(text, "cargo", *entries)

    def find_file_secrets(self, role: str, text: str) -> Iterable[str]:
        """Every ``token`` and ``secret-key`` value (with and without ``Bearer ``), ours or the
        user's, and the secret part of every URL (a proxy's password)."""
        found = urls.secrets(text) + [m.group(1) for m in _SECRET_LINE.finditer(text)]
        try:
            strings = list(TomlDocument(text).walk_strings())
        except WriterError:  # not TOML: the line scan above is all there is
            strings = []
        for keys, value in strings:
            if keys and keys[-1] in SECRET_KEYS:
                found += [value, value.removeprefix("Bearer ")]
        return found

    def claims(self) -> Iterable[base.Claim]:
        if not self.uses_provider():
            yield base.Claim(f"[registries.{self.options.name}]", CREDENTIALS)
        yield base.Claim(f"[registries.{self.options.name}]")
        if self.options.default:
            yield base.Claim("[registry] default")
        if self.options.replace_crates_io:
            yield base.Claim("[source.crates-io] replace-with")
