"""Output kinds: a target says where its credentials go with one key of a family (``path:`` for a
file); a kind registered here, in memory, is configured, refreshed, shown by ``status`` and told
to a hook without any change to refresh, the state file, status or hooks."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import pytest

from codeartifact_refresher import cli, config
from codeartifact_refresher.errors import ConfigError
from codeartifact_refresher.outputs import Output, Snapshot, kinds
from codeartifact_refresher.outputs.base import Guard, Render
from codeartifact_refresher.writers.base import Writer

from ..conftest import write_config

STORE: dict[str, str] = {}  # what the memory outputs hold, by name


@dataclass(frozen=True)
class MemoryOutput(Output):
    """One entry of :data:`STORE`: no file anywhere."""

    name: str

    def describe(self) -> str:
        return f"memory:{self.name}"

    @property
    def key(self) -> Hashable:
        return ("memory", self.name)

    def preview(self, render: Render) -> tuple[Snapshot, Snapshot]:
        current = STORE.get(self.name)
        return Snapshot(self.describe(), current), Snapshot(self.describe(), render(current))

    def update(self, render: Render, guard: Guard = contextlib.nullcontext) -> bool:
        current = STORE.get(self.name)
        new = render(current)
        with guard():
            STORE[self.name] = new
        return new != current


def _memory(name: str, writer: Writer, fields: kinds.Fields) -> kinds.Outputs:
    value = fields.text("memory", "a name")
    assert value is not None  # the kind is built only when its key is there
    return tuple((role, MemoryOutput(value if role == "main" else f"{value}/{role}")) for role in writer.roles())


@pytest.fixture
def memory():
    kinds.register(kinds.Kind("memory", "a name", _memory))
    STORE.clear()
    yield STORE
    kinds.unregister("memory")
    STORE.clear()


HOOK = """
import os, sys
with open(sys.argv[1], "w") as f:
    f.write(os.environ["CODEARTIFACT_REFRESHER_FILES"] + "|" + os.environ["CODEARTIFACT_REFRESHER_TARGETS"])
"""


def test_a_target_in_memory_is_refreshed_shown_and_told_to_its_hook(standin, tmp_path, home, memory, capsys):
    hook, told = tmp_path / "hook.py", tmp_path / "told"
    hook.write_text(HOOK)
    targets = (
        "      - writer: npm\n"
        "        repository: npm-store\n"
        "        memory: creds\n"
        f"        on_change: [{sys.executable}, {hook}, {told}]\n"
        "      - {writer: pip, repository: pypi-store}\n"
    )
    path = write_config(tmp_path / "c.yaml", standin, targets)
    assert cli.main(["check", "--config", str(path)]) == 0
    assert f"acme ({standin.account}): npm npm-store -> memory:creds\n" in capsys.readouterr().out
    assert cli.main(["-v", "refresh", "--config", str(path)]) == 0
    assert ":_authToken=" in memory["creds"] and "registry=" in memory["creds"]
    assert f"acme ({standin.account}): npm npm-store memory:creds: written\n" in capsys.readouterr().err
    assert not (home / ".npmrc").exists()  # npm's default file is not written
    identity = "npm npm-store memory:creds"
    assert told.read_text() == f"memory:creds|{identity}"
    capsys.readouterr()
    assert cli.main(["status", "--config", str(path), "--json"]) == 0
    [domain] = json.loads(capsys.readouterr().out)["domains"]
    npm, pip = domain["targets"]
    assert (npm["id"], npm["where"], npm["outcome"]) == (identity, "memory:creds", "written")
    assert pip["where"] == str(home / ".config/pip/pip.conf") and pip["outcome"] == "written"
    assert cli.main(["status", "--config", str(path)]) == 0
    assert "  npm    npm-store memory:creds: written\n" in capsys.readouterr().out
    saved = json.loads((home / ".local/state/codeartifact-refresher/state.json").read_text())
    [records] = [d["targets"] for d in saved["domains"].values()]
    assert records[identity]["outcome"] == "written"
    assert cli.main(["refresh", "--config", str(path)]) == 0  # a second round: a new token, again
    assert told.read_text() == f"memory:creds|{identity}"


def test_a_dry_run_shows_a_memory_output_redacted(standin, tmp_path, home, memory, capsys):
    path = write_config(tmp_path / "c.yaml", standin, "      - {writer: npm, repository: npm-store, memory: creds}\n")
    assert cli.main(["refresh", "--dry-run", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "+++ memory:creds" in out and "_authToken=<redacted>" in out and memory == {}


def load(tmp_path: Path, standin, target: str) -> config.Config:
    return config.load(write_config(tmp_path / "c.yaml", standin, target))


def test_a_target_gives_one_output_key(standin, tmp_path, memory):
    with pytest.raises(ConfigError) as e:
        load(
            tmp_path,
            standin,
            "      - writer: npm\n        repository: npm-store\n        path: /x/.npmrc\n        memory: m\n",
        )
    assert str(e.value) == (
        f"{tmp_path / 'c.yaml'}:10: memory: this npm target already writes to path:; give one of them"
    )


def test_a_file_setting_is_refused_for_another_kind(standin, tmp_path, memory):
    with pytest.raises(ConfigError) as e:
        load(tmp_path, standin, "      - {writer: npm, repository: npm-store, memory: m, mode: '0640'}\n")
    assert str(e.value) == (
        f"{tmp_path / 'c.yaml'}:7: mode: applies to a target written with 'path:', not to one with 'memory:'"
    )


def test_a_writer_without_a_default_place_needs_an_output_key(standin, tmp_path, memory):
    with pytest.raises(ConfigError) as e:
        load(tmp_path, standin, "      - {writer: env, repository: pypi-store}\n")
    assert f"{tmp_path / 'c.yaml'}:7: the env target needs 'path:'" in str(e.value)
    [domain] = load(tmp_path, standin, "      - {writer: env, repository: pypi-store, memory: m}\n").domains
    assert domain.targets[0].where == "memory:m"


def test_targets_compare_by_their_settings_not_their_writer_instance(standin, tmp_path):
    target = "      - {writer: npm, repository: npm-store, scope: '@acme'}\n"
    [first], [second] = (load(tmp_path, standin, target).domains[0].targets for _ in range(2))
    assert first == second and hash(first) == hash(second) and first.instance is not second.instance
    [other] = load(tmp_path, standin, target.replace("@acme", "@beta")).domains[0].targets
    assert other != first and other.identity != first.identity
    with pytest.raises(TypeError, match="not to a file"):
        _ = config.Target("npm", "npm-store", (("main", MemoryOutput("m")),)).path
