"""pdm: a package index with its credentials in pdm's global ``config.toml``.

pdm reads its global config from ``$PDM_CONFIG_FILE`` (or ``--config``), else platformdirs'
``user_config_path("pdm") / "config.toml"`` (``$XDG_CONFIG_HOME/pdm/config.toml``,
``~/Library/Application Support/pdm/config.toml`` on macOS): pdm's ``core.py`` and
``project/core.py`` ``Project.__init__``. Its ``project/config.py`` ``load_config`` flattens the
``[pypi]`` table one level: ``[pypi] url``, ``username`` and ``password`` are the *default index*
(``pypi.url``, which replaces https://pypi.org/simple), and every other ``[pypi.<name>]`` table is
a *named source* that ``Project.get_sources`` adds to the default index, unless
``pypi.ignore_stored_index`` is set (then only a project source of the same name takes its
credentials from it). The option ``index`` picks one:

- ``extra`` (the default): the target owns ``[pypi.<name>]`` ``url``, ``username`` and
  ``password``; ``name`` must not be one of pdm's own ``pypi.*`` settings;
- ``primary``: the target owns ``[pypi]`` ``url``, ``username`` and ``password``.

The URL is the repository's PEP 503 index, ``<endpoint>simple/``, its host spelled as clients
send it; the username is ``aws`` and the password the token. Other keys of the table
(``verify_ssl``, ``include_packages``...) stay as they are. ``PDM_PYPI_*`` environment variables
and a project's ``pdm.toml`` belong to where pdm runs, not to this file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..platform import paths
from . import base
from .formats import toml, urls
from .formats.toml import TomlDocument
from .options import not_one_of, option

DEFAULT_NAME = "codeartifact"
TABLE = "pypi"
#: pdm's own ``pypi.*`` settings (``project/config.py`` ``Config._config_map``): not source names
SETTINGS = (
    "url",
    "verify_ssl",
    "username",
    "password",
    "ca_certs",
    "ignore_stored_index",
    "client_cert",
    "client_key",
    "json_api",
)
_EXPECTED_NAME = "expected a pdm source name of letters, digits, '.', '_' or '-', not one of pdm's pypi.* settings"


@dataclass(frozen=True)
class Options(base.Options):
    name: str = option(
        DEFAULT_NAME,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        expected=_EXPECTED_NAME,
        check=not_one_of(SETTINGS, _EXPECTED_NAME),
        description="pdm only: the source name, [pypi.NAME] (with index: extra)",
    )
    index: Literal["primary", "extra"] = option(
        "extra", description="pdm only: extra adds the source [pypi.NAME], primary replaces the default index [pypi]"
    )


def index_url(creds: base.Credentials) -> str:
    """The repository's PEP 503 index: ``https://host/pypi/repo/simple/``."""
    return urls.normalized(creds.endpoint).rstrip("/") + "/simple/"


class Writer(base.Writer[Options]):
    format = "pypi"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        if environ.get("PDM_CONFIG_FILE"):
            return Path(environ["PDM_CONFIG_FILE"]).expanduser()
        where = paths.application_support(environ) if paths.is_macos() else paths.xdg_config_home(environ)
        return where / "pdm" / "config.toml"

    def _table(self) -> tuple[str, ...]:
        return (TABLE,) if self.options.index == "primary" else (TABLE, self.options.name)

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = TomlDocument(current)
        table = self._table()
        doc.set(table, "url", index_url(creds))
        doc.set(table, "username", "aws")
        doc.set(table, "password", creds.token)
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        table = self._table()
        written = {"url": index_url(creds), "username": "aws", "password": creds.token}
        return toml.read_back(text, "pdm", *(((*table, k), v) for k, v in written.items()))

    def claims(self) -> Iterable[base.Claim]:
        return [base.Claim(f"[{toml.dotted(self._table())}] url, username, password")]

    def find_secrets(self, text: str) -> Iterable[str]:
        """Every ``password`` (``[pypi]``, each source, each ``[repository.*]``) and URL userinfo."""
        return toml.secrets(text, lambda where: where[-1:] == ("password",))
