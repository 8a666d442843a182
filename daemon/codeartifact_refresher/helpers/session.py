"""``run --session-environment``: after each refresh, push the domain's *environment*
(:mod:`.variables`) to the desktop session's service manager, so that programs it starts next (a
new IDE window, a terminal) read fresh values.

- Linux: ``systemctl --user import-environment NAME...``, the values in systemctl's own
  environment and nowhere in its arguments (a process's arguments are world-readable in
  ``/proc/PID/cmdline``; its environment only to its user and root). systemd accepts names of
  letters, digits and ``_`` only (``env_name_is_valid``), so npm's ``NPM_CONFIG_//host/path/:_authToken``
  is left out (npm reads the token from ``.npmrc``).
- macOS: refused (:class:`Refused`). ``launchctl setenv NAME VALUE`` is launchd's only way in and
  takes the value as an argument; launchctl reads no variable from its environment or stdin (its
  interactive mode went with macOS 10.10), and endpoint-security agents log every program's
  arguments to a central store. ``exec`` hands the variables to one program instead.

The pusher is a listener of :mod:`..refresh`: it gets the domain, its new token and endpoints.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigError
from .variables import variables

logger = logging.getLogger(__name__)

SYSTEMD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: what systemctl needs of our environment to reach the user's manager (and find itself)
PASSED = ("PATH", "HOME", "USER", "LOGNAME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS", "LANG")
TIMEOUT = 15.0  # seconds systemctl may take
Runner = Callable[..., "subprocess.CompletedProcess[bytes]"]


class Refused(ConfigError):
    """This platform has no way to push without the token in a process's arguments."""


def refuse_unsupported(platform: str | None = None) -> None:
    platform = platform or sys.platform
    if platform == "darwin":
        raise Refused(
            "--session-environment: launchd takes a variable's value only in launchctl's arguments "
            "(ps shows them; endpoint-security agents log them), so the token is not pushed on macOS: "
            "start the program with `codeartifact-refresher exec -- PROGRAM` instead (docs/exec.md)"
        )
    if not platform.startswith("linux"):
        raise Refused(f"--session-environment: no session manager to push to on {platform}")


class SessionPusher:
    """Pushes ``domain``'s variables (None: every domain's) after each of its refreshes."""

    def __init__(
        self,
        domain: str | None,
        registry: Any,
        runner: Runner = subprocess.run,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.domain, self.registry, self.runner, self.environ = domain, registry, runner, environ

    def __call__(self, domain: Any, token: Any, lookup: Any) -> None:
        """A refresh of ``domain`` got ``token`` (a :class:`~..aws.tokens.Token`) and ``lookup``."""
        if self.domain is not None and domain.domain != self.domain:
            return
        found = variables(domain, token.value, token.expires_at, lookup.get, self.registry)
        self.push(found, domain.label)

    def push(self, found: Mapping[str, str], label: str) -> bool:
        names = [n for n in found if SYSTEMD_NAME.match(n)]
        env = {k: self.environ[k] for k in PASSED if k in self.environ}
        env.update({n: found[n] for n in names})
        argv = ["systemctl", "--user", "import-environment", *names]
        try:
            done = self.runner(argv, env=env, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            logger.warning("%s: cannot push the session environment: %s", label, type(e).__name__)
            return False
        if done.returncode != 0:
            why = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"status {done.returncode}"]
            logger.warning("%s: systemctl --user import-environment failed: %s", label, why[0][:200])
            return False
        logger.info("%s: pushed %d variables to the session (systemctl --user)", label, len(names))
        return True
