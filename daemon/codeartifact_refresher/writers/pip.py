"""pip: the index URL, with the token as its password, in ``pip.conf``.

By default the target owns ``[global] index-url``. With ``index: extra`` it owns one URL among the
whitespace-separated ``extra-index-url`` values (the one at our repository's location, see
:mod:`.urls`), and the user's default index and other extra indexes stay as they are. Either way
our repository is listed once: the other key's value at its location (an old token that ``aws
codeartifact login`` or this target with another ``index`` left) is removed, so pip never tries a
dead token and warns ``401 Error, Credentials not correct``.

pip reads ``[global]`` and then the section named for the command it runs (``[install]``,
``[download]``...; :data:`COMMANDS` lists those that take index options), and configparser gives
every section the ``[DEFAULT]`` section's options it does not set itself. A command section's
non-empty value (its own or ``[DEFAULT]``'s) therefore *overrides* ``[global]`` for that command.
So that the token reaches every command pip runs:

- primary: an overriding ``index-url`` at our repository's location gets the new token too; one
  naming another index is refused with an error naming its section (pip would not use ours);
- extra: every overriding ``extra-index-url`` list gets our URL too (pip takes the command's list
  instead of ``[global]``'s, not in addition to it).

With ``credentials: netrc`` the URL carries no token: the token goes to the netrc file (role
``netrc``, written first; ``~/.netrc`` or ``$NETRC`` unless the ``netrc`` option moves it), where pip
finds it through requests' ``get_netrc_auth`` for any index URL without credentials of its own
(pip's ``network/auth.py``). Our old URL holding a token is at the same location as the clean
one, so switching from ``url`` replaces it.

With ``credentials: keyring`` the URL carries the user ``aws`` and no token anywhere
(``https://aws@HOST/pypi/REPO/simple/``): pip asks keyring for that user's password, which the
codeartifact-refresher keyring backend answers from the daemon (:mod:`...helpers.keyring_backend`).
The target then also owns ``[global] keyring-provider`` (the ``keyring_provider`` option:
``subprocess`` runs the ``keyring`` command on PATH, ``import`` uses keyring in pip's own
environment; pip 23.1+), since pip's default, ``auto``, consults no keyring under ``--no-input``.

Option names are read as pip reads them (``index_url`` and ``--index-url`` are ``index-url``); a
section that spells one option twice is refused rather than guessed at. ``PIP_*`` environment
variables, which override every file, belong to the environment pip runs in, not to the file.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from ..errors import WriterRefusedError
from ..platform import paths
from . import base
from . import netrc as netrc_writer
from .formats import ini, urls
from .formats.ini import Entry, IniDocument
from .options import option, path_option

SECTION = "global"
NETRC = netrc_writer.ROLE  # the role of the netrc file with credentials: netrc
DEFAULT = configparser.DEFAULTSECT
#: pip's commands that take index options (``index_group``), each reading its own section
#: pip's setting naming how it reaches keyring (``credentials: keyring``)
KEYRING_PROVIDER = "keyring-provider"
COMMANDS = ("install", "download", "wheel", "index", "list", "lock")


def _pip_key(key: str) -> str:
    """pip's own normalisation of option names (``index_url`` and ``--index-url`` are ``index-url``)."""
    key = key.lower().replace("_", "-")
    return key[2:] if key.startswith("--") else key


def index_url(creds: base.Credentials, with_token: bool = True, user: bool = False) -> str:
    """``https://aws:TOKEN@host/pypi/repo/simple/`` from the repository endpoint (without
    ``aws:TOKEN@`` when the token goes to netrc; ``aws@`` alone with ``user``, for a keyring)."""
    parts = urlsplit(creds.endpoint)
    netloc = f"aws:{quote(creds.token, safe='')}@{creds.host}" if with_token else creds.host
    netloc = f"aws@{netloc}" if user and not with_token else netloc
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, netloc, path + "simple/", "", ""))


def _overrides(doc: IniDocument, key: str) -> Iterator[tuple[str, str, Entry]]:
    """(command, section holding the value, entry) for each command section of the file that
    gives ``key`` a non-empty value of its own or from ``[DEFAULT]``: what pip takes instead of
    ``[global]``'s value when it runs that command."""
    present = doc.sections()
    for command in (c for c in COMMANDS if c in present):
        own = doc.find(command, key)
        holder, entries = (command, own) if own else (DEFAULT, doc.find(DEFAULT, key))
        if entries and doc.value(entries[-1]):
            yield command, holder, entries[-1]


def _foreign_override(command: str, holder: str, key: str) -> WriterRefusedError:
    via = "" if holder == command else f" (through [{command}])"
    return WriterRefusedError(
        f"[{holder}] {key} names another index, and 'pip {command}' reads it{via} instead of "
        f"[{SECTION}] {key}: remove it, or point it at this repository"
    )


@dataclass(frozen=True)
class Options(base.Options):
    index: Literal["primary", "extra"] = option(
        "primary", description="pip only: primary sets index-url, extra adds to extra-index-url"
    )
    credentials: Literal["url", "netrc", "keyring"] = option(
        "url",
        description="pip only: url puts the token in the index URL, netrc in the netrc file, keyring nowhere "
        "(the URL names the user aws; the keyring backend asks the daemon)",
    )
    keyring_provider: Literal["subprocess", "import"] = option(
        "subprocess", description="pip only: with credentials: keyring, pip's keyring-provider setting"
    )
    netrc: Path | None = path_option(NETRC, "pip only: the netrc file for credentials: netrc (default ~/.netrc)")


