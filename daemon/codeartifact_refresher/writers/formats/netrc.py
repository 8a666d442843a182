"""netrc files as their readers parse them, edited in place: one ``machine`` entry per host.

The readers: pip and poetry (requests' ``utils.get_netrc_auth`` over Python's ``netrc`` module),
uv (the ``rust-netrc`` crate, ``src/lex.rs`` and ``src/netrc.rs``: a port of Python's module) and
curl (``lib/netrc.c``, 7.88 checked here). The vocabulary, as Python's ``netrc._parse`` reads it:

- a *word* is a run of characters other than space, tab, CR and LF, or a double-quoted string; a
  backslash takes the next character as it is (``_netrclex.get_token``);
- an *entry* is ``machine NAME`` or ``default``, then ``login`` (or ``user``), ``password`` and
  ``account``, each followed by its value, up to the next ``machine``, ``default`` or ``macdef``;
- a *macro* is ``macdef NAME`` and the lines after it up to an empty line: text, never entries;
- a *comment* starts with a word beginning with ``#``. Python's rule (which uv copies) is odd: at
  the top level only a lone ``#`` skips the rest of its line (``#note more`` is an error), and
  inside an entry a ``#`` word skips the rest of the line only when the word before it ended on
  the same line. :class:`_Lexer` follows it to the letter.

How they look a host up: Python, requests and uv take the URL's host name (no port) and compare
it exactly, and a later entry for the same name replaces an earlier one; curl compares without
case and takes the *first* entry that matches, ``default`` included (``default`` matches every
host). So a file we write holds exactly one entry for our host, on one line
(``machine HOST login aws password TOKEN``), in lower case, before any ``default`` entry and any
macro (curl 7.88 reads the body of a macro in a file with CR LF line ends as entries: ours comes
first, and curl stops at the first match); an entry for the host however spelled (upper case, over
several lines) is replaced where it stands, or moved up to that place.

What the readers would refuse, or read differently from one another, is refused with a
:class:`WriterError` naming the line and never a value: anything Python's module refuses (a
macro with no empty line after it, an unknown word), an empty quoted word (Python and uv stop
reading the file there), a form feed or vertical tab outside a macro (curl splits words there,
Python does not), a line of blanks inside a macro (uv ends the macro there and reads the rest of
its body as entries, Python and curl do not). A lone CR
ends a line for Python but not for uv or curl (a comment would run on into our entry): it is
written as CR LF, which all of them read as one line end.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ...errors import WriterError, WriterRefusedError
from ...platform import paths
from . import references, urls
from .lines import check_text, newline_of

#: The shared claim of every writer that writes the domain's host entry (netrc, pip, swift...).
MACHINE_CLAIM = "the netrc machine entry for the domain's repository host"
#: The login CodeArtifact accepts with the token as password (HTTP Basic).
LOGIN = "aws"
KEYWORDS = ("machine", "default", "macdef")
VALUE_KEYS = {"login": "login", "user": "login", "password": "password", "account": "account"}
BLANKS = " \t\r\n"
#: what a word we write may hold: a token is base64url with dots, a host a DNS name or an address
_PLAIN_WORD = re.compile(r"[A-Za-z0-9._~+/=:\[\]-]+")


@dataclass
class Word:
    text: str  # the value, unquoted and unescaped
    start: int  # offsets in the text the lexer reads
    end: int
    line: int
    quoted: bool = False

    @property
    def eof(self) -> bool:
        return not self.text and not self.quoted


@dataclass
class Item:
    """An entry or a macro: ``start`` is its keyword, ``end`` follows its last word (a macro: its
    empty line). ``comments`` are the (start, end) of the comments inside an entry."""

    kind: str
    name: str
    start: int
    end: int
    line: int
    values: dict[str, str] = field(default_factory=dict)
    comments: list[tuple[int, int]] = field(default_factory=list)

    def same_as(self, other: Item) -> bool:
        return (self.kind, self.name, self.values) == (other.kind, other.name, other.values)


class _Lexer:
    """Python's ``_netrclex`` over LF-only text, keeping each word's place."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.lineno = text, 0, 1
        self.pushback: list[Word] = []

    def _read(self) -> str:
        if self.pos >= len(self.text):
            return ""
        ch = self.text[self.pos]
        self.pos += 1
        self.lineno += ch == "\n"
        return ch

    def word(self) -> Word:
        if self.pushback:
            return self.pushback.pop()
        ch = self._read()
        while ch and ch in BLANKS:
            ch = self._read()
        start, line = self.pos - 1, self.lineno
        if not ch:
            return Word("", self.pos, self.pos, line)
        if ch == '"':
            return self._quoted(start, line)
        value = ""
        while ch and ch not in BLANKS:
            value += self._read() if ch == "\\" else ch
            end = self.pos
            ch = self._read()
        return Word(value, start, end, line)

    def _quoted(self, start: int, line: int) -> Word:
        value = ""
        while (ch := self._read()) != '"':
            if not ch:
                raise WriterError(f"line {line}: a quote that is never closed")
            value += self._read() if ch == "\\" else ch
        return Word(value, start, self.pos, line, quoted=True)

    def rest_of_line(self) -> str:
        """Python's ``readline``: the text up to and with the next LF."""
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end + 1
        line, self.pos = self.text[self.pos : end], end
        self.lineno += line.endswith("\n")
        return line


