"""codeartifact-refresher: keeps AWS CodeArtifact tokens fresh in package managers' config files."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed metadata when first asked for (PEP 562): the
    keyring backend and the cargo provider import this package on every client lookup, and
    ``importlib.metadata`` alone costs them about 50 ms."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("codeartifact-refresher")  # the one source: pyproject.toml
    except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version
