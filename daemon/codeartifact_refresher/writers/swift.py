"""swift: the registry login through netrc, as ``aws codeartifact login --tool swift`` does on Linux.

What the AWS CLI does (``awscli/customizations/codeartifact/login.py``, ``SwiftLogin``): off macOS
it writes ``machine HOST login token password TOKEN`` to ``~/.netrc``, then runs ``swift
package-registry set ENDPOINT [--scope SCOPE]`` and ``swift package-registry login ENDPOINTlogin``,
which record the registry and the host's authentication in SwiftPM's ``registries.json``
(SE-0378; SwiftPM's ``RegistryConfiguration``, version 1)::

    {"authentication": {"HOST": {"type": "token", "loginAPIPath": "/swift/REPO/login"}},
     "registries": {"[default]": {"url": "ENDPOINT", "supportsAvailability": false}},
     "version": 1}

This writer writes both, without running ``swift``: the netrc entry (role ``netrc``, the shared
host entry of :mod:`.netrc`, written first) and the user-level ``registries.json``
(``~/.swiftpm/configuration/registries.json``; the AWS CLI's ``set`` without ``--global`` writes
the current project's instead). The netrc login is ``aws``, not the CLI's ``token``: with
``"type": "token"`` SwiftPM sends the netrc *password* as the bearer token, and one line then
serves pip, uv and curl on the same host too. The target owns its scope's registry (``scope``,
else ``[default]``); the host's ``authentication`` entry is shared by the domain's swift targets.
Other registries, authentications and keys are kept (as data: JSON has no comments; the file is
written as SwiftPM writes it, keys sorted, two-space indent).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WriterError, WriterRefusedError
from ..platform import paths
from . import base
from . import netrc as netrc_writer
from .formats import netrc, urls
from .formats.lines import check_text
from .options import option, path_option

NETRC = netrc_writer.ROLE
DEFAULT_SCOPE = "[default]"
AUTHENTICATION_CLAIM = "registries.json authentication for the domain's repository host"


@dataclass(frozen=True)
class Options(base.Options):
    scope: str | None = option(
        None,
        pattern=r"^[a-zA-Z0-9](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9])){0,38}$",
        expected="expected a Swift registry scope: up to 39 letters, digits and single inner hyphens",
        description="swift only: the package scope served by this registry (default: every scope)",
    )
    netrc: Path | None = path_option(NETRC, "swift only: the netrc file (default ~/.netrc)")


def _load(current: str | None) -> dict[str, Any]:
    text = current or ""
    check_text(text)
    if not text.strip():
        text = '{"version": 1}'
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise WriterError(f"line {e.lineno}: not valid JSON") from None
    if not isinstance(data, dict):
        raise WriterError("line 1: not a JSON object")
    if data.get("version", 1) != 1:
        raise WriterRefusedError("registries.json is not version 1: left for SwiftPM to read")
    for key in ("registries", "authentication"):
        if not isinstance(data.setdefault(key, {}), dict):
            raise WriterRefusedError(f"registries.json {key!r} is not an object; left for you to fix")
    return data


class Writer(netrc_writer.NetrcCredentials[Options]):
    format = "swift"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return paths.home(environ) / ".swiftpm" / "configuration" / "registries.json"

    def render(self, current: str | None, creds: base.Credentials) -> str:
        data = _load(current)
        scope = self.options.scope or DEFAULT_SCOPE
        registry = data["registries"].get(scope)
        registry = dict(registry) if isinstance(registry, dict) else {}
        registry.update(url=registry_url(creds), supportsAvailability=registry.get("supportsAvailability", False))
        data["registries"][scope] = registry
        data["authentication"][netrc.machine_name(creds.endpoint)] = {
            "type": "token",
            "loginAPIPath": f"{creds.path.rstrip('/')}/login",
        }
        data["version"] = 1
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """The registry's URL from a JSON parse of registries.json; the netrc entry for that role."""
        if role != base.MAIN:
            return super().read_back(role, text, creds)
        scope = self.options.scope or DEFAULT_SCOPE
        registry = json.loads(text).get("registries", {}).get(scope, {})
        found = registry.get("url") if isinstance(registry, dict) else None
        return [(f"registries.{scope}.url", registry_url(creds), found if isinstance(found, str) else None)]

    def claims(self) -> Iterable[base.Claim]:
        scope = self.options.scope or DEFAULT_SCOPE
        return [
            base.Claim(f"registries.json registry {scope}"),
            base.Claim(AUTHENTICATION_CLAIM, shared=True),
            *self.netrc_claims(),
        ]

    def find_secrets(self, text: str) -> Iterable[str]:
        """registries.json holds no credentials of its own; a URL's userinfo is one."""
        return urls.secrets(text)


def registry_url(creds: base.Credentials) -> str:
    """The endpoint as SwiftPM is given it, with the host spelled as the netrc entry's."""
    scheme = creds.endpoint.split("://", 1)[0].lower()
    return f"{scheme}://{creds.host}{creds.path}"
