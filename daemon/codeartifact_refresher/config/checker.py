"""Checking values read from YAML, with errors that name the file, the line and the key.

A :class:`Checker` belongs to one file. Each method takes a :class:`~.yamlfile.Map` and a key,
returns the value in the form the program wants (or ``None`` when the key is absent) and raises
a one-line :class:`~.errors.ConfigError` that says what was expected when the value is wrong.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection
from pathlib import Path

from ..errors import ConfigError
from .yamlfile import Map, kind, shown


class Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, line: int) -> ConfigError:
        return ConfigError(message, self.path, line)

    def mapping(self, value: object, what: str, line: int) -> Map:
        if not isinstance(value, Map):
            line = getattr(value, "line", line)
            raise self.fail(f"{what} must be a mapping of keys to values, not {kind(value)}", line)
        return value

    def keys(
        self, mapping: Map, allowed: Collection[str], where: str, hint: Callable[[str], str] = lambda k: ""
    ) -> None:
        for key in mapping:
            if key in allowed:
                continue
            near = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            advice = (
                f"; did you mean {near[0]!r}?" if near else hint(key) or f"; valid keys: {', '.join(sorted(allowed))}"
            )
            raise self.fail(f"unknown key {shown(key)} in {where}{advice}", mapping.line_of(key))

    def string(self, mapping: Map, key: str, pattern: re.Pattern[str] | None = None, expected: str = "") -> str | None:
        value = mapping.get(key)
        if value is None and key not in mapping:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{key}: expected {expected or 'a string'}, got {kind(value)}", mapping.line_of(key))
        if any(c < " " or c == "\x7f" for c in value):
            raise self.fail(f"{key}: contains a control character (such as NUL or a newline)", mapping.line_of(key))
        if pattern is not None and not pattern.match(value):
            raise self.fail(f"{key}: {shown(value)} is not valid: expected {expected}", mapping.line_of(key))
        return value

    def number(
        self, mapping: Map, key: str, low: float, high: float, integer: bool = False, unit: str = ""
    ) -> float | None:
        """A number in ``low..high`` (an int when ``integer``)."""
        if key not in mapping:
            return None
        value = mapping[key]
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if is_number and integer and not isinstance(value, int):
            is_number = False
        if not is_number or (isinstance(value, float) and not math.isfinite(value)) or not low <= value <= high:
            what = "a whole number" if integer else "a number"
            got = shown(value) if is_number or isinstance(value, str) else kind(value)
            raise self.fail(f"{key}: expected {what} from {low:g} to {high:g}{unit}, got {got}", mapping.line_of(key))
        number: float = value  # checked: an int, or a finite float
        return number

    def boolean(self, mapping: Map, key: str, default: bool) -> bool:
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key}: expected true or false, got {kind(value)}", mapping.line_of(key))
        return value

    def argv(self, mapping: Map, key: str) -> tuple[str, ...] | None:
        """A command as a list of strings, the program first: never a shell string."""
        if key not in mapping:
            return None
        value = mapping[key]
        if isinstance(value, str):
            raise self.fail(
                f"{key}: expected a command as a list (program first, then arguments, "
                f"e.g. [systemctl, reload, x]), not a shell string",
                mapping.line_of(key),
            )
        if not isinstance(value, list) or not value or not all(isinstance(a, str) and a for a in value):
            raise self.fail(f"{key}: expected a non-empty list of strings, got {kind(value)}", mapping.line_of(key))
        if "\0" in "".join(value):
            raise self.fail(f"{key}: arguments cannot contain NUL characters", mapping.line_of(key))
        return tuple(value)
