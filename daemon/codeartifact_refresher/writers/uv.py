"""uv: an ``[[index]]`` in the user's ``uv.toml``, and the token in netrc (or in the URL).

uv reads its user config at ``$XDG_CONFIG_HOME/uv/uv.toml`` (an absolute ``XDG_CONFIG_HOME``
only), else ``~/.config/uv/uv.toml`` (``uv-dirs``' ``user_config_dir``, through etcetera's XDG
strategy, on macOS too), and the project's ``uv.toml`` or ``pyproject.toml [tool.uv]`` over it.
``UV_CONFIG_FILE`` (``--config-file``) makes uv read that file *instead* (``crates/uv/src/lib.rs``):
the default path follows it, as pip's follows ``PIP_CONFIG_FILE``.

The target owns the ``[[index]]`` table whose ``name`` is its ``name`` option (``codeartifact``):
``url`` is the repository's ``simple/`` URL; ``index: primary`` (the default) sets
``default = true``, which replaces PyPI, and ``extra`` leaves the table without it, so uv tries it
before the default index. Names are checked as uv's ``IndexName::new`` checks them.

A config file cannot hold uv's credentials except inside the URL. With ``credentials: netrc``
(the default) the URL stays clean and the token goes to the netrc file (role ``netrc``, written
first), which uv reads (``uv-auth``'s ``Credentials::from_netrc``: ``$NETRC`` else ``~/.netrc``) for
any index URL without credentials; ``credentials: url`` puts ``aws:TOKEN@`` in the URL instead.
``no-index = true`` in the file, which makes uv ignore every index, is refused, and so is
``authenticate = "never"`` in our ``[[index]]``: uv then sends no credentials to it, neither the
netrc's nor the URL's (``AuthPolicy::Never``, ``crates/uv-auth/src/index.rs``).

With ``credentials: keyring`` no token is written anywhere: the URL carries the user ``aws``
(``https://aws@HOST/...``: uv asks ``keyring get URL aws`` for a URL's user's password) and the
target also owns the top-level ``keyring-provider = "subprocess"`` (uv's only provider besides
``disabled``, its default), so uv runs the ``keyring`` command on PATH, which the
codeartifact-refresher backend answers from the daemon.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import WriterError, WriterRefusedError
from ..platform import paths
from . import base
from . import netrc as netrc_writer
from .formats import toml, urls
from .formats.toml import TomlDocument, set_in
from .options import option, path_option
from .pip import index_url

NETRC = netrc_writer.ROLE
KEYRING_PROVIDER = "keyring-provider"
DEFAULT_NAME = "codeartifact"


@dataclass(frozen=True)
class Options(base.Options):
    name: str = option(
        DEFAULT_NAME,
        pattern=r"^[A-Za-z0-9._-]+$",
        expected="expected a uv index name: letters, digits, '-', '_' or '.'",
        description="uv only: the [[index]] name",
    )
    index: Literal["primary", "extra"] = option(
        "primary", description="uv only: primary makes the index the default (replacing PyPI), extra adds it"
    )
    credentials: Literal["netrc", "url", "keyring"] = option(
        "netrc",
        description="uv only: netrc puts the token in the netrc file, url in the index URL, keyring nowhere "
        "(the URL names the user aws; keyring-provider = subprocess asks the keyring backend)",
    )
    netrc: Path | None = path_option(NETRC, "uv only: the netrc file for credentials: netrc (default ~/.netrc)")


def default_path(environ: Mapping[str, str]) -> Path:
    env_file = environ.get("UV_CONFIG_FILE")
    if env_file:
        return Path(env_file).expanduser()
    xdg = environ.get("XDG_CONFIG_HOME", "")
    base_dir = Path(xdg) if os.path.isabs(xdg) else paths.home(environ) / ".config"
    return base_dir / "uv" / "uv.toml"


class Writer(netrc_writer.NetrcCredentials[Options]):
    format = "pypi"

    def uses_netrc(self) -> bool:
        return self.options.credentials == "netrc"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return default_path(environ)

    def url(self, creds: base.Credentials) -> str:
        """Our index URL: with the token (url), the user alone (keyring) or neither (netrc)."""
        mode = self.options.credentials
        return index_url(creds, with_token=mode == "url", user=mode == "keyring")

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = TomlDocument(current)
        if doc.get("no-index") is True:
            raise WriterRefusedError("no-index = true makes uv ignore every index: remove it")
        url = self.url(creds)
        if self.options.credentials == "keyring":
            set_in(doc.doc, KEYRING_PROVIDER, "subprocess")
        tables = doc.tables("index")
        if not all(isinstance(t.get("url"), str) for t in tables):
            raise WriterError("an [[index]] without a url: uv refuses the file")
        ours = [t for t in tables if t.get("name") == self.options.name]
        if any(t.get("authenticate") == "never" for t in ours):
            raise WriterRefusedError(
                f'the [[index]] named {self.options.name} has authenticate = "never", which makes uv '
                "send it no credentials: remove it"
            )
        primary = self.options.index == "primary"
        if primary and any(t.get("default") is True for t in tables if not any(t is o for o in ours)):
            raise WriterRefusedError("another [[index]] is the default (default = true): uv takes one default")
        if not ours:
            doc.add_table("index", {"name": self.options.name, "url": url, **({"default": True} if primary else {})})
            return doc.text()
        for table in ours:
            set_in(table, "url", url)
            if primary:
                set_in(table, "default", True)
            elif "default" in table:
                del table["default"]
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our ``[[index]]``'s url as a TOML parser reads it (every table of that name)."""
        if role != base.MAIN:
            return super().read_back(role, text, creds)
        url = self.url(creds)
        parsed = toml.parsed(text, "uv")
        tables = parsed.get("index", [])
        urls_read = [t.get("url") for t in tables if isinstance(t, dict) and t.get("name") == self.options.name]
        key = f"[[index]] named {self.options.name} url"
        found = [(key, url, u if isinstance(u, str) else None) for u in urls_read] or [(key, url, None)]
        if self.options.credentials == "keyring":
            provider = parsed.get(KEYRING_PROVIDER)
            found.append((KEYRING_PROVIDER, "subprocess", provider if isinstance(provider, str) else None))
        return found

    def claims(self) -> Iterable[base.Claim]:
        found = [base.Claim(f"[[index]] named {self.options.name}")]
        found += [base.Claim("the default [[index]]")] if self.options.index == "primary" else []
        found += [base.Claim(KEYRING_PROVIDER)] if self.options.credentials == "keyring" else []
        return found + self.netrc_claims()

    def find_secrets(self, text: str) -> Iterable[str]:
        """uv.toml holds credentials only in URLs' userinfo (index URLs, find-links...)."""
        return urls.secrets(text)
