"""token: the bare token, alone in its file, for whatever reads a token from a file.

The target owns the whole file (``whole_file``): its text is the token, without a newline, as
``$(cat FILE)``, ``--password-stdin < FILE``, a Docker/Kubernetes secret file or Gradle's
``file(...).text`` take it. The file layer creates it 0600. The default path is this program's
user state directory (``~/.local/state/codeartifact-refresher/token`` on Linux, beside the state
file; kept across reboots, unlike ``$XDG_RUNTIME_DIR``): a second token target needs its own
``path``, as the config check says.

A CodeArtifact token is valid for every repository and format of its domain, so the endpoint is
not written; ``format`` only chooses which endpoint the program looks up for the target
(``generic`` by default; the format of another target of the same repository shares its lookup).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..platform import paths
from . import base
from .options import option

#: GetRepositoryEndpoint's formats
FORMATS = ("pypi", "npm", "maven", "nuget", "generic", "ruby", "swift", "cargo")
Format = Literal["pypi", "npm", "maven", "nuget", "generic", "ruby", "swift", "cargo"]


@dataclass(frozen=True)
class Options(base.Options):
    format: Format = option(
        "generic",
        description="token only: the package format whose endpoint is looked up (the token is the same for all)",
    )


class Writer(base.Writer[Options]):
    format = "generic"
    whole_file = True

    def repository_format(self) -> str:
        return self.options.format

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return paths.user_state_dir(environ) / paths.APP / "token"

    def render(self, current: str | None, creds: base.Credentials) -> str:
        return creds.token

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        return [("the token file", creds.token, text)]

    def find_secrets(self, text: str) -> Iterable[str]:
        """The file's whole text, less surrounding whitespace: it is a token (ours or an old one)."""
        return [text.strip()] if text.strip() else []
