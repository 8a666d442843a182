"""gem (RubyGems): the repository as a source in ``.gemrc``, the push key in ``~/.gem/credentials``.

RubyGems has no per-host credentials for fetching: ``Gem::Request#fetch`` (RubyGems
``lib/rubygems/request.rb``) sends HTTP Basic auth from the *userinfo* of the source URL. So the
target owns one item of the ``:sources:`` list of the *gemrc* (the MAIN file):
``https://aws:TOKEN@HOST/ruby/REPO/``, an item at our repository's location (:mod:`.urls`: userinfo
does not count) being ours, replaced where it stands. ``source: primary`` adds it first, and makes
it the only source of a gemrc that had no list (RubyGems then drops its default rubygems.org);
``source: extra`` adds it last, and starts a missing list with RubyGems' default
``https://rubygems.org/`` so that it stays in use.

For ``gem push --key KEY`` (``Gem::GemcutterUtilities#api_key``) the target also owns one key of
the *credentials* file: ``:codeartifact_api_key: Bearer TOKEN`` by default, the form the AWS
CodeArtifact user guide gives (``push: false`` leaves this file alone). RubyGems refuses a
credentials file whose mode is not 0600 (``Gem::ConfigFile#check_credentials_permissions``); ours
are written 0600.

Both are YAML mappings with symbol keys (:mod:`.formats.ruby_yaml`). Default paths follow RubyGems
(``Gem.find_config_file``, ``Gem::ConfigFile#credentials_path``, ``lib/rubygems/defaults.rb``; the
version read: ``docs/writers/gem.md``):

- gemrc: with ``$GEMRC`` its last file (merged last, its ``:sources`` win); else ``~/.gemrc`` when
  it exists, else ``$XDG_CONFIG_HOME/gem/gemrc`` when that exists, else ``~/.gemrc``, which every
  RubyGems version reads;
- credentials: ``~/.gem/credentials`` when it exists, else ``$XDG_DATA_HOME/gem/credentials`` when
  that exists, else ``~/.gem/credentials``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from ..errors import WriterRefusedError
from ..platform import paths
from . import base
from .base import MAIN, Claim
from .formats import urls
from .formats.ruby_yaml import RubyYamlDocument
from .options import option, path_option

#: the role of ``~/.gem/credentials``
CREDENTIALS = "credentials"
SOURCES = ":sources"
#: RubyGems' default source (``Gem.default_sources``), kept when ``source: extra`` starts the list
RUBYGEMS_ORG = "https://rubygems.org/"


@dataclass(frozen=True)
class Options(base.Options):
    source: Literal["primary", "extra"] = option(
        "primary",
        description="gem only: primary puts the repository first in :sources: (alone in a new list), "
        "extra adds it last (after https://rubygems.org/ in a new list)",
    )
    key: str = option(
        "codeartifact_api_key",
        pattern=r"^[a-z_][a-z0-9_]*$",
        expected="expected a RubyGems API key name such as 'codeartifact_api_key' (for gem push --key)",
        description="gem only: the key in ~/.gem/credentials that holds 'Bearer TOKEN' for gem push --key",
    )
    push: Literal[True, False] = option(True, description="gem only: false leaves ~/.gem/credentials alone")
    credentials_path: Path | None = path_option(CREDENTIALS, "gem only: the credentials file, if not RubyGems' own")


def source_url(creds: base.Credentials) -> str:
    """``https://aws:TOKEN@host/ruby/repo/`` from the repository endpoint."""
    parts = urlsplit(creds.endpoint)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, f"aws:{quote(creds.token, safe='')}@{creds.host}", path, "", ""))


def gemrc_path(environ: Mapping[str, str] = os.environ) -> Path:
    listed = [p for p in environ.get("GEMRC", "").split(os.pathsep) if p]
    if listed:
        return Path(listed[-1]).expanduser()
    dotfile = paths.home(environ) / ".gemrc"
    xdg = paths.xdg_config_home(environ) / "gem" / "gemrc"
    return xdg if xdg.exists() and not dotfile.exists() else dotfile


def credentials_path(environ: Mapping[str, str] = os.environ) -> Path:
    home = paths.home(environ)
    dotfile = home / ".gem" / "credentials"
    xdg = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "gem" / "credentials"
    return xdg if xdg.exists() and not dotfile.exists() else dotfile


class Writer(base.MultiFileWriter[Options]):
    format = "ruby"
    files = (CREDENTIALS, MAIN)

    def roles(self) -> tuple[str, ...]:
        return self.files if self.options.push else (MAIN,)

    def default_paths(self, environ: Mapping[str, str] = os.environ) -> dict[str, Path]:
        return {CREDENTIALS: credentials_path(environ), MAIN: gemrc_path(environ)}

    def claims(self) -> Iterable[Claim]:
        found = [Claim(f":{self.options.key}", CREDENTIALS)] if self.options.push else []
        if self.options.source == "primary":
            found.append(Claim(f"the first of {SOURCES}"))
        return found

    def render_file(self, role: str, current: str | None, creds: base.Credentials) -> str:
        doc = RubyYamlDocument(current)
        if role == CREDENTIALS:
            doc.set(f":{self.options.key}", f"Bearer {creds.token}")
            return doc.text()
        url = source_url(creds)
        first = self.options.source == "primary"
        doc.put_item(SOURCES, url, lambda item: urls.same_location(item, url), first, [RUBYGEMS_ORG])
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our API key, or our source, from a YAML parse of the result (RubyGems reads both files
        with Psych; ``:name`` keys are plain strings to a YAML parser)."""
        import yaml

        try:
            data: Any = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            raise WriterRefusedError("RubyGems would not read the result as YAML") from None
        data = data if isinstance(data, dict) else {}
        if role == CREDENTIALS:
            key, value = f":{self.options.key}", f"Bearer {creds.token}"
            found = data.get(key)
            return [(key, value, found if isinstance(found, str) else None)]
        url, sources = source_url(creds), data.get(SOURCES)
        return [(SOURCES, url, url if isinstance(sources, list) and url in sources else None)]

    def find_file_secrets(self, role: str, text: str) -> Iterable[str]:
        """The credentials file: every value (each is an API key), and a ``Bearer`` value's token.
        The gemrc: the secret part of every URL's userinfo (sources, proxies)."""
        if role != CREDENTIALS:
            return urls.secrets(text)
        values = [v for v in RubyYamlDocument(text).strings() if v]
        return values + [v.partition(" ")[2] for v in values if v.startswith("Bearer ")] + urls.secrets(text)
