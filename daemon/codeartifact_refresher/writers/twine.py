"""twine: a ``.pypirc`` section for the repository, listed in ``[distutils] index-servers``.

The target owns its section (``codeartifact`` unless ``name`` says otherwise) with ``repository``,
``username = aws`` and ``password``, and its name's place in ``index-servers``. Another section
holding only a token for our repository (``repository`` at its location, ``username = aws``, as
``aws codeartifact login`` writes ``[codeartifact]``) is stale once ours exists: it goes, with its
place in ``index-servers``, so that ``twine upload -r`` never picks a dead token. A file without
``index-servers`` gets one that keeps twine's implicit ``pypi testpypi`` before our name, so that
adding us changes nothing else twine sees.

With ``credentials: keyring`` the section holds ``repository`` and ``username = aws`` and no
``password`` (one we wrote before goes): twine then asks keyring for the repository URL's ``aws``
password, which the codeartifact-refresher keyring backend answers from the daemon.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..platform import paths
from . import base
from .formats import ini, urls
from .formats.ini import IniDocument
from .options import not_one_of, option

DEFAULT_NAME = "codeartifact"
#: what the read-back names as the password written with ``credentials: keyring``: none
NO_PASSWORD = "(none: from the keyring)"  # noqa: S105  # a label the read-back shows, not a password
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
    credentials: Literal["pypirc", "keyring"] = option(
        "pypirc",
        description="twine only: pypirc puts the token in the section's password, keyring nowhere "
        "(twine asks the keyring backend)",
    )


class Writer(base.Writer[Options]):
    format = "pypi"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return paths.home(environ) / ".pypirc"

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = IniDocument(current)
        for stale in _stale_sections(doc, creds.endpoint, keep=self.options.name):
            _remove_server(doc, stale)
        doc.add_to_list(
            "distutils",
            "index-servers",
            self.options.name,
            same=lambda word: word == self.options.name,
            initial=[s for s in IMPLICIT_SERVERS if s != self.options.name],
        )
        for key, value in self._written(creds).items():
            doc.set(self.options.name, key, value)
        if self.options.credentials == "keyring":
            doc.remove(self.options.name, "password")
        return doc.text()

    def _written(self, creds: base.Credentials) -> dict[str, str]:
        written = {"repository": creds.endpoint, "username": "aws"}
        return written if self.options.credentials == "keyring" else {**written, "password": creds.token}

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our section as twine's configparser reads it, and its name in ``index-servers``."""
        parser, name = ini.parsed(text, "twine"), self.options.name
        servers = parser.get("distutils", "index-servers", fallback="").split()
        found = [
            (f"[{name}] {key}", value, parser.get(name, key, fallback=None))
            for key, value in self._written(creds).items()
        ]
        if self.options.credentials == "keyring":
            password = parser.get(name, "password", fallback=None)
            found.append((f"[{name}] password", NO_PASSWORD, NO_PASSWORD if password is None else ""))
        return [*found, ("[distutils] index-servers", name, name if name in servers else None)]

    def reads_bom(self, role: str) -> bool:
        return False  # twine's configparser reads "\ufeff[distutils]" as no section: "Malformed configuration"

    def retire(self, current: str, creds: base.Credentials) -> str:
        """Our section, when it still names our repository, and its place in ``index-servers``."""
        doc = IniDocument(current)
        if self.options.name in _stale_sections(doc, creds.endpoint, keep=None, ours=self.options.name):
            _remove_server(doc, self.options.name)
        return doc.text()

    def claims(self) -> Iterable[base.Claim]:
        return [base.Claim(f"section [{self.options.name}]")]

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every ``password`` (in any section, ``[DEFAULT]`` and ``[server-login]`` too) and the
        userinfo of every URL (``repository = https://user:password@host/``)."""
        parser = configparser.RawConfigParser()
        parser.read_string(text)
        found = [parser.get(s, "password") for s in parser.sections() if parser.has_option(s, "password")]
        found += [v for k, v in parser.defaults().items() if k == "password"]
        return [*found, *urls.secrets(text)]


#: the keys of a section ``aws codeartifact login --tool twine`` writes
LOGIN_KEYS = {"repository", "username", "password"}


def _stale_sections(doc: IniDocument, endpoint: str, keep: str | None, ours: str | None = None) -> list[str]:
    """The sections other than ``keep`` that hold a token for our repository and nothing of the
    user's: ``repository`` at our location, ``username = aws``, no key but those three (what ``aws
    codeartifact login`` writes, as ``[codeartifact]``). With ``ours``, only that section, and any
    keys (our own section, for :meth:`Writer.retire`)."""
    found = []
    for section in doc.sections():
        if section in (keep, "distutils", "server-login", configparser.DEFAULTSECT) or (ours and section != ours):
            continue
        values = {entry.key.lower(): doc.value(entry) for entry in doc.entries(section)}
        if not urls.same_location(values.get("repository", ""), endpoint) or values.get("username") != "aws":
            continue
        if ours or set(values) <= LOGIN_KEYS:
            found.append(section)
    return found


def _remove_server(doc: IniDocument, name: str) -> None:
    """Remove section ``name`` and its place in ``[distutils] index-servers``."""
    doc.remove_section(name)
    doc.remove_from_list("distutils", "index-servers", lambda word: word == name)