def parse(text: str) -> list[Item]:
    """The entries and macros of LF-only ``text``."""
    lex, items = _Lexer(text), list[Item]()
    while True:
        saved = lex.lineno
        word = lex.word()
        if word.eof:
            return items
        _refuse_empty(word)
        if word.text.startswith("#"):
            if lex.lineno == saved and len(word.text) == 1:
                lex.rest_of_line()
        elif word.text == "macdef":
            items.append(_macro(lex, word))
        elif word.text in ("machine", "default"):
            items.append(_entry(lex, word))
        else:
            raise _stray(lex, word, "expected machine, default or macdef")


def _refuse_empty(word: Word) -> None:
    if word.quoted and not word.text:
        raise WriterError(f'line {word.line}: an empty quoted word (""): Python and uv stop reading there')


def _stray(lex: _Lexer, word: Word, expected: str) -> WriterError:
    """The error for a word out of place, explaining Python's comment rule when it is the cause."""
    head = lex.text.rfind("\n", 0, word.start) + 1
    if lex.text[head : word.start].lstrip().startswith("#"):
        return WriterError(
            f"line {word.line}: Python's netrc module (pip, poetry) and uv read this comment's words as "
            "entries, because a blank line or trailing blanks come before it, and then ignore the whole "
            "file: remove the blank line (or the trailing blanks) above it"
        )
    return WriterError(f"line {word.line}: {expected}")


def _entry(lex: _Lexer, keyword: Word) -> Item:
    name = lex.word() if keyword.text == "machine" else keyword
    if name.eof:
        raise WriterError(f"line {keyword.line}: 'machine' without a host name")
    item = Item(keyword.text, name.text, keyword.start, name.end, keyword.line)
    while True:
        before = lex.lineno
        word = lex.word()
        if word.text.startswith("#"):
            if lex.lineno == before:
                lex.rest_of_line()
            item.comments.append((word.start, lex.pos - (lex.text[lex.pos - 1 : lex.pos] == "\n")))
            continue
        _refuse_empty(word)
        if word.eof or word.text in KEYWORDS:
            lex.pushback.append(word)
            return item
        if word.text not in VALUE_KEYS:
            raise _stray(lex, word, f"expected login, password or account in the entry of line {item.line}")
        value = lex.word()
        if value.eof:
            raise WriterError(f"line {word.line}: {word.text!r} has no value")
        item.values[VALUE_KEYS[word.text]] = value.text
        item.end = value.end


