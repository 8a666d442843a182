"""The writer parts of ``configs/schema.json``, made from the built-in writers' ``Options``.

``python -m codeartifact_refresher.config.schema configs/schema.json`` rewrites, in that file,
``$defs/options-WRITER`` for every built-in writer, the ``if writer == NAME`` branches of
``$defs/target`` and the list of names in its ``writer`` description; everything else in the
file is hand-written and kept. ``--check`` only says whether the file is up to date (a test runs
it). Plugins' options are not listed: ``check`` is the authority for those.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from ..writers import options
from ..writers.base import Writer
from ..writers.registry import Registry


def built_in(registry: Registry | None = None) -> dict[str, type[Writer[Any]]]:
    """Every built-in writer class (loaded from this installation's files), by entry-point name."""
    registry = registry or Registry()
    return {name: registry.get(name) for name in registry.names() if registry.built_in(name)}


def regenerate(schema: dict[str, Any], writers: dict[str, type[Writer[Any]]]) -> dict[str, Any]:
    """``schema`` with its writer parts made from ``writers``."""
    schema = copy.deepcopy(schema)
    defs = schema["$defs"]
    for key in [k for k in defs if k.startswith("options-")]:
        del defs[key]
    target = defs["target"]
    target["allOf"] = []
    for name, cls in sorted(writers.items()):
        defs[f"options-{name}"] = {"properties": options.schema(cls.Options)}
        if options.required(cls.Options):
            defs[f"options-{name}"]["required"] = list(options.required(cls.Options))
        target["allOf"].append(
            {
                "if": {"required": ["writer"], "properties": {"writer": {"const": name}}},
                "then": {"$ref": f"#/$defs/options-{name}"},
            }
        )
    names = ", ".join(sorted(writers))
    target["properties"]["writer"]["description"] = f"a writer's entry-point name: {names}, or a plugin's"
    return schema


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeartifact_refresher.config.schema", description=__doc__)
    parser.add_argument("file", type=Path, help="configs/schema.json")
    parser.add_argument("--check", action="store_true", help="only say whether the file is up to date")
    args = parser.parse_args(argv)
    text = args.file.read_text()
    new = dumps(regenerate(json.loads(text), built_in()))
    if new == text:
        return 0
    if args.check:
        print(f"{args.file} is out of date: run python -m codeartifact_refresher.config.schema {args.file}")
        return 1
    args.file.write_text(new)
    print(f"{args.file}: updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
