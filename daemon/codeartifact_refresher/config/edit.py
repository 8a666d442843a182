"""Adding a target to a config file, keeping every byte of it: what ``login --keep-fresh`` does.

The config is edited by *splicing* (as the Yarn editor does, :mod:`..writers.formats.yaml_splice`):
PyYAML composes it into nodes that know their offsets, and the new text goes in at an offset, so
comments, quoting and indentation stay as written. A target joins the ``targets`` of its domain
*entry* (the one whose settings, with ``defaults`` applied, are those given: the caller finds it
with the loaded config, so the entry's index is all this module needs); without such an entry a
new one is added to ``domains``. New lines take the indentation of the list they join (block
style), or are written in flow style inside ``[...]``. A config that does not exist yet is
written whole, with a header. The caller loads the result to check it before writing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError, WriterError
from ..platform.paths import home
from ..writers.formats.yaml_splice import compose, line_end, newline
from . import generator
from .generator import scalar

Settings = Mapping[str, Any]  # key -> a string, number or boolean, in the order they are written

HEADER = (
    "codeartifact-refresher config (`codeartifact-refresher check` validates it; every key is in the",
    'README\'s "Config reference"). Targets were added by `codeartifact-refresher login --keep-fresh`.',
)


def new_config(domain: Settings, target: Settings) -> str:
    """A whole config holding one domain entry with one target (:mod:`.generator` writes it)."""
    settings = {k: v for k, v in domain.items() if k != "domain"}
    extra = {k: v for k, v in target.items() if k not in ("writer", "repository", "path")}
    path = Path(target["path"]) if "path" in target else None
    spec = generator.TargetSpec(target["writer"], target["repository"], path, tuple(extra.items()))
    return generator.render([generator.DomainSpec(domain["domain"], settings, [spec])], {}, HEADER, home())


def add_target(text: str, index: int | None, domain: Settings, target: Settings) -> str:
    """``text`` with ``target`` added to the ``targets`` of domain entry ``index`` (its position in
    ``domains``), or, when ``index`` is None, a new entry for ``domain`` holding it."""
    try:
        root = compose(text, "codeartifact-refresher")
    except WriterError as e:  # the message names the line, never the text
        raise ConfigError(f"cannot add to the config: {e}") from None
    domains = _value(root, "domains") if root is not None else None
    if domains is None or not hasattr(domains, "value") or not isinstance(domains.value, list):
        raise ConfigError("cannot add to the config: it has no 'domains:' list")
    if index is None:
        return _append(text, domains, _domain_lines, domain, target)
    targets = _value(domains.value[index], "targets")
    if targets is None or not isinstance(targets.value, list) or not targets.value:
        raise ConfigError("cannot add to the config: the domain entry has no 'targets:' list")
    return _append(text, targets, lambda _, t, dash: _item_lines(t, dash), domain, target)


def _value(mapping: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node, or None."""
    pairs = mapping.value if isinstance(getattr(mapping, "value", None), list) else []
    for pair in pairs:
        if isinstance(pair, tuple) and getattr(pair[0], "value", None) == key:
            return pair[1]
    return None


def _append(text: str, sequence: Any, lines_of: Any, domain: Settings, target: Settings) -> str:
    """``text`` with a new last item of the sequence node, made by ``lines_of(domain, target, dash)``."""
    if sequence.flow_style:  # [..., ...]: a flow item before the closing bracket
        close = sequence.end_mark.index - 1
        item = _flow(target) if lines_of is not _domain_lines else _flow_domain(domain, target)
        return text[:close].rstrip() + f", {item}" + text[close:]
    first = sequence.value[0]
    dash = sequence.start_mark.column
    end = line_end(text, _last_index(sequence.value[-1]))
    nl = newline(text)
    lines = lines_of(domain, target, dash)
    if first.start_mark.column > dash + 2:  # "-   key": keep the file's own gap after the dash
        gap = " " * (first.start_mark.column - dash - 2)
        lines = [line.replace("- ", "- " + gap, 1) if i == 0 else gap + line for i, line in enumerate(lines)]
    return text[:end] + nl + nl.join(lines) + text[end:] + ("" if text[end:] else nl)


def _last_index(node: Any) -> int:
    """The offset of the last character of ``node``'s last scalar (its end mark may lie past
    trailing comments and blank lines)."""
    while isinstance(node.value, list) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return max(int(node.start_mark.index), int(node.end_mark.index) - 1)


def _item_lines(values: Settings, dash: int) -> list[str]:
    """A block mapping as a list item: ``- key: value`` then the keys under it."""
    pad = " " * (dash + 2)
    lines = [f"{pad}{key}: {scalar(value)}" for key, value in values.items()]
    return [" " * dash + "- " + lines[0].lstrip(), *lines[1:]]


def _domain_lines(domain: Settings, target: Settings, dash: int) -> list[str]:
    lines = _item_lines(domain, dash)
    lines.append(" " * (dash + 2) + "targets:")
    return lines + _item_lines(target, dash + 4)


def _flow(values: Settings) -> str:
    return "{" + ", ".join(f"{key}: {scalar(value)}" for key, value in values.items()) + "}"


def _flow_domain(domain: Settings, target: Settings) -> str:
    return _flow(domain)[:-1] + f", targets: [{_flow(target)}]}}"
