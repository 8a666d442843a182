import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from codeartifact_refresher import cli
from codeartifact_refresher.commands import writers
from codeartifact_refresher.writers import base
from codeartifact_refresher.writers.registry import Registry

from .test_cli import HEAVY


@dataclass
class EntryPoint:
    name: str
    value: str
    package: str
    version: str
    target: object = None

    @property
    def dist(self):
        return SimpleNamespace(name=self.package, version=self.version)

    def load(self):
        if self.target is None:
            raise ImportError("No module named 'gone'")
        return self.target


class TwoFiles(base.MultiFileWriter):
    format = "cargo"
    files = ("credentials", base.MAIN)

    def default_paths(self, environ=os.environ):
        return {"credentials": Path("/h/creds.toml"), base.MAIN: Path("/h/config.toml")}

    def render_file(self, role, current, creds):
        return ""

    def find_file_secrets(self, role, text):
        return []


def test_lists_every_installed_writer_sorted_with_format_path_and_origin(capsys, home):
    assert cli.main(["writers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "FORMAT", "ORIGIN", "DEFAULT", "PATH"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == sorted(rows) and {"env", "npm", "pip", "template", "token", "twine"} <= set(rows)
    assert rows["npm"].split() == ["npm", "npm", "built", "in", str(home / ".npmrc")]
    assert rows["env"].endswith("(path required)")


def test_json_names_package_version_and_each_roles_path(capsys, home):
    assert cli.main(["writers", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["pip"]["origin"] == "built in" and rows["pip"]["package"] == "codeartifact-refresher"
    assert rows["pip"]["default_paths"] == {"main": str(home / ".config/pip/pip.conf")}
    assert rows["token"]["format"] == "generic" and rows["template"]["default_paths"] == {"main": None}


def test_a_plugin_shows_its_package_and_version_and_a_broken_one_its_error():
    registry = Registry(
        [
            EntryPoint("rust", "acme_writers:TwoFiles", "acme-writers", "1.2.0", TwoFiles),
            EntryPoint("gone", "gone:Writer", "broken-writers", "0.1"),
        ]
    )
    rows = [writers.describe(registry, name) for name in registry.names()]
    assert rows[1]["origin"] == "acme-writers 1.2.0"
    assert rows[1]["default_paths"] == {"credentials": "/h/creds.toml", "main": "/h/config.toml"}
    assert "failed to load from gone:Writer" in rows[0]["error"]
    text = writers.table(rows)
    assert "credentials: /h/creds.toml, main: /h/config.toml" in text
    assert "gone  -" in text and "broken-writers 0.1" in text


def test_writers_loads_no_aws_scheduler_or_format_library():
    script = (
        "import sys; from codeartifact_refresher import cli; status = cli.main(['writers']); "
        f"print(status, sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr
