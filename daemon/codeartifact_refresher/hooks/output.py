"""What a hook printed, and the one line of it that a log line shows.

A hook's stdout and stderr share one pipe, which a :class:`Reader` thread drains into a *tail*:
the last :data:`TAIL_BYTES` bytes, however much the hook prints. The *shown line* is the tail's
last non-blank line with every credential in it replaced by ``<redacted>``, whoever's it is:

- a token this process was given that has not expired yet (*live*), recognised by a keyed digest
  (:class:`LiveTokens`): a random per-process key and HMAC-SHA256, never the token itself;
- a value that a writer's format holds as a secret (its ``find_file_secrets``);
- the secret part of any URL's userinfo, the value of any credential key (``password =``,
  ``_authToken=``, ``"token": "..."``...) and any authorization (``Authorization: Basic ...``,
  ``Bearer ...``), in any format: :mod:`..redaction`'s rules;

then made printable and at most :data:`LINE_CHARS` characters long.
"""

from __future__ import annotations

import hmac
import os
import re
import selectors
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import quote

from .. import log, redaction

TAIL_BYTES = 64 * 1024  # what is kept of a hook's output: its end
LINE_CHARS = 200  # the most of a hook's last line that a log line shows
LINGERING = 16  # pipes still held open by hooks' background children that we keep draining

SecretFinder = Callable[[str], Iterable[str]]

_TOKEN_RUN = re.compile(r"[A-Za-z0-9_.=%-]+")  # what a token, or its URL-quoted form, is made of


class Tail:
    """The last :data:`TAIL_BYTES` bytes added; ``cut`` once anything was dropped."""

    def __init__(self, limit: int = TAIL_BYTES) -> None:
        self._buf, self._limit, self._lock, self.cut = bytearray(), limit, threading.Lock(), False

    def add(self, chunk: bytes) -> None:
        with self._lock:
            self._buf += chunk
            if len(self._buf) > 2 * self._limit:  # trimmed now and then, not on every chunk
                del self._buf[: -self._limit]
                self.cut = True

    def text(self) -> str:
        """The tail as text; when the front was cut, without the partial line (or word) it starts with."""
        with self._lock:
            data, cut = bytes(self._buf[-self._limit :]), self.cut or len(self._buf) > self._limit
        text = data.decode("utf-8", "replace")
        if cut:  # the first line lost its start, which may be most of a secret: show none of it
            text = text.split("\n", 1)[1] if "\n" in text else re.sub(r"^\S*", "", text)
        return text


class Reader:
    """Drains a hook's output pipe into a :class:`Tail` on a thread of its own, until the pipe's
    last writer closes it, or until :meth:`abandon`."""

    _lingering = 0
    _count_lock = threading.Lock()

    def __init__(self, fd: int) -> None:
        self.tail, self._fd, self._abandoned = Tail(), fd, threading.Event()
        self._thread = threading.Thread(target=self._read, name="hook-output", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with selectors.DefaultSelector() as sel:
                sel.register(self._fd, selectors.EVENT_READ)
                while not self._abandoned.is_set():
                    if sel.select(0.5) and not self._take():
                        return
        finally:
            os.close(self._fd)

    def _take(self) -> bool:
        """Read what is there; False at the end of the output."""
        try:
            chunk = os.read(self._fd, 65536)
        except OSError:
            return False
        self.tail.add(chunk)
        return bool(chunk)

    def finish(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the end of the output; True when it came."""
        self._thread.join(seconds)
        return not self._thread.is_alive()

    def linger(self) -> None:
        """The hook is over but a child of it (a service it started) still holds the pipe: keep
        draining in the background so that the child's writes never fail, up to
        :data:`LINGERING` such pipes at once; past that, close it."""
        with Reader._count_lock:
            if Reader._lingering >= LINGERING:
                self.abandon()
                return
            Reader._lingering += 1
        threading.Thread(target=self._count_down, name="hook-output-linger", daemon=True).start()

    def _count_down(self) -> None:
        self._thread.join()
        with Reader._count_lock:
            Reader._lingering -= 1

    def abandon(self) -> None:
        self._abandoned.set()


class LiveTokens:
    """Recognises the tokens this process was given, until each expires, without keeping them.

    For each token (and its URL-quoted form) only HMAC-SHA256 digests under a random key made at
    start-up are kept: of the whole token and of its first :attr:`PREFIX` characters, which find
    the candidates in a text cheaply. A digest cannot be turned back into the token."""

    PREFIX = 16
    LIMIT = 4096  # digests kept at most; the oldest go first

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._key, self._clock, self._lock = os.urandom(32), clock, threading.Lock()
        self._live: dict[bytes, tuple[bytes, int, float]] = {}  # whole digest -> (prefix digest, length, expiry)

    def _digest(self, text: str) -> bytes:
        return hmac.digest(self._key, text.encode(), "sha256")

    def remember(self, token: str, expires_at: float) -> None:
        for form in {token, quote(token, safe="")}:
            if len(form) >= self.PREFIX:
                entry = (self._digest(form[: self.PREFIX]), len(form), expires_at)
                with self._lock:
                    self._live[self._digest(form)] = entry
        self._prune()

    def _prune(self) -> None:
        now = self._clock()
        with self._lock:
            self._live = {k: v for k, v in self._live.items() if v[2] > now}
            for key in list(self._live)[: max(0, len(self._live) - self.LIMIT)]:
                del self._live[key]

    def __len__(self) -> int:
        self._prune()
        return len(self._live)

    def redact(self, text: str) -> str:
        """``text`` with every live token in it replaced by ``<redacted>``."""
        self._prune()
        with self._lock:
            index: dict[bytes, list[tuple[int, bytes]]] = {}
            for whole, (prefix, length, _) in self._live.items():
                index.setdefault(prefix, []).append((length, whole))
        spans = []
        for run in _TOKEN_RUN.finditer(text) if index else ():
            start, value = run.start(), run.group()
            for i in range(len(value) - self.PREFIX + 1):
                for length, whole in index.get(self._digest(value[i : i + self.PREFIX]), ()):
                    if hmac.compare_digest(self._digest(value[i : i + length]), whole):
                        spans.append((start + i, start + i + length))
        for begin, end in sorted(spans, reverse=True):  # overlaps only widen what is hidden
            text = text[:begin] + redaction.REDACTED + text[end:]
        return text


#: the live tokens of this process (``refresh`` remembers each token it writes)
LIVE = LiveTokens()


def redact(text: str, finders: Iterable[SecretFinder] = (), context: str = "") -> str:
    """``text`` with every credential in it redacted (see the module doc); ``finders`` also look
    at ``context`` (the text around it) for the secrets that only a whole file shows."""
    found: set[str] = set()
    for find in finders:
        for source in (context, text) if context else (text,):
            try:
                found.update(s for s in find(source) if s)
            except Exception:  # noqa: S112 - a writer that cannot parse hook output finds nothing in it
                continue
    return redaction.redact(log.redact(LIVE.redact(text)), found)


def shown_line(tail: Tail, finders: Iterable[SecretFinder] = ()) -> str:
    """The tail's last non-blank line, redacted, printable and at most :data:`LINE_CHARS` long."""
    text = tail.text()
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    line = redaction.replace_controls(redact(lines[-1].strip(), finders, text))
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 3] + "..."