def _macro(lex: _Lexer, keyword: Word) -> Item:
    name = lex.word()
    while True:
        line = lex.rest_of_line()
        if not line:
            raise WriterError(f"line {keyword.line}: the macro has no empty line after it")
        if line == "\n":
            return Item("macdef", name.text, keyword.start, lex.pos, keyword.line)
        if not line.strip():
            raise WriterError(f"line {lex.lineno - 1}: a line of blanks inside a macro: uv ends the macro there")


# -- the file as written and as read -----------------------------------------------------------


class _Text:
    """A file's text with lone CRs written as CR LF, and the LF-only text the lexer reads."""

    def __init__(self, text: str) -> None:
        check_text(text)
        self.physical = re.sub(r"\r(?!\n)", "\r\n", text)
        self.logical = self.physical.replace("\r\n", "\n")
        self._crlf_at = [m.start() - i for i, m in enumerate(re.finditer("\r\n", self.physical))]
        self.newline = newline_of(self.physical)

    def physical_offset(self, offset: int) -> int:
        """The offset in the file of ``offset`` in the LF-only text."""
        return offset + bisect.bisect_left(self._crlf_at, offset)

    def line_start(self, offset: int) -> int:
        return self.logical.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        end = self.logical.find("\n", offset)
        return len(self.logical) if end < 0 else end


def read(text: str | None) -> tuple[_Text, list[Item]]:
    """The file and its items; WriterError for what the readers refuse or read differently."""
    source = _Text(text or "")
    items = parse(source.logical)
    macros = [(i.start, i.end) for i in items if i.kind == "macdef"]
    for match in re.finditer("[\f\v]", source.logical):
        if not any(a <= match.start() < b for a, b in macros):
            line = source.logical.count("\n", 0, match.start()) + 1
            raise WriterError(f"line {line}: a form feed or vertical tab: curl splits words there, Python does not")
    return source, items


def entries(text: str | None) -> dict[str, dict[str, str]]:
    """Each entry's name (``default`` for the default entry) and values, the last one winning,
    as Python's ``netrc.hosts`` and uv read them."""
    return {i.name: i.values for i in read(text)[1] if i.kind != "macdef"}


def entry_line(host: str, token: str) -> str:
    """Our entry: ``machine HOST login aws password TOKEN``. A host or token that a netrc cannot
    hold as a plain word is refused (CodeArtifact tokens are base64url words)."""
    for what, word in (("host name", host), ("token", token)):
        if not _PLAIN_WORD.fullmatch(word) or word in (*KEYWORDS, *VALUE_KEYS):
            raise WriterRefusedError(f"the {what} is not a plain netrc word (blank, quote, backslash or '#')")
    return f"machine {host} login {LOGIN} password {token}"


def set_machine(text: str | None, host: str, token: str) -> str:
    """``text`` with one entry for ``host`` (given in lower case) holding ``token``: see the
    module doc for where it goes and what is kept."""
    line = entry_line(host, token)
    source, items = read(text)
    ours = [i for i in items if i.kind == "machine" and i.name.lower() == host]
    for item in ours:
        references.replaced(f"machine {host} password", item.values.get("password"))
    anchor = next((i for i in items if i.kind in ("default", "macdef")), None)
    keep = ours[0] if ours and (anchor is None or ours[0].start < anchor.start) else None
    edits = [_removal(source, i) for i in ours if i is not keep]
    if keep is not None:
        comments = "".join(source.newline + c for c in _comments(source, keep))
        edits.append((keep.start, keep.end, line + comments))
    elif anchor is not None:
        edits.append(_before(source, anchor.start, line))
    else:
        edits.append(_at_end(source, line))
    out = source.physical
    for start, end, new in sorted(edits, reverse=True):
        out = out[: source.physical_offset(start)] + new + out[source.physical_offset(end) :]
    _check(items, ours, out, host, token)
    return out