class Writer(netrc_writer.NetrcCredentials[Options]):
    format = "pypi"

    def uses_netrc(self) -> bool:
        return self.options.credentials == "netrc"

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

    def uses_keyring(self) -> bool:
        return self.options.credentials == "keyring"

    def url(self, creds: base.Credentials) -> str:
        """Our index URL: with the token, the user alone (keyring) or neither (netrc)."""
        return index_url(creds, with_token=self.options.credentials == "url", user=self.uses_keyring())

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = IniDocument(current, normalize=_pip_key)
        url = self.url(creds)
        if self.options.index == "primary":
            _set_primary(doc, url)
        else:
            _add_extra(doc, url)
        if self.uses_keyring():
            doc.set(SECTION, KEYRING_PROVIDER, self.options.keyring_provider)
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our URL in ``[global]`` as pip's configparser reads it (``index-url``, or one of
        ``extra-index-url``'s whitespace-separated URLs); the netrc entry for that role."""
        if role != base.MAIN:
            return super().read_back(role, text, creds)
        url = self.url(creds)
        values = {_pip_key(k): v for k, v in ini.parsed(text, "pip").items(SECTION)} if text.strip() else {}
        found = []
        if self.uses_keyring():
            provider = self.options.keyring_provider
            found.append((f"[{SECTION}] {KEYRING_PROVIDER}", provider, values.get(KEYRING_PROVIDER)))
        if self.options.index == "primary":
            return [*found, (f"[{SECTION}] index-url", url, values.get("index-url"))]
        extra = values.get("extra-index-url", "").split()
        return [*found, (f"[{SECTION}] extra-index-url", url, url if url in extra else None)]

    def reads_bom(self, role: str) -> bool:
        return False  # pip.conf: configparser reads "\ufeff[global]" as no section; the netrc: a bad token

    def retire(self, current: str, creds: base.Credentials) -> str:
        """Our repository's index-url and extra-index-url values leave every section (the netrc
        entry goes by :meth:`~.netrc.NetrcCredentials.retire_file`)."""
        doc = IniDocument(current, normalize=_pip_key)
        url = index_url(creds, with_token=False)
        for key in ("index-url", "extra-index-url"):
            _drop(doc, key, url)
        return doc.text()

    def claims(self) -> Iterable[base.Claim]:
        found = [base.Claim(f"[{SECTION}] index-url")] if self.options.index == "primary" else []
        found += [base.Claim(f"[{SECTION}] {KEYRING_PROVIDER}")] if self.uses_keyring() else []
        return found + self.netrc_claims()

    def find_secrets(self, text: str) -> Iterable[str]:
        """pip.conf holds credentials only inside URLs (index-url, extra-index-url, find-links,
        proxy...): the secret part of each one's userinfo, ours or the user's."""
        return urls.secrets(text)


def _index_sections(doc: IniDocument) -> list[str]:
    """The sections pip reads index options from: ``[global]``, ``[DEFAULT]`` and each command's."""
    present = doc.sections()
    return [SECTION, DEFAULT, *(c for c in COMMANDS if c in present)]


def _drop(doc: IniDocument, key: str, url: str) -> None:
    """Remove every ``key`` value at ``url``'s location, whatever token or host spelling it holds
    (``aws codeartifact login`` left it, or this target with another ``index``)."""
    here = lambda value: urls.same_location(value, url)  # noqa: E731
    for section in _index_sections(doc):
        if key == "index-url":
            doc.remove(section, key, here)
        else:
            doc.remove_from_list(section, key, here)


def _takes_default(doc: IniDocument, key: str) -> bool:
    """Whether pip takes ``[global]``'s ``key`` from ``[DEFAULT]``: a ``[global]`` section without
    its own, and a non-empty one in ``[DEFAULT]`` (which pip never reads but through a section)."""
    if SECTION not in doc.sections() or doc.find(SECTION, key):
        return False
    return any(doc.value(e) for e in doc.find(DEFAULT, key))


def _set_primary(doc: IniDocument, url: str) -> None:
    """``[global] index-url`` (``[DEFAULT]``'s, when ``[global]`` takes that one from there) and
    every override of it at our location become ``url``; an override naming another index is
    refused. ``[DEFAULT]``'s value at our location is always kept current: a command section added
    later would take it. Our repository leaves every extra-index-url list: one entry per
    repository, so pip never tries a dead token beside the live one."""
    key = "index-url"
    _drop(doc, "extra-index-url", url)
    inherited = [e for e in doc.find(DEFAULT, key) if urls.same_location(doc.value(e), url)]
    if not (inherited and _takes_default(doc, key)):
        doc.set(SECTION, key, url)
    holders = [DEFAULT] if inherited else []
    for command, holder, entry in _overrides(doc, key):
        if not urls.same_location(doc.value(entry), url):
            raise _foreign_override(command, holder, key)
        holders.append(holder)
    for holder in dict.fromkeys(holders):
        doc.set(holder, key, url)


def _add_extra(doc: IniDocument, url: str) -> None:
    """``url`` joins ``[global]``'s extra-index-url list (or ``[DEFAULT]``'s, when ``[global]``
    takes that one) and every list that overrides it, replacing an old URL at our location. An
    index-url at our location (``aws codeartifact login`` sets one) goes: pip's default index is
    PyPI again, as ``index: extra`` means, and our repository is listed once."""
    _drop(doc, "index-url", url)
    key = "extra-index-url"
    holders = [DEFAULT] if _takes_default(doc, key) else [SECTION]
    holders += [holder for _, holder, _ in _overrides(doc, key) if holder not in holders]
    for holder in holders:
        doc.add_to_list(holder, key, url, same=lambda word: urls.same_location(word, url))
