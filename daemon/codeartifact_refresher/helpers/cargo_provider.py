"""cargo's credential-provider protocol, answered from the daemon's cache.

cargo (1.74+) runs the provider a registry names (``credential-provider = [PROGRAM, ARGS...]``)
with ``--cargo-plugin`` appended, and talks JSON, one object per line (cargo's
``credential/cargo-credential/src/lib.rs``):

- the provider first writes the *hello*, ``{"v":[1]}`` (the protocol versions it speaks);
- cargo writes a *request* and reads one *response*, and may write more until it closes stdin.
  A request: ``{"v":1,"registry":{"index-url":"sparse+https://...","name":"..."},"kind":"get",
  "operation":"read"}`` (``operation``: ``read``, ``publish``, ``yank``, ``unyank``, ``owners``);
  ``kind`` may also be ``login`` or ``logout``.
- a *get* response: ``{"Ok":{"kind":"get","token":"Bearer TOKEN","cache":"expires",
  "expiration":UNIX_SECONDS,"operation_independent":true}}``: cargo sends the token as it is in
  the ``Authorization`` header, and reuses it within its run until the expiry (the token's);
- errors: ``{"Err":{"kind":"url-not-supported"}}`` (an index that is not CodeArtifact's: cargo
  tries the registry's next provider), ``operation-not-supported`` (login, logout: there is nothing
  to store), ``other`` with a one-line ``message`` (the daemon is not running, has no token...).

The token never goes anywhere but the response on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from . import lookup

HELLO = {"v": [1]}
VERSION = 1
#: cargo's operations that a CodeArtifact token allows (the token is the same for each)
OPERATIONS = ("read", "publish", "yank", "unyank", "owners")

Ask = Callable[[str], lookup.Found]


def _error(kind: str, message: str | None = None) -> dict[str, Any]:
    return {"Err": {"kind": kind, **({"message": message} if message else {})}}


def respond(request: dict[str, Any], ask: Ask = lookup.ask) -> dict[str, Any]:
    """The response to one request (see the module doc); ``ask`` asks the daemon about a URL."""
    if request.get("v") != VERSION:
        return _error("other", f"codeartifact-refresher speaks cargo's credential protocol version {VERSION} only")
    if request.get("kind") != "get":
        return _error("operation-not-supported")
    registry = request.get("registry")
    index = registry.get("index-url") if isinstance(registry, dict) else None
    if not isinstance(index, str) or not index.startswith("sparse+"):  # CodeArtifact serves sparse indexes only
        return _error("url-not-supported")
    url = lookup.service_url(index)
    if url is None:
        return _error("url-not-supported")
    try:
        found = ask(url)
    except lookup.NotServed as why:
        if not lookup.is_codeartifact(url):
            return _error("url-not-supported")
        return _error("other", f"codeartifact-refresher has no token for {lookup.shown(url)}: {why}")
    return {
        "Ok": {
            "kind": "get",
            "token": f"Bearer {found.token}",
            "cache": "expires",
            "expiration": int(found.expires_at),
            "operation_independent": True,
        }
    }


def serve(stdin: IO[str], stdout: IO[str], ask: Ask = lookup.ask) -> int:
    """Speak the protocol on the streams until cargo closes stdin; 0, or 1 for a line that is not
    a request (answered with an ``other`` error, as cargo's own providers do)."""
    _send(stdout, HELLO)
    for line in iter(stdin.readline, ""):
        try:
            request = json.loads(line)
        except ValueError:
            _send(stdout, _error("other", "codeartifact-refresher: cargo sent a line that is not JSON"))
            return 1
        if not isinstance(request, dict):
            _send(stdout, _error("other", "codeartifact-refresher: cargo sent a request that is not a JSON object"))
            return 1
        _send(stdout, respond(request, ask))
    return 0


def _send(stdout: IO[str], message: dict[str, Any]) -> None:
    stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    stdout.flush()
