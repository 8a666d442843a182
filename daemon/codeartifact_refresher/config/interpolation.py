"""``${VAR}`` in config values, as docker compose reads them, so that CI can write
``path: ${GITHUB_ENV}`` and a container can take its settings from its environment.

A *reference* is ``${NAME}`` (the variable's value; unset is an error), ``${NAME:-DEFAULT}`` (DEFAULT
when NAME is unset or empty), ``${NAME-DEFAULT}`` (DEFAULT when NAME is unset), ``${NAME:?MESSAGE}``
and ``${NAME?MESSAGE}`` (an error saying MESSAGE when NAME is unset or empty, or unset). A DEFAULT
may itself hold references. ``$${`` is a literal ``${`` (to hand ``${VAR}`` on to a hook's own
shell); every other ``$`` stays as written: ``$HOME`` is not a reference, and ``$$`` (a shell's pid in
a hook's ``sh -c``) keeps its meaning from configs written before interpolation existed. Docker
compose reads ``$$`` as ``$``; this is the one difference.

Only values are interpolated, never keys. A value written without quotes is read again after
interpolation, as YAML would read the result (``port: ${PORT:-9464}`` is a number); a quoted one
stays a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InterpolationError(ValueError):
    """A reference that cannot be resolved; its message says which and what to do."""


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with every reference resolved from ``environ`` (see the module doc)."""
    value, end = _scan(text, 0, environ, closing=False)
    assert end == len(text)  # noqa: S101 - the top-level scan reads to the end
    return value


def _scan(text: str, i: int, environ: Mapping[str, str], closing: bool) -> tuple[str, int]:
    """Resolve from ``text[i:]`` up to the end (or, ``closing``, up to the ``}`` that ends a
    default); (the result, the index after what was read)."""
    out: list[str] = []
    while i < len(text):
        char = text[i]
        if closing and char == "}":
            return "".join(out), i
        if text.startswith("$${", i):
            out.append("${")
            i += 3
        elif text.startswith("${", i):
            value, i = _reference(text, i + 2, environ)
            out.append(value)
        else:
            out.append(char)
            i += 1
    if closing:
        raise InterpolationError("a '${' without its closing '}'")
    return "".join(out), i


def _reference(text: str, i: int, environ: Mapping[str, str]) -> tuple[str, int]:
    """One reference whose name starts at ``text[i]`` (after ``${``)."""
    name = _NAME.match(text, i)
    if name is None:
        raise InterpolationError(
            f"'${{' must be followed by a variable name (letters, digits, '_'); write '$${{' for a literal '${{' "
            f"(in {text!r})"
        )
    i = name.end()
    operator = next((op for op in (":-", ":?", "-", "?") if text.startswith(op, i)), "")
    if not operator and not text.startswith("}", i):
        raise InterpolationError(f"${{{name.group()}...: expected '}}', ':-', '-', ':?' or '?' after the name")
    word, i = _scan(text, i + len(operator), environ, closing=True) if operator else ("", i)
    value = environ.get(name.group())
    unset = value is None or (operator.startswith(":") and value == "")
    if unset and operator in (":-", "-"):
        return word, i + 1
    if unset:
        default_hint = f"give a default with ${{{name.group()}:-DEFAULT}}" if not operator else word
        raise InterpolationError(f"${{{name.group()}}} is not set in the environment; set it, or {default_hint}")
    return value or "", i + 1
