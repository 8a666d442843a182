"""env: variables in a ``KEY=VALUE`` file for ``docker run --env-file``, Compose and CI.

The target owns the keys of the *variable sets* its ``variables`` option lists, each written the
way its tool reads it from the environment:

- ``token``: ``CODEARTIFACT_AUTH_TOKEN``, the name AWS's documentation exports;
- ``endpoint``: ``CODEARTIFACT_REPOSITORY_ENDPOINT``, the repository endpoint;
- ``pip``: ``PIP_INDEX_URL`` (``index: extra``: ``PIP_EXTRA_INDEX_URL``), the token in the URL;
- ``uv``: ``UV_DEFAULT_INDEX`` (``index: extra``: ``UV_INDEX``) as ``NAME=URL``, and the
  credentials uv looks up for the index named NAME: ``UV_INDEX_<NAME>_USERNAME``/``_PASSWORD``
  (NAME upper-cased, other characters than letters and digits made ``_``: uv's
  ``crates/uv-static`` ``UV_INDEX_{name}_USERNAME`` pattern);
- ``poetry``: ``POETRY_HTTP_BASIC_<NAME>_USERNAME``/``_PASSWORD`` for the source NAME of the
  project's ``[[tool.poetry.source]]``, and ``POETRY_REPOSITORIES_<NAME>_URL`` to publish;
- ``twine``: ``TWINE_REPOSITORY_URL``, ``TWINE_USERNAME`` and ``TWINE_PASSWORD``;
- ``npm``: ``NPM_CONFIG_REGISTRY``. npm takes no auth token from its environment (its
  ``npm_config_*`` names lose their case and cannot hold ``//host/:``), so a project's ``.npmrc``
  says ``//HOST/PATH/:_authToken=${CODEARTIFACT_AUTH_TOKEN}`` (add ``token``).

A target has one endpoint, so its sets are for one format: npm, or the Python tools (pypi); a
file for both takes two targets, each listing its own sets (only one of them ``token``). The
format follows the sets: ``npm``, else ``pypi`` for a Python tool, else ``generic``.
Every other line is kept byte for byte (:mod:`.formats.envfile`, which also says why the values
are written unquoted, and read the same by docker, Compose and sh).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import TargetError
from ..redaction import LineValue, is_credential_key
from . import base
from .formats import urls
from .formats.envfile import EnvFile
from .options import option

SETS = ("token", "endpoint", "pip", "uv", "poetry", "twine", "npm")
PYPI_SETS = ("pip", "uv", "poetry", "twine")


def _variables(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"expected a list of variable sets from: {', '.join(SETS)}")
    unknown = [v for v in value if v not in SETS]
    if unknown:
        raise ValueError(f"unknown variable set {unknown[0]!r}: expected sets from {', '.join(SETS)}")
    if "npm" in value and any(v in PYPI_SETS for v in value):
        raise ValueError("npm and the Python tools need endpoints of two formats: give them two env targets")
    return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class Options(base.Options):
    variables: tuple[str, ...] = option(
        ("token",),
        check=_variables,
        schema={"type": "array", "items": {"enum": list(SETS)}, "minItems": 1, "uniqueItems": True},
        description="env only: the variable sets to write: token, endpoint, pip, uv, poetry, twine, npm",
    )
    index: Literal["primary", "extra"] = option(
        "primary", description="env only: pip and uv: the default index (primary) or an extra one"
    )
    name: str = option(
        "codeartifact",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        expected="expected an index name of letters, digits, '.', '_' or '-'",
        description="env only: uv's index name and poetry's source name",
    )


def env_name(name: str) -> str:
    """An index name as uv and poetry spell it in a variable: upper case, ``_`` for the rest."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


class Writer(base.Writer[Options]):
    format = "pypi"

    def repository_format(self) -> str:
        sets = self.options.variables
        return "npm" if "npm" in sets else "pypi" if any(s in PYPI_SETS for s in sets) else "generic"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        raise base.NoDefaultPath("an env file belongs to a project, a container or a CI job: say where")

    def claims(self) -> Iterable[base.Claim]:
        return [base.Claim(f"variable {key}") for key in self.values(base.Credentials("https://h/", "t"))]

    def values(self, creds: base.Credentials) -> dict[str, str]:
        """Every variable of the target's sets, in order."""
        out: dict[str, str] = {}
        for s in self.options.variables:
            out.update(getattr(self, f"_{s}")(creds))
        return out

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = EnvFile(current)
        try:
            doc.set(self.values(creds))
        except ValueError as e:  # an endpoint or token that is not plain: never seen from AWS
            raise TargetError(str(e)) from None
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our variables as docker reads the file (a later line for a key wins)."""
        read = dict(EnvFile(text).items())
        return [(key, value, read.get(key)) for key, value in self.values(creds).items()]

    def find_secrets(self, text: str) -> Iterable[str]:
        """An env file is mostly secrets, named as their owners please (``DB_PASS``, ``GH_PAT``):
        the value of every variable this target does not write, each where it stands
        (``DB_PASS=<redacted>``: a :class:`~..redaction.LineValue`), the value of every one named
        like a credential wherever it stands, and the userinfo of every URL."""
        ours = set(self.values(base.Credentials("https://h/", "t")))
        found: list[str] = []
        for key, value in EnvFile(text).items():
            if value and key not in ours:
                found.append(LineValue(value, f"{key}="))
            if value and is_credential_key(key):
                found.append(value)
        return found + urls.secrets(text)

    # -- the variable sets ---------------------------------------------------------------------

    def _token(self, creds: base.Credentials) -> dict[str, str]:
        return {"CODEARTIFACT_AUTH_TOKEN": creds.token}

    def _endpoint(self, creds: base.Credentials) -> dict[str, str]:
        return {"CODEARTIFACT_REPOSITORY_ENDPOINT": _url(creds)}

    def _pip(self, creds: base.Credentials) -> dict[str, str]:
        from .pip import index_url

        key = "PIP_INDEX_URL" if self.options.index == "primary" else "PIP_EXTRA_INDEX_URL"
        return {key: index_url(creds)}

    def _uv(self, creds: base.Credentials) -> dict[str, str]:
        key, name = ("UV_DEFAULT_INDEX" if self.options.index == "primary" else "UV_INDEX"), self.options.name
        n = env_name(name)
        return {
            key: f"{name}={_url(creds)}simple/",
            f"UV_INDEX_{n}_USERNAME": "aws",
            f"UV_INDEX_{n}_PASSWORD": creds.token,
        }

    def _poetry(self, creds: base.Credentials) -> dict[str, str]:
        n = env_name(self.options.name)
        return {
            f"POETRY_HTTP_BASIC_{n}_USERNAME": "aws",
            f"POETRY_HTTP_BASIC_{n}_PASSWORD": creds.token,
            f"POETRY_REPOSITORIES_{n}_URL": _url(creds),
        }

    def _twine(self, creds: base.Credentials) -> dict[str, str]:
        return {"TWINE_REPOSITORY_URL": _url(creds), "TWINE_USERNAME": "aws", "TWINE_PASSWORD": creds.token}

    def _npm(self, creds: base.Credentials) -> dict[str, str]:
        return {"NPM_CONFIG_REGISTRY": _url(creds)}


def _url(creds: base.Credentials) -> str:
    """The endpoint with its host spelled as clients look it up, ending in "/"."""
    scheme = creds.endpoint.split(":", 1)[0].lower()
    path = creds.path if creds.path.endswith("/") else creds.path + "/"
    return f"{scheme}://{creds.host}{path}"
