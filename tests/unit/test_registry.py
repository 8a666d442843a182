from dataclasses import dataclass
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
        return SimpleNamespace(name=self.package)

    def load(self):
        if self.error:
            raise self.error
        return self.target


class Custom(base.Writer):
    format = "generic"


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
        "two packages declare the writer 'pip': codeartifact-refresher "
        "(codeartifact_refresher.writers.pip:Writer) and evil-writers (evil_writers:Pip)"
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
