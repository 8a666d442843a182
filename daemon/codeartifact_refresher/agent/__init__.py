"""The *agent*: the daemon's credential socket, which token-free helpers ask for a live token.

The vocabulary: the *socket* is a Unix stream socket in a *socket directory* only the daemon's
user (and an allowed *group*) can enter; a *request* is one JSON object on one line and its *reply*
another (:mod:`.protocol`); an *op* names what a request asks (``credentials``; the server's
``OPS`` table dispatches it); the *peer* is the process at the other end, known by the kernel's
word for its uid (:mod:`.peer`); a *lookup* maps a URL or a domain to a configured domain
(:mod:`.lookup`); a *live* token is one that outlives a small margin (:mod:`.live`).

This package's ``__init__`` imports nothing: :mod:`.client` and :mod:`.protocol` use the standard
library alone, because a keyring backend loads them on every lookup.
"""
