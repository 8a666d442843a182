"""twine: a ``.pypirc`` section for the repository, listed in ``[distutils] index-servers``.

The target owns its section (``codeartifact`` unless ``name`` says otherwise) with ``repository``,
``username = aws`` and ``password``, and its name's place in ``index-servers``. A file without
``index-servers`` gets one that keeps twine's implicit ``pypi testpypi`` before our name, so that
adding us changes nothing else twine sees.
"""
from __future__ import annotations

import configparser
import os
import re
from pathlib import Path
from typing import Iterable, Mapping

from ..platform import paths
from . import base
from .formats.ini import IniDocument

DEFAULT_NAME = "codeartifact"
IMPLICIT_SERVERS = ("pypi", "testpypi")  # what twine assumes without index-servers
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_RESERVED = ("distutils", "server-login")


def _name(value):
    if not isinstance(value, str) or not _NAME.match(value) or value in _RESERVED:
        raise ValueError(
            "expected a section name of letters, digits, '.', '_' or '-' "
            "(not 'distutils' or 'server-login')"
        )
    return value


class Writer(base.Writer):
    format = "pypi"
    options = {"name": (_name, DEFAULT_NAME)}

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return paths.home(environ) / ".pypirc"

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = IniDocument(current)
        doc.add_to_list(
            "distutils",
            "index-servers",
            self.name,
            same=lambda word: word == self.name,
            initial=[s for s in IMPLICIT_SERVERS if s != self.name],
        )
        for key, value in (("repository", creds.endpoint), ("username", "aws"), ("password", creds.token)):
            doc.set(self.name, key, value)
        return doc.text()

    def claims(self) -> Iterable[str]:
        return [f"section [{self.name}]"]

    def find_secrets(self, text: str) -> Iterable[str]:
        parser = configparser.RawConfigParser()
        parser.read_string(text)
        return [parser.get(s, "password") for s in parser.sections() if parser.has_option(s, "password")]
