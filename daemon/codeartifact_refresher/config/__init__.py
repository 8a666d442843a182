"""The config: its model, where it lives, and how a file becomes a :class:`Config`."""
from .locations import default_path
from .model import Config, Domain, Health, Target
from .loader import load, parse

__all__ = ["Config", "Domain", "Health", "Target", "default_path", "load", "parse"]
