"""The writer interface.

A *writer* knows one tool's config file format and nothing about AWS or scheduling. A *target* in
the config names a writer, a repository, optionally a path and the writer's own *options* (npm's
``scope``, pip's ``index``...: fields of the writer's ``Options`` dataclass, see :mod:`.options`).
Given a file's current text and the *credentials* for the target's repository, the writer returns
the new text:

- it changes only the entries the target owns and keeps every other byte (a *whole-file* writer,
  such as a bare token file, owns every byte instead);
- rendering twice with the same credentials returns the same text;
- text it cannot parse raises :class:`~codeartifact_refresher.errors.WriterError`, and the caller
  then leaves the file as it was;
- what it wrote is *read back* (:meth:`Writer.read_back`) as the tool's own parser reads it before
  anything is written: an entry the tool would read under another key or with another value is
  refused (:meth:`Writer.render_checked`), not reported written.

A writer may edit several *files*, each named by its *role* (``"netrc"``, ``"main"``...), listed in
the order they are written: credentials first, then the config that refers to them. The target's
``path`` is the file of role :data:`MAIN`; the others have defaults, which a path option can move.
A single-file writer subclasses :class:`Writer` and implements ``default_path``, ``render`` and
``find_secrets``; a multi-file one subclasses :class:`MultiFileWriter` and implements
``default_paths``, ``render_file`` and ``find_file_secrets``, which the program calls. These are
abstract methods: the registry refuses a class that leaves one out, naming it, when a config
first names the writer (not at its first refresh). A writer's *options* class is the type
argument of its base: ``class Writer(base.Writer[Options])``.

A *claim* is an entry that one target owns in a file: two targets claiming it would overwrite
each other, and the config refuses them. A *shared* claim is an entry that depends only on the
host and the token (netrc's ``machine HOST`` line): targets of the same domain entry, which get the
same token, may share it.

When a target leaves the config, :meth:`Writer.retire` removes the entries it wrote (pip's index URL,
npm's registry and auth lines, twine's section), so that no dead token is left for the tool to try;
a writer that does not implement it leaves them (they hold a token that lapses).

A writer whose file has no conventional place (an env file, a rendered template) raises
:class:`NoDefaultPath` from ``default_path``: its targets must give ``path``. A writer whose
repository format depends on an option (a token file may be for any format) overrides
:meth:`Writer.repository_format`; the program asks for the endpoint in that format.

Writers are registered as entry points in the group ``codeartifact_refresher.writers``.
"""

from __future__ import annotations

import os
import typing
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from ..errors import WriterRefusedError
from . import options as _options
from .formats import urls
from .options import Options as Options  # handed on: a writer module subclasses base.Options

#: The role of the file a target's ``path`` names; a single-file writer's only file.
MAIN = "main"
#: The entry a whole-file writer claims in each of its files.
WHOLE_FILE = "the whole file"
OptionsT = TypeVar("OptionsT", bound=Options)


@dataclass(frozen=True)
class Claim:
    """An entry of one of the writer's files that only one target may own (see the module doc)."""

    entry: str  # as the config error shows it: "[global] index-url", "machine for the domain's host"
    role: str = MAIN
    shared: bool = False  # may be co-owned by targets of one domain entry (they get the same token)


@dataclass(frozen=True)
class Credentials:
    """What a writer receives: the repository endpoint and a token for it. Never printed."""

    endpoint: str  # as GetRepositoryEndpoint returned it, ending in "/"
    token: str = field(repr=False)
    repository: str = ""
    expires_at: datetime | None = None
    domain: str = ""
    owner: str = ""  # the domain owner's account, from the config or else the endpoint's host
    region: str = ""  # from the config or else the endpoint's host; "" when neither says

    @property
    def host(self) -> str:
        """The endpoint's host as clients compare and look it up (:func:`.urls.host`): lower-case,
        IDNA-encoded, without a default port. A host name UTS 46 refuses raises a writer error."""
        return urls.host(self.endpoint, strict=True)

    @property
    def path(self) -> str:
        return urlsplit(self.endpoint).path


class NoDefaultPath(Exception):
    """Raised by ``default_path`` of a writer whose file has no conventional place: the message
    says what the file is for, and the config check asks the target for ``path``."""


