"""The config examples in the writer pages pass ``check``: a newcomer pastes them."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from codeartifact_refresher import config

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs" / "writers").glob("*.md"))
DOMAIN = 'domains:\n  - domain: acme\n    owner: "111122223333"\n    region: us-east-1\n'


def examples() -> list[tuple[str, str]]:
    """Every ```yaml block of a writer page that configures a target, as a whole config: a list
    of targets, or a ``targets:`` key, goes under one domain entry."""
    found = []
    for page in PAGES:
        for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", page.read_text(), re.S)):
            text = textwrap.dedent(block)
            if "writer:" not in text:
                continue  # a tool's own file shown as an example (a template's output...)
            if text.lstrip().startswith("- "):
                text = "targets:\n" + textwrap.indent(text, "  ")
            if text.lstrip().startswith("targets:"):
                text = DOMAIN + textwrap.indent(text, "    ")
            found.append((f"{page.stem}-{i}", text))
    return found


EXAMPLES = examples()


def test_every_writer_page_has_an_example():
    assert {name.rsplit("-", 1)[0] for name, _ in EXAMPLES} >= {p.stem for p in PAGES} - {"README"}


@pytest.mark.parametrize(("name", "text"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_a_writer_pages_example_passes_check(name, text, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    cfg = config.load(path)
    assert cfg.domains and all(d.targets for d in cfg.domains)
