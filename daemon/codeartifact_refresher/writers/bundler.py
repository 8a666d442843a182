"""bundler: the credentials for the repository in Bundler's user config, ``~/.bundle/config``.

For each Gemfile ``source``, Bundler takes the credentials ``Settings#credentials_for(uri)``
returns (``lib/bundler/settings.rb``, used by ``Source::Rubygems::Remote``; versions read and
tested: ``docs/writers/bundler.md``):
the setting named by the source's URL, else the one named by its host (``uri.host``: no port),
each looked up by ``Settings.key_for`` (:mod:`.formats.bundle_config`). The value is
``user:password``, unescaped as a URL's userinfo is (``CGI.unescape``), so ours is
``aws:TOKEN`` with the token percent-encoded.

- ``key: host`` (the default) owns ``BUNDLE_<HOST>``: every source on the domain's host gets the
  token, whatever the path or spelling of its URL. It depends only on the host and the token, so
  targets of one domain entry may share it. A URL setting for our repository would win over it:
  that one is ours too and gets the token as well.
- ``key: url`` owns only the setting for the repository's URL (``BUNDLE_HTTPS://HOST/RUBY/REPO/``,
  as ``bundle config set --global URL aws:TOKEN`` in the AWS CodeArtifact user guide), which
  counts only for a Gemfile ``source`` spelled as the endpoint is.

Default path, as ``Settings#global_config_file``: ``$BUNDLE_CONFIG``, ``$BUNDLE_USER_CONFIG``,
``$BUNDLE_USER_HOME/config``, else ``~/.bundle/config``. A ``BUNDLE_<HOST>`` environment variable
or an application's ``.bundle/config`` would win over this file; they belong to the environment
and the project. The ``source`` line belongs in the user's Gemfile.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from ..platform import paths
from . import base
from .base import Claim
from .formats import urls
from .formats.bundle_config import BundleConfig, key_for
from .options import option


@dataclass(frozen=True)
class Options(base.Options):
    key: Literal["host", "url"] = option(
        "host",
        description="bundler only: host sets BUNDLE_<HOST> (every source on the domain's host), "
        "url the setting for the repository's URL only",
    )


def host_key(creds: base.Credentials) -> str:
    """``BUNDLE_<HOST>`` for the endpoint's host as Bundler's ``uri.host`` gives it (no port)."""
    name = urls.host_name(urlsplit(creds.endpoint).hostname or "")
    return key_for(f"[{name}]" if ":" in name else name)


def url_key(creds: base.Credentials) -> str:
    """The setting for the repository's URL, spelled as clients compare hosts (:mod:`.urls`)."""
    parts = urlsplit(creds.endpoint)
    return key_for(f"{parts.scheme.lower()}://{creds.host}{parts.path}")


class Writer(base.Writer[Options]):
    format = "ruby"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        for name in ("BUNDLE_CONFIG", "BUNDLE_USER_CONFIG"):
            if environ.get(name):
                return Path(environ[name]).expanduser()
        if environ.get("BUNDLE_USER_HOME"):
            return Path(environ["BUNDLE_USER_HOME"]).expanduser() / "config"
        return paths.home(environ) / ".bundle" / "config"

    def claims(self) -> Iterable[Claim]:
        if self.options.key == "host":
            return [Claim("BUNDLE_<HOST> for the domain's host", shared=True)]
        return []

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = BundleConfig(current)
        value = f"aws:{quote(creds.token, safe='')}"
        if self.options.key == "host":
            doc.set(url_key(creds), value, add=False)
            doc.set(host_key(creds), value)
        else:
            doc.set(url_key(creds), value)
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our setting as Bundler's own reader (:class:`.BundleConfig`'s rules) reads it."""
        key = host_key(creds) if self.options.key == "host" else url_key(creds)
        return [(key, f"aws:{quote(creds.token, safe='')}", BundleConfig(text).top_level().get(key))]

    def find_secrets(self, text: str) -> Iterable[str]:
        """Credentials settings hold ``user:password`` or a bare token under a host or URL key
        (one with ``.``, ``__`` or ``://``): those values, every value with a ``:``, the part after
        its first ``:``, and the userinfo of URLs (mirrors)."""
        found = []
        for _, _, key, value in BundleConfig(text).entries():
            if value and ("." in key or "__" in key or "://" in key or ":" in value):
                found += [value, value.partition(":")[2]]
        return [s for s in found if s] + urls.secrets(text)
