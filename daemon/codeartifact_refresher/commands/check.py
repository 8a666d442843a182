"""``check``: validate the config and show where each target writes: its main output (``path``,
the file of role ``main``, or another output kind's place), then each other file of a
several-file writer by role (``netrc``, ``credentials``), since those are the ones that hold the
token."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..config.model import Target
from ..writers.base import MAIN
from .common import EXIT_OK, add_config_argument, load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)


def run(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    cfg, _ = load_config(args)
    targets = sum(len(d.targets) for d in cfg.domains)
    print(f"{cfg.path}: OK: {len(cfg.domains)} domain(s), {targets} target(s)")
    for d in cfg.domains:
        for t in d.targets:
            options = "".join(f" {k}={','.join(v) if isinstance(v, tuple) else v}" for k, v in t.options)
            print(f"  {d.label}: {t.writer} {t.repository}{options} -> {t.where}{_other_files(t)}")
            note = _helper_note(t)
            if note:
                print(f"    {note}")
    return EXIT_OK


#: (writer, credentials option) -> what must be where the client runs, for the token to reach it
HELPER_NOTES = {
    **{
        (tool, "keyring"): f"{tool} gets the token from the daemon through keyring: install keyring with "
        f"codeartifact-refresher[keyring] where {tool} runs (docs/credential-helpers.md)"
        for tool in ("pip", "uv", "poetry", "twine")
    },
    ("cargo", "provider"): "cargo gets the token from the daemon: cargo-credential-codeartifact-refresher "
    "(installed with codeartifact-refresher) must be on cargo's PATH (docs/credential-helpers.md)",
}


def _helper_note(target: Target) -> str | None:
    """What a target whose client asks the daemon needs where the client runs (else None)."""
    credentials = dict(target.options).get("credentials")
    return HELPER_NOTES.get((target.writer, credentials)) if isinstance(credentials, str) else None


def _other_files(target: Target) -> str:
    """`` (+ netrc: ~/.netrc)`` for the files beside the main one, in the order they are written."""
    others = [f"{role}: {output.describe()}" for role, output in target.outputs if role != MAIN]
    return f" (+ {', '.join(others)})" if others else ""
