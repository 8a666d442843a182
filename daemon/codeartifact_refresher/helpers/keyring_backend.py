"""A ``keyring`` backend answering for CodeArtifact repositories from the daemon's cache.

pip (``--keyring-provider import`` or ``subprocess``), uv (``--keyring-provider subprocess``),
poetry and twine ask keyring for the credentials of an index or repository URL, or of its host.
This backend answers for CodeArtifact URLs (see :mod:`.lookup`) with the user ``aws`` (or none
given) by asking the running daemon, which holds a live token: no token in any file, no AWS call
per lookup. Every other service falls through to the next backend.

*Priority*: keyring uses the single viable backend of highest priority, and the ``chainer``
backend (priority 10) whenever two or more are viable, asking them in priority order. At 9.95 this
backend is asked first in the chain (above the system keyrings, 5 or so, and keyrings.codeartifact,
9.9, which then answers only when no daemon does) and never displaces the chain, so other entries
keep working; alone, it is chosen, and answers what it can.

Storing and deleting are refused with an error that is also a ``NotImplementedError``, so the
chainer passes them to the next backend, and a lone use says why.

Registered under the ``keyring.backends`` entry point; its import is cheap (the standard library
and keyring's own modules), since keyring imports every backend on each lookup.
"""

from __future__ import annotations

from keyring import credentials, errors
from keyring.backend import KeyringBackend

from . import lookup

REFUSED = "codeartifact-refresher keeps CodeArtifact tokens in its daemon: there is nothing to store or delete"


class RefusedError(errors.PasswordSetError, NotImplementedError):
    """Storing or deleting a password: refused (the chainer passes it on to the next backend)."""


class Keyring(KeyringBackend):
    """CodeArtifact repositories' tokens, from the codeartifact-refresher daemon."""

    priority = 9.95  # above the system keyrings and keyrings.codeartifact, below the chainer (module doc)

    def get_credential(self, service: str, username: str | None) -> credentials.Credential | None:
        if username not in (None, "", lookup.USERNAME):
            return None
        found = lookup.lookup(service)
        return None if found is None else credentials.SimpleCredential(lookup.USERNAME, found.token)

    def get_password(self, service: str, username: str) -> str | None:
        found = self.get_credential(service, username)
        return None if found is None else found.password

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RefusedError(REFUSED)

    def delete_password(self, service: str, username: str) -> None:
        raise RefusedError(REFUSED)
