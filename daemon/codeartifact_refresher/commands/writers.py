"""``writers``: the installed writers, with their format, default path (by file role) and origin.

The *origin* is ``built in`` for this package's writers (loaded from this installation's files,
whatever a distribution's metadata says: :mod:`..writers.registry`), else the declaring
distribution's name and version; ``--json`` adds its *location*. A writer that fails to load or to
describe itself is listed with its error, and the command exits 1. Only the writer classes are
loaded (their modules import no format library at the top), never botocore.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .common import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from ..writers.base import Writer
    from ..writers.registry import Registry

BUILT_IN = "built in"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def describe(registry: Registry, name: str) -> dict[str, Any]:
    """One writer as ``--json`` shows it. A plugin that fails to load or to describe itself (its
    class, ``repository_format``, ``roles`` or ``default_paths`` raising anything) gets its error."""
    from ..errors import RegistryError

    package, version = registry.origin(name), registry.version(name)
    row: dict[str, Any] = {
        "name": name,
        "origin": BUILT_IN if registry.built_in(name) else f"{package} {version}".strip(),
        "package": package,
        "version": version,
        "location": registry.location(name),
        "format": None,
        "default_paths": {},
        "error": None,
    }
    try:
        _describe_writer(registry.get(name)(), row)
    except RegistryError as e:
        row["error"] = str(e)
    except Exception as e:  # a plugin's own code can fail in any way; a built-in's failure is a bug
        if registry.built_in(name):
            raise
        row["error"] = f"writer {name!r} from {package} failed to describe itself: {type(e).__name__}: {e}"
    return row


def _describe_writer(writer: Writer[Any], row: dict[str, Any]) -> None:
    from ..writers.base import NoDefaultPath

    row["format"] = writer.repository_format()
    try:
        defaults = writer.default_paths(os.environ)
        row["default_paths"] = {role: str(defaults[role]) for role in writer.roles()}
    except NoDefaultPath:
        row["default_paths"] = {role: None for role in writer.roles()}


def table(rows: list[dict[str, Any]]) -> str:
    lines = [("NAME", "FORMAT", "ORIGIN", "DEFAULT PATH")]
    for r in rows:
        paths = r["default_paths"]
        where = (
            f"failed to load: {r['error']}"
            if r["error"]
            else ", ".join(
                f"{role}: {p or '(path required)'}" if len(paths) > 1 else p or "(path required)"
                for role, p in paths.items()
            )
        )
        lines.append((r["name"], r["format"] or "-", r["origin"], where))
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "".join(f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}\n" for a, b, c, d in lines)


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from ..writers.registry import Registry

    registry = Registry()
    rows = [describe(registry, name) for name in registry.names()]
    sys.stdout.write(json.dumps(rows, indent=2) + "\n" if args.json else table(rows))
    return EXIT_FAILED if any(r["error"] for r in rows) else EXIT_OK