class Writer(ABC, Generic[OptionsT]):
    """Base class of every writer. Subclasses set ``format``, name their options class as the
    type argument (``Writer[Options]``) and implement the single-file trio (see the module doc)."""

    #: the CodeArtifact package format the target's repository endpoint is asked for
    format: ClassVar[str] = ""
    #: the writer's options: a frozen dataclass derived from :class:`.options.Options`, taken from
    #: the type argument of the writer's base (``Writer[PipOptions]``)
    Options: ClassVar[type[Options]] = Options
    #: the roles of the files it edits, in the order they are written (the target's path: MAIN)
    files: ClassVar[tuple[str, ...]] = (MAIN,)
    #: True when the writer owns every byte of its files (a token file): nothing foreign is kept
    whole_file: ClassVar[bool] = False
    #: this target's option values
    options: OptionsT

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        given = _options_argument(cls)
        if given is not None and "Options" not in cls.__dict__:
            cls.Options = given
        legacy = cls.__dict__.get("options")
        if isinstance(legacy, Mapping):  # 0.x: options = {name: (validator, default)}
            warnings.warn(
                f"{cls.__module__}.{cls.__qualname__}: 'options = {{name: (validator, default)}}' is "
                "deprecated; declare an Options dataclass (see 'For writer plugin authors' in CHANGELOG.md)",
                DeprecationWarning,
                stacklevel=2,
            )
            cls.Options = _options.from_legacy(cls.__name__, legacy)
            cls._legacy_attributes = True
            del cls.options
        if MAIN not in cls.files:
            raise TypeError(f"{cls.__qualname__}.files must include the role {MAIN!r}")

    _legacy_attributes: ClassVar[bool] = False

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(_options.names(self.Options))
        if unknown:
            raise TypeError(f"unknown options for {type(self).__name__}: {sorted(unknown)}")
        self.options = self.Options(**options)  # type: ignore[assignment]  # OptionsT is the class's Options
        if self._legacy_attributes:  # 0.x writers read their options as attributes
            for name in _options.names(self.Options):
                setattr(self, name, getattr(self.options, name))

    def repository_format(self) -> str:
        """The package format the program asks this target's repository endpoint in:
        :attr:`format`, unless an option names another (the ``token`` writer's ``format``)."""
        return self.format

    # -- single-file writers implement these three -------------------------------------------------

    @abstractmethod
    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        """Where the tool reads its user config (the MAIN file), by the tool's own lookup rules."""
        raise NotImplementedError

    @abstractmethod
    def render(self, current: str | None, creds: Credentials) -> str:
        """Return the new text of the MAIN file; ``current`` is None when the file does not exist."""
        raise NotImplementedError

    @abstractmethod
    def find_secrets(self, text: str) -> Iterable[str]:
        """Every credential value this writer's format holds in ``text``, ours or the user's.

        Used to redact ``--dry-run`` diffs; returning too much is harmless, too little leaks.
        """
        raise NotImplementedError

    # -- what the program calls; a multi-file writer overrides these ------------------------------

    def default_paths(self, environ: Mapping[str, str] = os.environ) -> dict[str, Path]:
        """Each role's default path (at least every role in :meth:`roles`)."""
        return {MAIN: self.default_path(environ)}

    def render_file(self, role: str, current: str | None, creds: Credentials) -> str:
        """:meth:`render` for the file of ``role``."""
        if role != MAIN:
            raise NotImplementedError(f"{type(self).__name__} has no file role {role!r}")
        return self.render(current, creds)

    def find_file_secrets(self, role: str, text: str) -> Iterable[str]:
        """:meth:`find_secrets` for the file of ``role``."""
        return self.find_secrets(text) if role == MAIN else ()

    def read_back(self, role: str, text: str, creds: Credentials) -> Iterable[tuple[str, str, str | None]]:
        """This target's entries in ``text`` (the new text of the file of ``role``) read back by the
        tool's own rules: for each, (its key as the tool names it, the value written, the value the
        tool reads for that key or None when it reads no such key). A writer whose format lets a
        key end early (npm's ``;``) or a line run on (a properties continuation) overrides it with
        a reader that behaves as the tool's; the default reads nothing back."""
        return ()

    def render_checked(self, role: str, current: str | None, creds: Credentials) -> str:
        """:meth:`render_file`, then :meth:`read_back` of the result: what the program writes. An
        entry the tool would not read as written (another key, another value, none) raises
        :class:`WriterRefusedError` naming its key (never a value), and nothing is written."""
        text = self.render_file(role, current, creds)
        for key, written, read in self.read_back(role, text, creds):
            if read != written:
                how = "no such key" if read is None else "another value for it"
                raise WriterRefusedError(
                    f"our entry {key!r} would not read back as written (the tool would read {how})"
                )
        return text

    def retire(self, current: str, creds: Credentials) -> str:
        """The MAIN file's text without the entries this target wrote, once the target has left
        the config (``creds`` carries the endpoint it wrote; its ``token`` is empty). The default
        keeps every byte: a writer that does not override it leaves its entries behind."""
        return current

    def retire_file(self, role: str, current: str, creds: Credentials) -> str:
        """:meth:`retire` for the file of ``role`` (other roles: kept as they are)."""
        return self.retire(current, creds) if role == MAIN else current

    def reads_bom(self, role: str) -> bool:
        """Whether the tool reads the file of ``role`` when it begins with a UTF-8 byte-order mark
        (npm does; Python's configparser and netrc, which pip and twine use, fail on it). A file
        the tool cannot read is refused, not written: the tool would fail whatever we wrote."""
        return True

    def encoding(self, role: str, raw: bytes) -> str:
        """The encoding the tool reads the file of ``role`` in, told from its bytes (``b""`` for a
        file that does not exist yet): a codec name Python knows, as the tool names it. The file is
        read and written in it, and refused when its bytes are not text in it. Raise
        :class:`~codeartifact_refresher.errors.WriterError` for an encoding the tool cannot read.
        UTF-8 unless a writer says otherwise (Java's properties: ISO 8859-1; XML: its declaration)."""
        return "UTF-8"

    @classmethod
    def retires(cls) -> bool:
        """Whether :meth:`retire` removes anything (a writer overrides it)."""
        return cls.retire is not Writer.retire or cls.retire_file is not Writer.retire_file

    def roles(self) -> tuple[str, ...]:
        """The roles of the files this target writes, in :attr:`files` order: all of them unless
        an option leaves some out (pip writes a netrc only with ``credentials: netrc``)."""
        return self.files

    def claims(self) -> Iterable[Claim]:
        """Entries that only one target may own.

        Entries that belong to one repository (an auth line for its URL) need not be listed:
        the config already refuses two targets for the same repository, writer and file.
        """
        return ()

    def all_claims(self) -> list[Claim]:
        """:meth:`claims` as :class:`Claim` objects, with a whole-file writer's implicit ones."""
        found = list(self.claims())
        for claim in found:
            if not isinstance(claim, Claim):  # a 0.x plugin's plain string
                raise TypeError(f"{type(self).__qualname__}.claims() returned {claim!r}: expected Claim objects")
        if self.whole_file:
            found += [Claim(WHOLE_FILE, role) for role in self.roles()]
        return found


