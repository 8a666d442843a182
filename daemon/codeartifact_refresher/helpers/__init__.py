"""Token-free clients of the daemon's cache: each asks the running daemon (``run``) for the
credentials of a repository URL over its local socket (:mod:`codeartifact_refresher.agent.client`)
and hands them to one client's credential interface, so that no token is kept in a file.

- :mod:`.keyring_backend`: a ``keyring`` backend, for pip, uv, poetry and twine;
- :mod:`.cargo_provider`: cargo's credential-provider protocol (``cargo-credential-codeartifact-refresher``);
- :mod:`.variables`, :mod:`.environment`, :mod:`.supervisor`: ``exec``; :mod:`.session`: ``run --session-environment``.
"""
