"""Writers: one module per tool, each exporting a class named ``Writer``."""

from .base import Credentials, Writer

__all__ = ["Credentials", "Writer"]
