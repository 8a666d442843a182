"""The system service's AWS settings, for ``doctor`` run by root on the service's config.

systemd gives the service the variables of its *environment file*
(``/etc/codeartifact-refresher/environment``, ``EnvironmentFile=``), which root's shell does not
have: off EC2, the AWS checks would otherwise find no credentials on a host whose service has
them. While the AWS checks run, :func:`applied` puts the file's variables in this process's
environment, as systemd does for the service, and takes them out again before any file check or
tool runs. Its values (credentials) are never shown: a finding names the variables only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import Config
from .findings import Finding, ok

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines as systemd's ``EnvironmentFile=`` reads them: ``#`` and ``;`` start a
    comment line, a value wholly in single or double quotes loses them."""
    found = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not NAME.match(key):
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key] = value
    return found


def of(cfg: Config) -> tuple[Path, dict[str, str]] | None:
    """The environment file and its variables when ``cfg`` is the system service's config and the
    caller (root) can read the file; None otherwise."""
    from ..service.install import layout

    system = layout.SYSTEM
    try:
        if not os.path.samefile(cfg.path, system.config):
            return None
        return system.env_file, parse(system.env_file.read_text())
    except (OSError, UnicodeDecodeError):
        return None


@contextmanager
def applied(cfg: Config) -> Iterator[list[Finding]]:
    """While the block runs, the service's environment file's variables in ``os.environ``; yields
    the finding that says so (none without such a file, or when it sets nothing)."""
    found = of(cfg)
    if found is None or not found[1]:
        yield []
        return
    path, variables = found
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        names = ", ".join(sorted(variables))
        yield [ok(f"the AWS checks below use the service's environment file {path} ({names}), as systemd gives it")]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
