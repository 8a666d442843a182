"""``codeartifact-refresher demo``: the whole story against the built-in stand-in, no AWS needed.

It starts the stand-in with short-lived tokens, writes pip, npm and twine configs into a
temporary home, runs a real ``pip install`` through the written ``pip.conf``, lets the token lapse
(pip is then refused), refreshes, and installs again.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .. import log

if TYPE_CHECKING:  # imported where used: --help must not load it
    from ..testing import StandIn

logger = logging.getLogger(__name__)
DEMO_CREDENTIALS = ("AKIDDEMO", "demo")  # the stand-in takes any access key

CONFIG = """\
# Written by `codeartifact-refresher demo`: the same format you would use with AWS.
domains:
  - domain: demo
    owner: "{owner}"
    region: us-east-1
    endpoint_url: {url}   # the local stand-in; leave it out to talk to AWS
    targets:
      - writer: pip
        repository: pypi-store
        path: {home}/.config/pip/pip.conf
      - writer: npm
        repository: npm-store
        path: {home}/.npmrc
      - writer: twine
        repository: pypi-store
        path: {home}/.pypirc
"""


def client_env(home: Path) -> dict[str, str]:
    """An environment in which pip sees only the demo's config (nothing of this machine's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "AWS_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CONFIG_DIRS=str(home / "xdg"),
        PIP_CONFIG_FILE=str(home / ".config" / "pip" / "pip.conf"),
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_ROOT_USER_ACTION="ignore",
    )
    return env


def find_pip(python: str = sys.executable) -> list[str] | None:
    """A command that runs a real pip: this interpreter's own, else the wheel ``ensurepip``
    bundles (run straight from the wheel, as pip allows: a venv made by uv has no pip, but its
    interpreter usually keeps ensurepip), else a ``pip`` on ``PATH``; None when there is none."""
    if importlib.util.find_spec("pip") is not None:
        return [python, "-m", "pip"]
    bundled = (
        Path(ensurepip.__file__).parent / "_bundled" if (ensurepip := _ensurepip()) and ensurepip.__file__ else None
    )
    wheels = sorted(bundled.glob("pip-*.whl")) if bundled and bundled.is_dir() else []
    if wheels:
        return [python, str(wheels[-1] / "pip")]
    found = shutil.which("pip3") or shutil.which("pip")
    return [found] if found else None


def _ensurepip() -> ModuleType | None:
    try:
        import ensurepip
    except ImportError:  # Debian splits it out into python3-venv
        return None
    return ensurepip


def pip_install(home: Path, secrets: Iterable[str] = ()) -> bool:
    from ..testing.packages import DEMO_NAME

    target = home / "site"
    shutil.rmtree(target, ignore_errors=True)
    pip = find_pip()
    if pip is None:
        print("    pip is not installed here (nor bundled with this Python): install it to see this step")
        return False
    cmd = [*pip, "install", "--no-cache-dir", "--no-deps", "--target", str(target), DEMO_NAME]
    # argv: this Python and its pip, the pip wheel ensurepip bundles, or the pip on PATH; no input
    done = subprocess.run(cmd, env=client_env(home), capture_output=True, text=True, timeout=120)  # noqa: S603
    lines = (done.stdout + done.stderr).strip().splitlines()
    said = [line for line in lines if line.startswith(("Successfully", "ERROR"))] or lines[-1:]
    print(f"    $ pip install {DEMO_NAME}  ->  exit {done.returncode}: {log.redact(said[-1] if said else '', secrets)}")
    return done.returncode == 0


def _story(standin: StandIn, tmp: Path) -> bool:
    from .. import config
    from ..aws.tokens import Clients
    from ..refresh import refresh_all, summary
    from ..writers.registry import Registry

    home = tmp / "home"
    path = tmp / "config.yaml"
    path.write_text(CONFIG.format(owner=standin.account, url=standin.url, home=home))
    print(f"1. A config for a local CodeArtifact stand-in at {standin.url}: {path}")
    cfg, registry, clients = config.load(path), Registry(), Clients(credentials=DEMO_CREDENTIALS)
    print("2. codeartifact-refresher refresh:")
    print(f"    {summary(refresh_all(cfg, clients, registry))}")
    for target in cfg.domains[0].targets:
        print(f"    {target.path} (mode {target.path.stat().st_mode & 0o777:04o}):")
        for line in log.redact(target.path.read_text(), standin.issued_tokens()).splitlines():
            print(f"      | {line}")
    print("3. pip installs through the written pip.conf:")
    first = pip_install(home, standin.issued_tokens())
    standin.expire_tokens()
    print("4. The token lapses; pip is refused:")
    refused = not pip_install(home, standin.issued_tokens())
    print("5. Refresh again, and pip works again:")
    print(f"    {summary(refresh_all(cfg, clients, registry))}")
    second = pip_install(home, standin.issued_tokens())
    print(f"Stand-in calls: {', '.join(f'{k} x{v}' for k, v in sorted(standin.calls.items()))}")
    return first and refused and second


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", action="store_true", help="keep the demo's temporary directory")


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    return run_demo(keep=args.keep)


def run_demo(keep: bool = False) -> int:
    from ..testing import StandIn

    logging.getLogger("codeartifact_refresher").setLevel(logging.WARNING)  # the demo narrates
    tmp = Path(tempfile.mkdtemp(prefix="codeartifact-refresher-demo-"))
    standin = StandIn(token_lifetime=900)
    standin.add_repository("demo", "pypi-store", "pypi")
    standin.add_repository("demo", "npm-store", "npm")
    try:
        with standin:
            ok = _story(standin, tmp)
    finally:
        if keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("Demo " + ("succeeded." if ok else "FAILED."))
    return 0 if ok else 1
