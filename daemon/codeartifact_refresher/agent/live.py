"""The daemon's *live* tokens, in memory only (never the state file, never a log line).

A token is *live* while it outlives :data:`MARGIN`: a token about to expire is never handed out,
since the client that gets it must still finish its downloads with it (a pip or cargo run of a
minute or two). CodeArtifact's shortest token lives 15 minutes and the daemon refreshes at 75% of
its life, so a healthy daemon always holds a live one.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..aws.tokens import Token
    from ..config import Domain

MARGIN = 120.0  # seconds a token must still live to be handed out


class LiveTokens:
    """Each domain's newest token, by :attr:`~..config.Domain.key`."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def keep(self, domain: Domain, token: Token) -> None:
        """Take in a token a refresh just got (newer than any held: the refresh asked after it)."""
        with self._lock:
            self._tokens[domain.key] = token

    def live(self, key: str, now: float) -> Token | None:
        """The domain's token if it outlives ``now`` (seconds since the epoch) by :data:`MARGIN`."""
        with self._lock:
            token = self._tokens.get(key)
        if token is None or token.expires_at.timestamp() - now <= MARGIN:
            return None
        return token

    def keep_only(self, keys: set[str]) -> None:
        """Forget the tokens of domains no longer configured."""
        with self._lock:
            for key in [k for k in self._tokens if k not in keys]:
                del self._tokens[key]
