"""The output interface: where a rendered credential goes (Vault Agent's *sinks*).

An *output* is one destination of one of a target's files: a file on disk today
(:class:`.file_output.FileOutput`), a key of a Kubernetes Secret or the daemon's in-memory
credential-helper cache next. It never parses a format: the caller hands it a *render* function,
pure, from the destination's current text (None when there is none) to the new text, which the
output may call more than once (after losing a race, it reads again and renders again). A *snapshot*
is what a destination holds at one moment, as a dry run shows it. An output that keeps the token
beside the rendered text (a Kubernetes Secret's ``password`` key) is handed the *context*, the token
and its expiry, through :meth:`Output.bind` before each refresh; a file ignores it.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime

Render = Callable[[str | None], str]
#: Wraps each write; a stopping program's guard refuses new ones by raising.
Guard = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class Snapshot:
    """A destination's content at one moment: ``text`` None when it does not exist; ``mode`` is the
    file permission bits where the destination has them (None otherwise or when missing)."""

    name: str  # how a diff names it: the resolved file path, "secret ns/name key"...
    text: str | None
    mode: int | None = None


@dataclass(frozen=True)
class Context:
    """What one refresh of a domain knows beyond the rendered text: the token and its expiry."""

    token: str = field(repr=False)
    expires_at: datetime


class Output(abc.ABC):
    """One destination of a rendered credential."""

    #: written only by the elected leader of several replicas (a Kubernetes Secret)
    leader_only: bool = False

    def bind(self, context: Context) -> Output:
        """This output for one refresh whose token is ``context``'s: itself, unless it keeps the
        token too (the Secret output returns a copy that carries it)."""
        return self

    @abc.abstractmethod
    def describe(self) -> str:
        """How logs and errors name it (a file's path as configured)."""

    @property
    @abc.abstractmethod
    def key(self) -> Hashable:
        """Equal for two outputs that reach the same place (claims on it are compared)."""

    @abc.abstractmethod
    def preview(self, render: Render) -> tuple[Snapshot, Snapshot]:
        """What it holds and what an update would leave there; writes nothing (a dry run)."""

    @abc.abstractmethod
    def update(self, render: Render, guard: Guard = contextlib.nullcontext) -> bool:
        """Replace the content with ``render(current)`` atomically, only if that changes anything,
        compare-and-swap style: re-read and re-render when it changed meanwhile. True if it wrote."""

    def __str__(self) -> str:
        return self.describe()