def _options_argument(cls: type) -> type[Options] | None:
    """The options class a writer class names as its base's type argument (``Writer[PipOptions]``),
    or None (no argument, or a type variable: the class inherits its base's)."""
    for generic_base in cls.__dict__.get("__orig_bases__", ()):
        origin = typing.get_origin(generic_base)
        if isinstance(origin, type) and issubclass(origin, Writer):
            for argument in typing.get_args(generic_base):
                if isinstance(argument, type) and issubclass(argument, Options):
                    return argument
    return None


class MultiFileWriter(Writer[OptionsT]):
    """Base class of a writer of several files (``files``): it implements ``default_paths``,
    ``render_file`` and ``find_file_secrets``; the single-file trio reads the MAIN file's."""

    @abstractmethod
    def default_paths(self, environ: Mapping[str, str] = os.environ) -> dict[str, Path]: ...

    @abstractmethod
    def render_file(self, role: str, current: str | None, creds: Credentials) -> str: ...

    @abstractmethod
    def find_file_secrets(self, role: str, text: str) -> Iterable[str]: ...

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return self.default_paths(environ)[MAIN]

    def render(self, current: str | None, creds: Credentials) -> str:
        return self.render_file(MAIN, current, creds)

    def find_secrets(self, text: str) -> Iterable[str]:
        return self.find_file_secrets(MAIN, text)
