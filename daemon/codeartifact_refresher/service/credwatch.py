"""Warnings in the log before a domain's AWS credentials run out (:mod:`..aws.lifetime`).

The daemon learns each domain's credential lifetime after every refresh that got a token
(:func:`note`, which keeps it in the state file for ``status`` and ``/metrics``; a failed refresh,
which may have no credentials to look at, keeps what the last success found); on every tick a :class:`CredentialWatch`
compares it with the clock and logs once per *step* (:func:`..aws.lifetime.steps`): not on every
tick, and again after a new login moves the end.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..aws import lifetime

if TYPE_CHECKING:
    from ..aws.tokens import Clients
    from ..config import Domain
    from ..state import State

logger = logging.getLogger(__name__)


def note(state: State, clients: Clients, domain: Domain) -> None:
    """Keep ``domain``'s credential lifetime, as botocore holds the credentials after a refresh."""
    try:
        found = lifetime.look(clients, domain)
    except Exception:  # a bug here must not stop the refreshes
        logger.exception("%s: could not tell when the AWS credentials run out (please report this bug)", domain.label)
        return
    state.note_credentials(domain, found)


class CredentialWatch:
    """Which step each domain was last warned at, by :attr:`~..config.Domain.key`."""

    def __init__(self) -> None:
        self._warned: dict[str, tuple[float | None, int]] = {}  # key -> (the end warned of, its step)

    def look(self, domains: Mapping[str, Domain], state: State, now: float) -> list[str]:
        """Log a warning for each domain past a step it was not warned at; the lines logged."""
        said = []
        for key, domain in domains.items():
            entry = state.domains.get(key)
            found = entry.credential_lifetime if entry is not None else None
            ends, level = (found.ends_at if found else None), lifetime.step(found, domain, now)
            last_ends, last = self._warned.get(key, (None, 0))
            self._warned[key] = (ends, level)
            if level <= (last if ends == last_ends else 0) or entry is None:
                continue
            line = f"{domain.label}: {lifetime.warning(found, domain, now, entry.expires_at)}"
            logger.log(logging.ERROR if ends is not None and ends <= now else logging.WARNING, "%s", line)
            said.append(line)
        for key in set(self._warned) - set(domains):
            del self._warned[key]
        return said
