"""Findings: what ``doctor`` says, one line each.

A *finding* has a *level* and a *text*. ``ok``: checked and fine, said briefly so that a reader
sees what was looked at; ``note``: worth knowing, nothing fails because of it; ``problem``: a
client will be refused (401, 403) or fetch from the wrong place, and the text says what is wrong,
then, after a colon, what to do. :func:`render` makes the lines: each on one line, each secret
(a token, a password, a URL's userinfo) replaced by ``<redacted>``, a repeated one said once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .. import log
from ..writers.formats import urls

OK, NOTE, PROBLEM = "ok", "note", "problem"
LEVELS = (OK, NOTE, PROBLEM)


@dataclass(frozen=True)
class Finding:
    level: str
    text: str

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"a finding's level is one of {LEVELS}, not {self.level!r}")


def ok(text: str) -> Finding:
    return Finding(OK, text)


def note(text: str) -> Finding:
    return Finding(NOTE, text)


def problem(text: str) -> Finding:
    return Finding(PROBLEM, text)


def failed(findings: Iterable[Finding]) -> bool:
    return any(f.level == PROBLEM for f in findings)


def redacted(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every one of ``secrets`` (and the tokens in use) and every URL's userinfo redacted."""
    return urls.redact(log.redact(text, [s for s in secrets if s]))


def render(findings: Iterable[Finding], secrets: Iterable[str] = ()) -> list[str]:
    """``level: text`` lines, one per distinct finding, in order, redacted and kept to one line."""
    secrets = list(secrets)
    lines = (f"{f.level}: {redacted(log.one_line(f.text, limit=None), secrets)}" for f in findings)
    return list(dict.fromkeys(lines))


def quoted(value: str, limit: int = 120) -> str:
    """A value from a file or the environment as a finding shows it: one line, bounded, its URL
    userinfo redacted before it is cut (the caller names other secrets, never shows them)."""
    return log.one_line(urls.redact(value), limit)
