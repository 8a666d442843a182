"""netrc: the domain's repository host in ``~/.netrc``, for every client that reads it.

The target owns one entry, ``machine HOST login aws password TOKEN`` (see :mod:`.formats.netrc`
for where it goes and what is kept). pip and poetry (through requests), uv and curl send it as
HTTP Basic to any URL on that host that carries no credentials of its own. The entry depends
only on the host and the token, so it is a *shared* claim: every netrc-writing target of one
domain entry (this writer, pip with ``credentials: netrc``, swift) writes the same line, and a
second domain entry reaching the same host is refused when the config is loaded.

The default path is ``$NETRC`` when set, as requests and uv read it, else ``~/.netrc`` (curl
reads only ``~/.netrc``, or ``--netrc-file``). The entry is the same for every package format
of the domain: the target's repository is only asked for its endpoint's host (format ``pypi``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import base
from .formats import netrc

#: the role of the netrc file in a writer that also edits a file of its own
ROLE = "netrc"


def claim(role: str = base.MAIN) -> base.Claim:
    """The shared claim of the host's entry, in the file of ``role``."""
    return base.Claim(netrc.MACHINE_CLAIM, role, shared=True)


def read_back(text: str, creds: base.Credentials) -> list[tuple[str, str, str | None]]:
    """Our entry's login and password as Python's ``netrc`` (pip, poetry) and uv read them."""
    host = netrc.machine_name(creds.endpoint)
    entry = netrc.entries(text).get(host, {})
    return [
        (f"machine {host} login", "aws", entry.get("login")),
        (f"machine {host} password", creds.token, entry.get("password")),
    ]


def render(current: str | None, creds: base.Credentials) -> str:
    """``current`` with the entry for the endpoint's host holding the token."""
    return netrc.set_machine(current, netrc.machine_name(creds.endpoint), creds.token)


class Writer(base.Writer[base.Options]):
    format = "pypi"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return netrc.default_path(environ)

    def render(self, current: str | None, creds: base.Credentials) -> str:
        return render(current, creds)

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        return read_back(text, creds)

    def claims(self) -> Iterable[base.Claim]:
        return [claim()]

    def find_secrets(self, text: str) -> Iterable[str]:
        return netrc.secrets(text)


class NetrcCredentials(base.Writer[base.OptionsT]):
    """The base of a writer whose token goes to the netrc file (role :data:`ROLE`, written first)
    while its own file (``main``) names the repository without it: pip and uv with
    ``credentials: netrc``, swift always. A subclass implements the ``main`` file's trio
    (``default_path``, ``render``, ``find_secrets``) and may override :meth:`uses_netrc`;
    :meth:`netrc_claims` is the netrc entry's claim, for its ``claims``."""

    files = (ROLE, base.MAIN)

    def uses_netrc(self) -> bool:
        """Whether this target writes the token to netrc (else into its own file)."""
        return True

    def roles(self) -> tuple[str, ...]:
        return self.files if self.uses_netrc() else (base.MAIN,)

    def default_paths(self, environ: Mapping[str, str] = os.environ) -> dict[str, Path]:
        return {ROLE: netrc.default_path(environ), base.MAIN: self.default_path(environ)}

    def render_file(self, role: str, current: str | None, creds: base.Credentials) -> str:
        return render(current, creds) if role == ROLE else self.render(current, creds)

    def find_file_secrets(self, role: str, text: str) -> Iterable[str]:
        return netrc.secrets(text) if role == ROLE else self.find_secrets(text)

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """The netrc entry read back; a subclass reads back its own file."""
        return read_back(text, creds) if role == ROLE else super().read_back(role, text, creds)

    def retire_file(self, role: str, current: str, creds: base.Credentials) -> str:
        """The netrc entry for the endpoint's host goes too: a target switched to a token-free mode
        (``credentials: keyring``) or removed leaves no token at rest. Another target of the
        domain that shares the entry writes it again at the domain's refresh, which follows a
        retirement (a domain whose targets changed is refreshed at once)."""
        if role == ROLE:
            return netrc.remove_machine(current, netrc.machine_name(creds.endpoint))
        return super().retire_file(role, current, creds)

    def netrc_claims(self) -> list[base.Claim]:
        return [claim(ROLE)] if self.uses_netrc() else []
