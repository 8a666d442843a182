"""Bundler's config files (``~/.bundle/config``), as Bundler itself reads them.

Bundler does not read them with Psych but with its own ``Bundler::YAMLSerializer``
(``lib/bundler/yaml_serializer.rb``), and ``bundle config set`` writes ``---`` then one
``KEY: "value"`` line a setting. The reader splits lines at ``\\r?\\n`` (a lone ``\\r`` stays inside
a line) and matches each against :data:`LINE`: *indent*, *key* (the longest prefix followed by
``:`` and a blank or the end), then the *value*, without a pair of matching quotes around it and
with no unescaping. Two spaces of indent are one level of nesting; a *top-level* key has less
than two. Lines that do not match (comments, ``---``) are skipped. Of two equal keys, the later
wins.

A key is stored *normalised*: a URL key gets a trailing ``/``, then ``.`` becomes ``__``
(``convert_to_backward_compatible_key``), then ``-`` becomes ``___`` (``Settings#load_config``).
Bundler looks a setting up by :func:`key_for` (``Settings.key_for``): the same, upper-cased, after
``BUNDLE_``, so a file key counts only when written in upper case, as ``bundle config`` writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import references
from .lines import check_text

#: Bundler's ``HASH_REGEX``: indent, key, ``:``, optional quote, value, the same quote
LINE = re.compile(r"^([ ]*)(.+)(?::(?=(?:\s|$)))[ ]?(['\"]?)(.*)\3$")
_ENDING = re.compile(r"\r?\n$")


def normalise(key: str) -> str:
    """A file key as Bundler stores it (see the module doc)."""
    if re.search(r"https?:", key, re.IGNORECASE) and not key.endswith("/"):
        key += "/"
    return key.replace(".", "__").replace("-", "___")


def key_for(name: str) -> str:
    """``Settings.key_for``: the key Bundler looks ``name`` (a host, or a URL) up by."""
    if re.search(r"https?:", name) and not name.endswith("/"):
        name += "/"
    return "BUNDLE_" + name.replace(".", "__").replace("-", "___").upper()


class BundleConfig:
    """One Bundler config file, edited line by line. ``text`` None or empty is a new file."""

    def __init__(self, text: str | None) -> None:
        self.new = not text
        text = text or ""
        check_text(text)
        self.lines = re.findall(r"[^\n]*\n|[^\n]+$", text)

    def text(self) -> str:
        return "".join(self.lines)

    def entries(self) -> Iterator[tuple[int, str, str, str]]:
        """(line index, indent, key as written, value) for each line Bundler reads as a setting."""
        for index, line in enumerate(self.lines):
            match = LINE.match(_ENDING.sub("", line))
            if match:
                yield index, match.group(1), match.group(2), match.group(4)

    def top_level(self) -> dict[str, str]:
        """Top-level settings by normalised key, the later of two equal keys winning."""
        return {normalise(key): value for _, indent, key, value in self.entries() if len(indent) < 2}

    def set(self, key: str, value: str, add: bool = True) -> None:
        """Give every top-level line whose key normalises to ``key`` the value ``value`` (written
        ``KEY: "value"``); with none, add one at the end when ``add``."""
        found = [(i, indent, k) for i, indent, k, _ in self.entries() if len(indent) < 2 and normalise(k) == key]
        for *_, old in (e for e in self.entries() if len(e[1]) < 2 and normalise(e[2]) == key):
            references.replaced(key, old)
        for index, indent, written in found:
            ending = _ENDING.search(self.lines[index])
            self.lines[index] = f'{indent}{written}: "{value}"' + (ending.group() if ending else "")
        if found or not add:
            return
        if self.new:
            self.lines.append("---\n")
        elif not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
        self.lines.append(f'{key}: "{value}"\n')