def remove_machine(text: str, host: str) -> str:
    """``text`` without our entries for ``host`` (given in lower case): those whose login is ours
    (``aws``), with their lines when they have them to themselves; their comments stay."""
    source, items = read(text)
    ours = [i for i in items if i.kind == "machine" and i.name.lower() == host and i.values.get("login") == LOGIN]
    out = source.physical
    for start, end, new in sorted((_removal(source, i) for i in ours), reverse=True):
        out = out[: source.physical_offset(start)] + new + out[source.physical_offset(end) :]
    return out


def _removal(source: _Text, item: Item) -> tuple[int, int, str]:
    """Remove an entry, with its lines when it has them to itself; its comments stay."""
    start, end = item.start, item.end
    comments = source.newline.join(_comments(source, item))
    head, tail = source.line_start(start), source.line_end(end)
    if not comments and not source.logical[head:start].strip() and not source.logical[end:tail].strip():
        start, end = head, min(tail + 1, len(source.logical))
    return start, end, comments


def _comments(source: _Text, item: Item) -> list[str]:
    """The comments between an entry's first and last words, each with its indent when it starts
    its line (those after its last word are outside what is replaced)."""
    found = []
    for start, end in (c for c in item.comments if c[0] < item.end):
        head = source.line_start(start)
        found.append(source.logical[head if not source.logical[head:start].strip() else start : end])
    return found


def _before(source: _Text, offset: int, line: str) -> tuple[int, int, str]:
    head = source.line_start(offset)
    if not source.logical[head:offset].strip():
        return head, head, f"{line}{source.newline}"
    return offset, offset, f"{source.newline}{line}{source.newline}"


def _at_end(source: _Text, line: str) -> tuple[int, int, str]:
    end = len(source.logical)
    lead = source.newline if source.logical and not source.logical.endswith("\n") else ""
    return end, end, f"{lead}{line}{source.newline}"


def _check(before: list[Item], ours: list[Item], out: str, host: str, token: str) -> None:
    """What the readers see in ``out``: the same entries and macros as before, ours once, before
    any ``default`` and any macro."""
    after = read(out)[1]
    mine = [i for i in after if i.kind == "machine" and i.name.lower() == host]
    others_before = [i for i in before if not any(i is o for o in ours)]
    others_after = [i for i in after if not any(i is m for m in mine)]
    anchor = next((n for n, i in enumerate(after) if i.kind in ("default", "macdef")), len(after))
    ok = (
        len(mine) == 1
        and mine[0].name == host
        and mine[0].values == {"login": LOGIN, "password": token}
        and after.index(mine[0]) < anchor
        and len(others_before) == len(others_after)
        and all(a.same_as(b) for a, b in zip(others_before, others_after, strict=True))
    )
    if not ok:
        line = ours[0].line if ours else 1
        raise WriterError(f"line {line}: the entry cannot be written here without changing what the readers see")


def secrets(text: str) -> Iterable[str]:
    """Every password and account value in ``text`` (ours and the user's), and each word after
    ``password``/``account`` as written, for text that does not parse."""
    found: list[str] = []
    with contextlib.suppress(WriterError):
        found += [v for i in read(text)[1] for k, v in i.values.items() if k != "login" and v]
    words = text.split()
    found += [w for key, w in itertools.pairwise(words) if key in ("password", "account")]
    return found


def machine_name(url: str) -> str:
    """The name the readers look ``url``'s host up by: its host name without the port (requests
    splits the port off, uv takes ``Url::host_str``, curl the connection's host name), lower-cased
    and IDNA-encoded as :func:`.urls.host_name` spells it."""
    name = urlsplit(url).hostname or ""
    return f"[{name}]" if ":" in name else urls.host_name(name)


def default_path(environ: Mapping[str, str]) -> Path:
    """``$NETRC`` when set (requests, and so pip and poetry, and uv read it; curl does not, and
    reads ``~/.netrc`` only), else ``~/.netrc``."""
    env_file = environ.get("NETRC")
    if env_file:
        return Path(env_file).expanduser()
    return paths.home(environ) / ".netrc"
