"""The config: its model, where it lives, and how a file becomes a :class:`Config`."""

from .loader import load, parse
from .locations import default_path
from .model import Agent, Config, Domain, Health, Target

__all__ = ["Agent", "Config", "Domain", "Health", "Target", "default_path", "load", "parse"]
