"""pip: the index URL, with the token as its password, in ``pip.conf``.

By default the target owns ``[global] index-url``. With ``index: extra`` it owns one URL among the
whitespace-separated ``extra-index-url`` values (the one on our repository's host and path), and
the user's default index and other extra indexes stay as they are.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from ..platform import paths
from . import base
from .formats import urls
from .formats.ini import IniDocument
from .options import option

SECTION = "global"


def _pip_key(key: str) -> str:
    """pip's own normalisation of option names (``index_url`` is ``index-url``)."""
    return key.lower().replace("_", "-")


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def index_url(creds: base.Credentials) -> str:
    """``https://aws:TOKEN@host/pypi/repo/simple/`` from the repository endpoint."""
    parts = urlsplit(creds.endpoint)
    netloc = f"aws:{quote(creds.token, safe='')}@{parts.netloc}"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, netloc, path + "simple/", "", ""))


@dataclass(frozen=True)
class Options(base.Options):
    index: Literal["primary", "extra"] = option(
        "primary", description="pip only: primary sets index-url, extra adds to extra-index-url"
    )


class Writer(base.Writer[Options]):
    format = "pypi"
    Options = Options

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        env_file = environ.get("PIP_CONFIG_FILE")
        if env_file and env_file != os.devnull:
            return Path(env_file).expanduser()
        home = paths.home(environ)
        if paths.is_macos():
            mac = paths.application_support(environ) / "pip"
            return (mac if mac.is_dir() else home / ".config" / "pip") / "pip.conf"
        xdg = paths.xdg_config_home(environ) / "pip" / "pip.conf"
        legacy = home / ".pip" / "pip.conf"
        return legacy if legacy.exists() and not xdg.exists() else xdg

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = IniDocument(current)
        url = index_url(creds)
        if self.options.index == "primary":
            doc.set(SECTION, "index-url", url, normalize=_pip_key)
        else:
            ours = _without_userinfo(url)
            doc.add_to_list(
                SECTION,
                "extra-index-url",
                url,
                same=lambda word: _without_userinfo(word) == ours,
                normalize=_pip_key,
            )
        return doc.text()

    def claims(self) -> Iterable[str]:
        return [f"[{SECTION}] index-url"] if self.options.index == "primary" else []

    def find_secrets(self, text: str) -> Iterable[str]:
        """pip.conf holds credentials only inside URLs (index-url, extra-index-url, find-links,
        proxy...): the secret part of each one's userinfo, ours or the user's."""
        return urls.secrets(text)
