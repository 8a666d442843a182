"""Config text from data: a commented YAML file in the layout the README documents.

The generator writes new text; it never edits an existing file. Its input is plain data (a
*header* of comment lines, the ``defaults`` settings, and each domain entry's settings and
targets, each target with an optional comment), so anything that proposes targets can use it. A
value is written as a plain YAML scalar when PyYAML reads it back as the same string, else in
double quotes (JSON's escapes are YAML's): an owner ``"111122223333"``, a scope ``"@acme"``; a
``${`` in it is written ``$${``, which the loader's interpolation reads as a literal ``${``.
Paths under the home directory are written ``~/...``. The caller loads the text with the real
loader before it is written anywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..redaction import replace_controls

#: the order of a domain entry's settings in the text; others follow, sorted
DOMAIN_ORDER = ("owner", "region", "profile", "role_arn", "endpoint_url", "endpoint_type", "duration")
_PLAIN = re.compile(r"[A-Za-z0-9_./~][A-Za-z0-9_./~:+-]*")


@dataclass(frozen=True)
class TargetSpec:
    writer: str
    repository: str
    path: Path | None = None
    options: tuple[tuple[str, Any], ...] = ()
    comment: str = ""


@dataclass(frozen=True)
class DomainSpec:
    domain: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    targets: Sequence[TargetSpec] = ()


def scalar(value: Any) -> str:
    """``value`` as a YAML scalar that reads back as the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("${", "$${")  # the loader's interpolation reads "$${" as a literal "${"
    return text if _PLAIN.fullmatch(text) and _reads_back(text) else json.dumps(text)


def _reads_back(text: str) -> bool:
    import yaml

    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def comment(text: str, indent: str) -> str:
    """A comment line of ``text``, a control character (a newline in a file name) shown as ``?``."""
    return f"{indent}# {replace_controls(text)}".rstrip()


def shown_path(path: Path, home: Path) -> str:
    """``~/x`` for a path under ``home``, else the path as it is."""
    try:
        return f"~/{path.relative_to(home)}"
    except ValueError:
        return str(path)


def render(domains: Sequence[DomainSpec], defaults: Mapping[str, Any], header: Sequence[str], home: Path) -> str:
    """The config text (see the module doc)."""
    lines = [comment(line, "") for line in header]
    if defaults:
        lines += ["", "defaults:"] + [f"  {k}: {scalar(v)}" for k, v in _ordered(defaults)]
    lines += ["", "domains:"]
    for domain in domains:
        lines.append(f"  - domain: {scalar(domain.domain)}")
        lines += [f"    {k}: {scalar(v)}" for k, v in _ordered(domain.settings)]
        lines.append("    targets:")
        for target in domain.targets:
            lines += _target(target, home)
    return "\n".join(lines) + "\n"


def _ordered(settings: Mapping[str, Any]) -> list[tuple[str, Any]]:
    rank = {k: i for i, k in enumerate(DOMAIN_ORDER)}
    return sorted(settings.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def _target(target: TargetSpec, home: Path) -> list[str]:
    lines = [comment(target.comment, "      ")] if target.comment else []
    lines += [f"      - writer: {scalar(target.writer)}", f"        repository: {scalar(target.repository)}"]
    if target.path is not None:
        lines.append(f"        path: {scalar(shown_path(target.path, home))}")
    lines += [f"        {k}: {scalar(v)}" for k, v in target.options]
    return lines
