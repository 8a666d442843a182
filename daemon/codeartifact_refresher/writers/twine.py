"""twine: a ``.pypirc`` section for the repository, listed in ``[distutils] index-servers``.

The target owns its section (``codeartifact`` unless ``name`` says otherwise) with ``repository``,
``username = aws`` and ``password``, and its name's place in ``index-servers``. A file without
``index-servers`` gets one that keeps twine's implicit ``pypi testpypi`` before our name, so that
adding us changes nothing else twine sees.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..platform import paths
from . import base
from .formats import urls
from .formats.ini import IniDocument
from .options import not_one_of, option

DEFAULT_NAME = "codeartifact"
IMPLICIT_SERVERS = ("pypi", "testpypi")  # what twine assumes without index-servers
_RESERVED = ("distutils", "server-login")
_EXPECTED_NAME = "expected a section name of letters, digits, '.', '_' or '-' (not 'distutils' or 'server-login')"


@dataclass(frozen=True)
class Options(base.Options):
    name: str = option(
        DEFAULT_NAME,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        expected=_EXPECTED_NAME,
        check=not_one_of(_RESERVED, _EXPECTED_NAME),
        description="twine only: the .pypirc section",
    )


class Writer(base.Writer[Options]):
    format = "pypi"
    Options = Options

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return paths.home(environ) / ".pypirc"

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = IniDocument(current)
        doc.add_to_list(
            "distutils",
            "index-servers",
            self.options.name,
            same=lambda word: word == self.options.name,
            initial=[s for s in IMPLICIT_SERVERS if s != self.options.name],
        )
        for key, value in (("repository", creds.endpoint), ("username", "aws"), ("password", creds.token)):
            doc.set(self.options.name, key, value)
        return doc.text()

    def claims(self) -> Iterable[str]:
        return [f"section [{self.options.name}]"]

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every ``password`` (in any section, ``[DEFAULT]`` and ``[server-login]`` too) and the
        userinfo of every URL (``repository = https://user:password@host/``)."""
        parser = configparser.RawConfigParser()
        parser.read_string(text)
        found = [parser.get(s, "password") for s in parser.sections() if parser.has_option(s, "password")]
        found += [v for k, v in parser.defaults().items() if k == "password"]
        return [*found, *urls.secrets(text)]
