"""The file writer's two ways of putting a new file in place, for tests to run under each.

``exchange``: ``renameat2`` (RENAME_EXCHANGE, or RENAME_NOREPLACE for a new file), as on Linux.
``rename``: ``os.replace`` after a final re-read, as where ``renameat2`` is missing (macOS, some
network file systems); ``linux.renameat2()`` is looked up at call time, so patching it to return
None is enough. Bind the :func:`rename_strategy` fixture in a test module (``rename_strategy =
renames.rename_strategy``) and use it by name or with ``usefixtures``; a test that only makes
sense under one strategy says so with ``@only("exchange")`` and a docstring saying why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codeartifact_refresher.platform import linux

STRATEGIES = ("exchange", "rename")


def only(strategy: str):
    """Run the test under ``strategy`` alone (this overrides the fixture's parameters)."""
    assert strategy in STRATEGIES

    def mark(test):
        test = pytest.mark.parametrize("rename_strategy", [strategy], indirect=True)(test)
        return pytest.mark.usefixtures("rename_strategy")(test)

    return mark


@pytest.fixture(params=STRATEGIES)
def rename_strategy(request, monkeypatch) -> Iterator[str]:
    strategy = request.param
    if strategy == "rename":
        monkeypatch.setattr(linux, "renameat2", lambda: None)
        yield strategy
        return
    real = linux.renameat2()
    if real is None and not linux.is_linux():
        pytest.skip("renameat2 (RENAME_EXCHANGE) is Linux's: elsewhere the rename strategy is the one that runs")
    assert real is not None, "renameat2 is missing here: the exchange strategy would test the fallback"
    results = []

    def spy(*args):
        results.append(real(*args))
        return results[-1]

    monkeypatch.setattr(linux, "renameat2", lambda: spy)
    yield strategy
    # a test that tried the exchange must have had one succeed, or it silently fell back to
    # os.replace (a file system without RENAME_EXCHANGE), and "exchange" tested nothing new
    assert not results or 0 in results, "renameat2 never succeeded here: the exchange path went untested"
