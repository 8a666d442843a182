"""pnpm: the registry and its ``_authToken`` line in ``.npmrc``, as :mod:`.npm` writes them.

pnpm reads registries and credentials from the user's ``.npmrc`` (``~/.npmrc``, or the file
``npm_config_userconfig`` names), so the target edits the same file npm reads, with npm's
entries: ``registry=`` (or ``@scope:registry=``) and ``//host/path/:_authToken=``. pnpm's old
global ``$XDG_CONFIG_HOME/pnpm/rc`` is no longer read (a ``registry`` there is ignored; the
versions checked: ``docs/writers/pnpm.md``); its ``config.yaml`` and ``auth.ini`` in the same
directory are pnpm's own (``pnpm login`` writes ``auth.ini``, which outranks ``~/.npmrc``): a
``path`` may point the target there.

*The ``:443`` question.* pnpm finds a request's credentials by its *nerf dart* (pnpm's
``network/auth-header``: ``nerfDart`` builds ``//host/path/`` with WHATWG ``new URL``, which drops
a default port; ``getAuthHeaderByURI`` tries each shorter path, then the URL with its port removed
by ``removePort``). So ``https://host:443/npm/repo/pkg/-/pkg-1.0.0.tgz`` finds the line for
``//host/npm/repo/``, and no ``//host:443/...`` line is needed. Older pnpm (``nerf-dart`` on
Node's legacy ``url.parse``, which kept ``:443``) needed one; a user's existing ``//host:443/path/``
line for our repository is therefore kept current with the new token, never added, and removed
when the target retires: :mod:`.npm` does both, for every client of the file.
"""

from __future__ import annotations

from . import npm


class Writer(npm.Writer):
    """npm's writer: the same file, the same entries (an existing ``:443`` line kept current)."""
