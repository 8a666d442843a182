"""codeartifact-refresher: keeps AWS CodeArtifact tokens fresh in package managers' config files."""

from importlib import metadata

try:
    __version__ = metadata.version("codeartifact-refresher")  # the one source: pyproject.toml
except metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
