"""The package declares what it imports, and imports what it declares.

Every import in ``daemon/codeartifact_refresher`` (at the top of a module or inside a function, as
the heavy ones are) of something outside the standard library must come from a distribution
that ``pyproject.toml`` lists in ``[project] dependencies``; and each dependency listed there must
be imported somewhere (boto3 was declared while the code went to botocore directly). The
contract test that plugin authors run under pytest may also use the ``test`` extra.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import tomlkit
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import codeartifact_refresher

PACKAGE = Path(codeartifact_refresher.__file__).parent
PYPROJECT = PACKAGE.parents[1] / "pyproject.toml"
#: modules only tests import (the writer contract's test classes): the ``test`` extra is theirs
TEST_ONLY = {"testing/writer_contract.py"}
#: folders whose modules may also import an optional extra's distributions (imported inside
#: functions, only for the configs that use them), by extra
EXTRAS = {"kube/": "kubernetes"}


def imported_modules(path: Path) -> set[str]:
    """The top-level names of the absolute imports in ``path``, wherever they are in the module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found - set(sys.stdlib_module_names) - {"codeartifact_refresher"}


@functools.cache
def _providers() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def distributions(modules: set[str]) -> set[str]:
    """The installed distributions that provide ``modules``, by canonical name."""
    providers = _providers()
    missing = sorted(m for m in modules if m not in providers)
    assert not missing, f"imported but provided by no installed distribution: {missing}"
    return {canonicalize_name(d) for m in modules for d in providers[m]}


@functools.cache
def declared(extra: str | None = None) -> set[str]:
    """pyproject.toml's dependencies (or an extra's), by canonical name."""
    project = tomlkit.parse(PYPROJECT.read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(str(line)).name) for line in listed}


def imports_by_kind() -> tuple[set[str], set[str]]:
    """(the distributions the package's modules import, those only its test-only modules import);
    what a module of an :data:`EXTRAS` folder imports from its extra is left out."""
    runtime: set[str] = set()
    test_only: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        found = distributions(imported_modules(path))
        for folder, extra in EXTRAS.items():
            if relative.startswith(folder):
                found -= declared(extra) - declared()
        (test_only if relative in TEST_ONLY else runtime).update(found)
    return runtime, test_only


def test_an_extra_is_imported_only_in_its_folder():
    """``kubernetes`` (the ``[kubernetes]`` extra) only under ``kube/``, where ``check`` never goes."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for folder, extra in EXTRAS.items():
            if not relative.startswith(folder):
                assert not distributions(imported_modules(path)) & (declared(extra) - declared()), relative


def test_every_third_party_import_is_a_declared_dependency():
    runtime, test_only = imports_by_kind()
    assert runtime - declared() == set(), "imported by the package but not in [project] dependencies"
    assert test_only - declared() - declared("test") == set(), "imported by the writer contract, in no extra"


def test_every_declared_dependency_is_imported():
    runtime, _ = imports_by_kind()
    assert declared() - runtime == set(), "in [project] dependencies but imported nowhere in the package"


def test_botocore_is_declared_and_boto3_is_not():
    """The code calls botocore's session and clients itself; boto3 would be a second SDK layer
    installed (and its s3transfer) for nothing."""
    assert "botocore" in declared() and "boto3" not in declared()


def test_the_import_scan_sees_imports_inside_functions(tmp_path):
    """The heavy imports sit inside functions (``check`` must not load them): the scan finds them."""
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    import botocore.session\n    from yaml import safe_load\n")
    assert imported_modules(module) == {"botocore", "yaml"}
