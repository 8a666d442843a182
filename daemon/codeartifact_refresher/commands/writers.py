"""``writers``: the installed writers, with their format, default path (by file role) and origin.

The *origin* is ``built in`` for this package's writers, else the declaring distribution's name
and version. A writer that fails to load is listed with its error, and the command exits 1. Only
the writer classes are loaded (their modules import no format library at the top), never botocore.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from .common import EXIT_FAILED, EXIT_OK

BUILT_IN = "built in"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def describe(registry: Any, name: str) -> dict[str, Any]:
    """One writer as ``--json`` shows it."""
    from ..config.schema import PACKAGE
    from ..errors import RegistryError
    from ..writers.base import NoDefaultPath

    package, version = registry.origin(name), registry.version(name)
    row: dict[str, Any] = {
        "name": name,
        "origin": BUILT_IN if package == PACKAGE else f"{package} {version}".strip(),
        "package": package,
        "version": version,
        "format": None,
        "default_paths": {},
        "error": None,
    }
    try:
        writer = registry.get(name)()
        row["format"] = writer.repository_format()
        try:
            defaults = writer.default_paths(os.environ)
            row["default_paths"] = {role: str(defaults[role]) for role in writer.roles()}
        except NoDefaultPath:
            row["default_paths"] = {role: None for role in writer.roles()}
    except RegistryError as e:
        row["error"] = str(e)
    return row


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
