"""codeartifact-refresher: keeps AWS CodeArtifact tokens fresh in package managers' config files."""

__version__ = "0.1.0"
