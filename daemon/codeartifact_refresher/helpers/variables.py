"""The *environment* of a domain: the variables its tools read, built from its targets.

``exec`` hands them to a command, and ``run`` can push them to a desktop session (:mod:`.session`).
Each target contributes the variables its tool reads from the environment, named as the ``env``
writer names them (:mod:`..writers.env`, which says where each name comes from):

- ``pip``: ``PIP_INDEX_URL`` (``index: extra``: ``PIP_EXTRA_INDEX_URL``), the token in the URL;
- ``uv``: ``UV_DEFAULT_INDEX`` (``UV_INDEX``) as ``NAME=URL`` and ``UV_INDEX_<NAME>_USERNAME``/``_PASSWORD``;
- ``poetry``: ``POETRY_HTTP_BASIC_<NAME>_USERNAME``/``_PASSWORD``, ``POETRY_REPOSITORIES_<NAME>_URL``;
- ``twine``: ``TWINE_REPOSITORY_URL``, ``TWINE_USERNAME``, ``TWINE_PASSWORD``;
- ``npm``, ``pnpm``, ``yarn-classic``, ``bun``: ``NPM_CONFIG_REGISTRY`` (a scope:
  ``NPM_CONFIG_@scope:registry``) and ``NPM_CONFIG_//HOST/PATH/:_authToken``: npm (9 and later)
  keeps a key that starts with ``//`` as it is, case and all (``@npmcli/config``'s ``loadEnv``);
- ``yarn`` (Berry): ``YARN_NPM_REGISTRY_SERVER``, ``YARN_NPM_AUTH_TOKEN``, ``YARN_NPM_ALWAYS_AUTH``
  (none for a scope: ``npmScopes`` is a map, which no variable holds);
- ``cargo``: ``CARGO_REGISTRIES_<NAME>_INDEX`` (``sparse+`` and the endpoint) and
  ``CARGO_REGISTRIES_<NAME>_TOKEN`` (``Bearer TOKEN``, as AWS documents), with
  ``CARGO_REGISTRIES_<NAME>_CREDENTIAL_PROVIDER=cargo:token``;
- ``env``: the target's own variable sets;
- every domain: ``CODEARTIFACT_AUTH_TOKEN`` (Maven's ``${env.CODEARTIFACT_AUTH_TOKEN}``, Gradle,
  NuGet and gem configs read it), the name AWS's documentation exports.

A target whose endpoint is not known is left out (its tool then reads its own config).
Nothing here calls AWS: the endpoints come from the caller (the daemon's cache, or a lookup).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..config import Domain, Target
from ..writers.base import Credentials, Writer
from ..writers.registry import Registry

TOKEN = "CODEARTIFACT_AUTH_TOKEN"  # noqa: S105 - a variable's name
NPM_LIKE = ("npm", "pnpm", "yarn-classic", "bun")
PYTHON = {"pip": "pip", "uv": "uv", "poetry": "poetry", "twine": "twine"}
EndpointOf = Callable[[str, str], str]  # (repository, format) -> the repository endpoint


def writer_of(target: Target, registry: Registry) -> Writer[Any]:
    """The target's writer, as :mod:`..refresh` builds it."""
    return target.instance if target.instance is not None else registry.get(target.writer)(**dict(target.options))


def needs(domain: Domain, registry: Registry) -> list[tuple[str, str]]:
    """The (repository, format) pairs whose endpoints the environment uses."""
    found = []
    for target in domain.targets:
        try:
            found.append((target.repository, writer_of(target, registry).repository_format()))
        except Exception:  # noqa: S112 - a plugin's writer may fail in any way: its variables are left out
            continue
    return list(dict.fromkeys(found))


def variables(
    domain: Domain, token: str, expires_at: datetime | None, endpoint_of: EndpointOf, registry: Registry
) -> dict[str, str]:
    """Every variable of the domain's targets, in config order (a later target wins a name)."""
    out = {TOKEN: token}
    for target in domain.targets:
        try:
            writer = writer_of(target, registry)
            endpoint = endpoint_of(target.repository, writer.repository_format())
        except Exception:  # noqa: S112 - no writer or no endpoint: the tool reads its own config
            continue
        creds = Credentials(endpoint, token, target.repository, expires_at, domain=domain.domain)
        out.update(target_variables(target.writer, writer, creds))
    return out


def target_variables(name: str, writer: Writer[Any], creds: Credentials) -> dict[str, str]:
    """The variables one target's tool reads (``name``: its writer's entry-point name)."""
    from ..writers import env

    options = writer.options
    if name == "env":
        return env.Writer(**_fields(options)).values(creds)
    if name in PYTHON:
        kwargs = {"variables": (PYTHON[name],)}
        for key in ("index", "name"):
            if hasattr(options, key):
                kwargs[key] = getattr(options, key)
        return env.Writer(**kwargs).values(creds)
    if name in NPM_LIKE:
        return _npm(getattr(options, "scope", None), creds)
    if name == "yarn" and not getattr(options, "scope", None):  # npmScopes is a map: no variable holds it
        return {
            "YARN_NPM_REGISTRY_SERVER": _url(creds),
            "YARN_NPM_AUTH_TOKEN": creds.token,
            "YARN_NPM_ALWAYS_AUTH": "true",
        }
    if name == "cargo":
        return _cargo(getattr(options, "name", "codeartifact"), creds)
    return {}


def _fields(options: Any) -> dict[str, Any]:
    return {k: getattr(options, k) for k in ("variables", "index", "name")}


def _url(creds: Credentials) -> str:
    """The endpoint with its host spelled as npm looks it up, ending in "/"."""
    path = creds.path if creds.path.endswith("/") else creds.path + "/"
    return f"{creds.endpoint.split(':', 1)[0].lower()}://{creds.host}{path}"


def _npm(scope: str | None, creds: Credentials) -> dict[str, str]:
    url = _url(creds)
    registry = f"NPM_CONFIG_{scope}:registry" if scope else "NPM_CONFIG_REGISTRY"
    return {registry: url, f"NPM_CONFIG_{url.split(':', 1)[1]}:_authToken": creds.token}


def _cargo(name: str, creds: Credentials) -> dict[str, str]:
    from ..writers.env import env_name

    n = env_name(name)
    endpoint = creds.endpoint if creds.endpoint.endswith("/") else creds.endpoint + "/"
    return {
        f"CARGO_REGISTRIES_{n}_INDEX": f"sparse+{endpoint}",
        f"CARGO_REGISTRIES_{n}_TOKEN": f"Bearer {creds.token}",
        f"CARGO_REGISTRIES_{n}_CREDENTIAL_PROVIDER": "cargo:token",
    }
