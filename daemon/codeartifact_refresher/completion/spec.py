"""What a shell completes, read from the argparse parser at the moment a script is generated.

A *program* has *options* (those before the command) and *commands*; a command has its own
options and *positionals*. An *option* has its *flags* (``-v``, ``--verbose``), a one-line help,
and a *value* unless it is a flag. A *value* says how to complete the word that follows it: one of
a fixed list of *words*, a *file*, a *directory*, a *user* name, or *anything* (no suggestion).

Where a value's kind comes from, first match wins:

1. ``completion`` set on the argparse action with :func:`complete_with`;
2. the action's ``choices`` (``--log-format``: text, json);
3. its dest or metavar: ``tool``/``writer`` (TOOL, WRITER): the installed writers' names, from the
   registry; FILE or PATH: a file; DIR: a directory; USER: a user name;
4. anything else: anything.

Nothing here knows the command list: a command added to ``commands.COMMANDS``, or an option added
to one, is in the next script generated. The writers' names are those installed at that moment.
Reading the parser uses argparse's ``_actions``, stable since Python 3.2 (as argcomplete does).
"""

from __future__ import annotations

import argparse
import contextlib
import re
from dataclasses import dataclass

WORDS, FILE, DIR, USER, ANYTHING = "words", "file", "dir", "user", "anything"
WRITERS = "writers"  # for complete_with: the installed writers' names
_BY_NAME = {"tool": WRITERS, "writer": WRITERS, "file": FILE, "path": FILE, "dir": DIR, "user": USER}
#: a word every shell can take without quoting (a choice with a space or a quote is left out)
SAFE_WORD = re.compile(r"[\w.@+:/,=-]+")


@dataclass(frozen=True)
class Value:
    kind: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    help: str
    value: Value | None  # None: a flag


@dataclass(frozen=True)
class Positional:
    name: str
    value: Value
    repeats: bool  # nargs "*", "+" or "...": every later word too


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...]
    positionals: tuple[Positional, ...]


@dataclass(frozen=True)
class Program:
    name: str
    version: str
    options: tuple[Option, ...]
    commands: tuple[Command, ...]

    def command_names(self) -> list[str]:
        return [c.name for c in self.commands]


def complete_with(action: argparse.Action, kind: str) -> argparse.Action:
    """Say how ``action``'s value completes (FILE, DIR, USER, ANYTHING or WRITERS); returns it."""
    action.completion = kind  # type: ignore[attr-defined]
    return action


def read(parser: argparse.ArgumentParser, version: str = "") -> Program:
    """The program ``parser`` describes; its commands are those of its (one) subparsers action."""
    writers = _Writers()
    commands: list[Command] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                options, positionals = _arguments(sub, writers)
                commands.append(Command(name, _one_line(helps.get(name, "")), options, positionals))
    options, _ = _arguments(parser, writers)
    return Program(parser.prog, version, options, tuple(commands))


def _arguments(parser: argparse.ArgumentParser, writers: _Writers) -> tuple[tuple[Option, ...], tuple[Positional, ...]]:
    options, positionals = [], []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            value = None if action.nargs == 0 else _value(action, writers)
            options.append(Option(tuple(action.option_strings), _help(action, parser.prog), value))
        else:
            repeats = action.nargs in ("*", "+", argparse.REMAINDER)
            positionals.append(Positional(str(action.metavar or action.dest), _value(action, writers), repeats))
    return tuple(options), tuple(positionals)


def _value(action: argparse.Action, writers: _Writers) -> Value:
    kind = getattr(action, "completion", None)
    if kind is None and action.choices is not None:
        return Value(WORDS, tuple(str(c) for c in action.choices if SAFE_WORD.fullmatch(str(c))))
    if kind is None:
        names = (action.dest, action.metavar if isinstance(action.metavar, str) else "")
        kind = next((_BY_NAME[n.lower()] for n in names if n and n.lower() in _BY_NAME), ANYTHING)
    return Value(WORDS, writers.names()) if kind == WRITERS else Value(kind)


class _Writers:
    """The installed writers' names, read from the registry once, and only when an option asks."""

    def __init__(self) -> None:
        self._names: tuple[str, ...] | None = None

    def names(self) -> tuple[str, ...]:
        if self._names is None:
            from ..writers.registry import Registry

            self._names = tuple(n for n in Registry().names() if SAFE_WORD.fullmatch(n))
        return self._names


def _help(action: argparse.Action, prog: str) -> str:
    text = action.help or ""
    with contextlib.suppress(KeyError, TypeError, ValueError):  # as argparse expands it, else as written
        text = text % {**vars(action), "prog": prog}
    return _one_line(text)


def _one_line(text: str, limit: int = 100) -> str:
    """The first sentence of ``text`` on one line, at most ``limit`` characters."""
    line = " ".join(text.split())
    line = line.split("; ")[0] if len(line) > limit else line
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."
