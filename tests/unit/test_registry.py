from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from codeartifact_refresher.errors import ConfigError, RegistryError
from codeartifact_refresher.writers import base, npm, pip, twine
from codeartifact_refresher.writers.registry import Registry


@dataclass
class FakeEntryPoint:
    name: str
    value: str
    package: str = "codeartifact-refresher"
    target: object = None
    error: Exception | None = None

    @property
    def dist(self):
        return SimpleNamespace(name=self.package, locate_file=lambda _: f"/site/{self.package}")

    def load(self):
        if self.error:
            raise self.error
        return self.target


class Custom(base.Writer):
    format = "generic"

    def default_path(self, environ=None):
        return Path("/tmp/custom")

    def render(self, current, creds):
        return creds.endpoint

    def find_secrets(self, text):
        return []


def test_installed_registry_has_the_builtin_writers_sorted():
    registry = Registry()
    assert registry.names()[:3] == ["npm", "pip", "twine"] or {"npm", "pip", "twine"} <= set(registry.names())
    assert registry.names() == sorted(registry.names())
    assert (
        registry.get("pip") is pip.Writer
        and registry.get("npm") is npm.Writer
        and registry.get("twine") is twine.Writer
    )


def test_unknown_writer_lists_the_available_ones():
    registry = Registry([FakeEntryPoint("zeta", "x:Y", target=Custom), FakeEntryPoint("alpha", "a:B", target=Custom)])
    with pytest.raises(RegistryError, match=r"unknown writer 'pipx'; available writers: alpha, zeta$"):
        registry.get("pipx")


def test_duplicate_name_from_two_packages_names_both():
    eps = [
        FakeEntryPoint("pip", "codeartifact_refresher.writers.pip:Writer", target=pip.Writer),
        FakeEntryPoint("pip", "evil_writers:Pip", package="evil-writers", target=Custom),
    ]
    with pytest.raises(RegistryError) as e:
        Registry(eps)
    assert str(e.value) == (
        "two packages declare the writer 'pip': codeartifact-refresher at /site/codeartifact-refresher "
        "(codeartifact_refresher.writers.pip:Writer, built in) and evil-writers at /site/evil-writers "
        "(evil_writers:Pip); uninstall the one you do not want"
    )


def test_a_package_that_says_it_is_us_is_still_refused_by_where_its_writer_loads_from():
    """The distribution name proves nothing: our writer's module, in this directory, does."""
    eps = [
        FakeEntryPoint("pip", "codeartifact_refresher.writers.pip:Writer", target=pip.Writer),
        FakeEntryPoint("pip", "evil_writers:Pip", target=Custom),  # package "codeartifact-refresher"
    ]
    with pytest.raises(
        RegistryError,
        match=r"\(codeartifact_refresher.writers.pip:Writer, built in\) and "
        r"codeartifact-refresher at /site/codeartifact-refresher \(evil_writers:Pip\)",
    ):
        Registry(eps)
    alone = Registry([FakeEntryPoint("pip", "evil_writers:Pip", target=Custom)])
    assert not alone.built_in("pip") and alone.origin("pip") == "codeartifact-refresher"


@pytest.mark.parametrize(
    "value",
    [
        "codeartifact_refresher.writers.no_such_writer:Writer",  # not a module of ours
        "codeartifact_refresher.writers.pip.sub:Writer",  # not one of the writers' modules
        "codeartifact_refresher_writers.pip:Writer",
        "pip:Writer",
    ],
)
def test_only_a_module_of_this_installation_is_built_in(value):
    assert not Registry([FakeEntryPoint("x", value, target=Custom)]).built_in("x")
    assert Registry([FakeEntryPoint("x", "codeartifact_refresher.writers.npm : Writer", target=npm.Writer)]).built_in(
        "x"
    )


def test_same_package_seen_twice_on_the_path_is_not_a_conflict():
    eps = [FakeEntryPoint("pip", "m:W", target=pip.Writer), FakeEntryPoint("pip", "m:W", target=pip.Writer)]
    assert Registry(eps).get("pip") is pip.Writer


def test_load_failure_names_the_module_and_package():
    ep = FakeEntryPoint(
        "broken", "broken_writer.module:Writer", package="broken-writer", error=ImportError("no module named yaml2")
    )
    registry = Registry([ep, FakeEntryPoint("ok", "ok:W", target=Custom)])
    assert registry.get("ok") is Custom  # one broken plugin does not break the others
    with pytest.raises(
        RegistryError,
        match=r"writer 'broken' from broken-writer failed to load from "
        r"broken_writer.module:Writer: ImportError: no module named yaml2",
    ):
        registry.get("broken")


@pytest.mark.parametrize("target", [object, "a string", base.Writer.render, int])
def test_entry_point_must_be_a_writer_class(target):
    registry = Registry([FakeEntryPoint("odd", "odd:Thing", target=target)])
    with pytest.raises(RegistryError, match=r"is not a subclass of codeartifact_refresher.writers.base.Writer"):
        registry.get("odd")


def test_config_reports_a_broken_plugin_at_its_line(tmp_path):
    from codeartifact_refresher import config

    path = tmp_path / "c.yaml"
    path.write_text("domains:\n  - domain: acme\n    targets:\n      - writer: broken\n        repository: store\n")
    registry = Registry([FakeEntryPoint("broken", "b:W", package="b", error=SyntaxError("bad"))])
    with pytest.raises(ConfigError) as e:
        config.load(path, registry)
    assert str(e.value).startswith(f"{path}:4: writer: writer 'broken' from b failed to load")


def test_a_plugin_missing_a_method_is_refused_when_it_is_loaded_naming_the_methods():
    class NoSecrets(base.Writer):  # forgot find_secrets: refused at load, not at its first --dry-run
        format = "generic"

        def default_path(self, environ=None):
            return Path("/tmp/x")

        def render(self, current, creds):
            return ""

    class HalfMulti(base.MultiFileWriter):
        format = "generic"
        files = ("extra", base.MAIN)

        def default_paths(self, environ=None):
            return {}

    registry = Registry(
        [
            FakeEntryPoint("nosecrets", "nosecrets_writer:Writer", package="nosecrets-writer", target=NoSecrets),
            FakeEntryPoint("half", "half:W", package="half-writer", target=HalfMulti),
        ]
    )
    with pytest.raises(RegistryError) as e:
        registry.get("nosecrets")
    assert str(e.value) == (
        "writer 'nosecrets' from nosecrets-writer (nosecrets_writer:Writer) does not implement find_secrets: "
        "see 'Writing a third-party writer' in docs/writers/README.md"
    )
    with pytest.raises(
        RegistryError, match=r"half-writer \(half:W\) does not implement find_file_secrets, render_file:"
    ):
        registry.get("half")


def test_every_built_in_writer_is_complete():
    registry = Registry()
    for name in registry.names():
        if registry.origin(name) == "codeartifact-refresher":
            assert not registry.get(name).__abstractmethods__, name
