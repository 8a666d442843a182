"""The package's metadata says what the program covers and where it lives, with one version.

The writers' names come from the registry (this package's entry points), not from a list here: a
new built-in writer must be named in pyproject's description and in ``--help``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import tomlkit

import codeartifact_refresher
from codeartifact_refresher import cli, commands

ROOT = Path(__file__).resolve().parents[2]
#: how the docs spell a tool whose writer's name is not the tool's own
SPELLED = {"gem": "RubyGems", "yarn-classic": "Yarn"}


@pytest.fixture(scope="module")
def project() -> dict:
    return tomlkit.parse((ROOT / "pyproject.toml").read_text())["project"].unwrap()


def built_in_writers() -> list[str]:
    eps = metadata.entry_points(group="codeartifact_refresher.writers")
    return sorted(ep.name for ep in eps if ep.dist is not None and ep.dist.name == "codeartifact-refresher")


def test_the_keywords_name_every_tool_a_built_in_writer_serves(project):
    """Every writer but the generic files (env, token, template) is a tool a user may search for."""
    keywords = {k.lower() for k in project["keywords"]}
    tools = [w for w in built_in_writers() if w not in ("env", "token", "template")]
    assert [w for w in tools if SPELLED.get(w, w).lower() not in keywords] == []


@pytest.mark.parametrize("where", ["pyproject description", "--help description"])
def test_every_built_in_writer_is_named(project, where):
    text = project["description"] if where == "pyproject description" else cli.DESCRIPTION
    writers = built_in_writers()
    assert len(writers) >= 20
    missing = [w for w in writers if not re.search(rf"\b{re.escape(SPELLED.get(w, w))}\b", text, re.I)]
    assert missing == [], f"the {where} does not name {missing}"
    assert "\n" not in text and "pip, npm and twine" not in text


def test_help_shows_the_description_and_points_only_at_commands_that_exist(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert " ".join(cli.DESCRIPTION.split()) in out
    epilog = cli.build_parser().epilog or ""
    for name, pointer in cli.POINTERS.items():
        assert (pointer in epilog) == (name in commands.COMMANDS), name
        assert f"`{name}`" in pointer


def test_one_version_everywhere(project):
    assert codeartifact_refresher.__version__ == metadata.version("codeartifact-refresher") == project["version"]
    done = subprocess.run([sys.executable, "-m", "codeartifact_refresher", "--version"], capture_output=True, text=True)
    assert done.stdout.strip() == f"codeartifact-refresher {project['version']}"


def test_project_urls_are_all_under_the_repository(project):
    urls = project["urls"]
    repository = urls["Repository"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repository)
    assert {"Changelog", "Issues"} <= set(urls)
    assert all(url == repository or url.startswith(repository + "/") for url in urls.values())
    assert urls["Changelog"].endswith("/CHANGELOG.md") and (ROOT / "CHANGELOG.md").is_file()
    installed = dict(u.split(", ", 1) for u in metadata.metadata("codeartifact-refresher").get_all("Project-URL") or [])
    assert installed == urls


def test_classifiers_match_the_python_versions_and_the_typing(project):
    versions = [
        c.rsplit(" ", 1)[1]
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert project["requires-python"] == f">={versions[0]}"
    assert versions == [f"3.{n}" for n in range(int(versions[0][2:]), int(versions[-1][2:]) + 1)]
    assert ("Typing :: Typed" in project["classifiers"]) == (
        ROOT / "daemon" / "codeartifact_refresher" / "py.typed"
    ).is_file()
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]  # the SPDX `license` says it
    assert project["readme"] == {"file": "README.md", "content-type": "text/markdown"}
