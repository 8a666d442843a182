"""The writer interface.

A *writer* knows one tool's config file format and nothing about AWS or scheduling. A *target* in
the config names a writer, a repository, optionally a path and the writer's own *options* (npm's
``scope``, pip's ``index``...). Given the file's current text and the *credentials* for the target's
repository, the writer returns the new text:

- it changes only the entries the target owns and keeps every other byte;
- rendering twice with the same credentials returns the same text;
- text it cannot parse raises :class:`~codeartifact_refresher.errors.WriterError`, and the caller
  then leaves the file as it was.

Writers are registered as entry points in the group ``codeartifact_refresher.writers``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Mapping
from urllib.parse import urlsplit

from ..errors import WriterError

#: Validates one option value from the config: returns the value to use or raises ValueError
#: with a message saying what was expected.
Validator = Callable[[Any], Any]


@dataclass(frozen=True)
class Credentials:
    """What a writer receives: the repository endpoint and a token for it. Never printed."""

    endpoint: str  # as GetRepositoryEndpoint returned it, ending in "/"
    token: str = field(repr=False)
    repository: str = ""
    expires_at: datetime | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).netloc

    @property
    def path(self) -> str:
        return urlsplit(self.endpoint).path


class Writer:
    """Base class of every writer. Subclasses set ``format`` and implement the three methods."""

    #: the CodeArtifact package format the target's repository endpoint is asked for
    format: ClassVar[str] = ""
    #: writer-specific config keys: name -> (validator, default)
    options: ClassVar[Mapping[str, tuple[Validator, Any]]] = {}

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(self.options)
        if unknown:
            raise TypeError(f"unknown options for {type(self).__name__}: {sorted(unknown)}")
        for name, (_, default) in self.options.items():
            setattr(self, name, options.get(name, default))

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        """Where the tool reads its user config, by the tool's own lookup rules."""
        raise NotImplementedError

    def render(self, current: str | None, creds: Credentials) -> str:
        """Return the new text of the file; ``current`` is None when the file does not exist."""
        raise NotImplementedError

    def claims(self) -> Iterable[str]:
        """Entries of the file that only one target may own (two would overwrite each other).

        Entries that belong to one repository (an auth line for its URL) need not be listed:
        the config already refuses two targets for the same repository, writer and file.
        """
        return ()

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every credential value this writer's format holds in ``text``, ours or the user's.

        Used to redact ``--dry-run`` diffs; returning too much is harmless, too little leaks.
        """
        raise NotImplementedError
