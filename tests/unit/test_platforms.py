"""What differs by platform: the clock that counts sleep (CLOCK_BOOTTIME on Linux, CLOCK_MONOTONIC on
macOS), and the tests that only hold on Linux (:mod:`tests.platforms`), skipped elsewhere with
their reasons and run on Linux."""

from __future__ import annotations

import ast
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codeartifact_refresher.platform import linux

from .. import platforms

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("platform", "clock"),
    [("linux", "CLOCK_BOOTTIME"), ("darwin", "CLOCK_MONOTONIC"), ("freebsd14", None)],
)
def test_the_clock_that_counts_sleep_is_each_systems_own(monkeypatch, platform, clock):
    monkeypatch.setattr(sys, "platform", platform)
    assert linux.elapsed_clock_id() == (getattr(time, clock) if clock else None)


def test_the_clock_chosen_here_reads_and_advances():
    clock = linux.elapsed_clock_id()
    if clock is None:
        pytest.skip(f"{sys.platform} has no clock that counts sleep: time.monotonic is used")
    first = time.clock_gettime(clock)
    assert time.clock_gettime(clock) >= first > 0


@dataclass
class Item:
    nodeid: str
    originalname: str
    name: str = ""
    markers: list[pytest.MarkDecorator] = field(default_factory=list)

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)


def test_the_linux_only_tests_skip_elsewhere_with_their_reason_and_run_on_linux():
    listed = next(iter(platforms.LINUX_ONLY))
    path, name = listed.split("::")
    items = [Item(f"{path}::{name}[x]", name), Item("tests/unit/test_cli.py::test_other", "test_other")]
    assert platforms.skip_where_not_linux(items, "linux") == [] and items[0].markers == []
    assert platforms.skip_where_not_linux(items, "darwin") == [items[0].nodeid]
    [marker] = items[0].markers
    assert marker.name == "skip" and marker.kwargs["reason"].startswith("not on darwin: this test ")
    assert items[1].markers == []


def test_every_listed_test_exists():
    """The list names real test functions: a renamed test does not leave a stale line behind."""
    for where in platforms.LINUX_ONLY:
        path, name = where.split("::")
        tree = ast.parse((ROOT / path).read_text())
        assert name in {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}, where
