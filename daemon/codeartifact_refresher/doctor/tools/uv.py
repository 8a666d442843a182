"""uv: does uv read the ``uv.toml`` a ``uv`` target writes, and use its index?

uv reads ``UV_CONFIG_FILE`` *instead of* the user's ``uv.toml`` (``$XDG_CONFIG_HOME/uv/uv.toml``)
and the system's (``/etc/uv/uv.toml``); ``UV_NO_CONFIG`` makes it read none. ``UV_DEFAULT_INDEX``
and the older ``UV_INDEX_URL`` replace the default index, which an ``index: primary`` target
sets; ``UV_INDEX`` and ``UV_EXTRA_INDEX_URL`` add indexes uv searches *before* the file's, so a
package found there comes from there.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...writers import uv as uv_writer
from ...writers.formats import urls
from ..facts import Facts
from ..findings import Finding, note, ok, problem, quoted
from ..targets import TargetView

TRUE = ("1", "true", "yes", "on")
DEFAULT_INDEX = ("UV_DEFAULT_INDEX", "UV_INDEX_URL")
EXTRA_INDEXES = ("UV_INDEX", "UV_EXTRA_INDEX_URL")


def read_files(facts: Facts) -> list[Path]:
    if facts.environ.get("UV_CONFIG_FILE"):
        return [facts.cwd / Path(facts.environ["UV_CONFIG_FILE"]).expanduser()]
    dirs = (facts.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    system = [Path(d) / "uv" / "uv.toml" for d in dirs if d] + [Path("/etc/uv/uv.toml")]
    return [uv_writer.default_path(facts.environ), *system]


def check(target: TargetView, facts: Facts) -> list[Finding]:
    path, who, environ = target.main, facts.reader.name, facts.environ
    if environ.get("UV_NO_CONFIG", "").lower() in TRUE:
        return [problem(f"UV_NO_CONFIG is set in {who}'s environment: uv reads no config file, not {path}: unset it")]
    if path in read_files(facts):
        found = [ok(f"uv reads {path} for {who}")]
    elif environ.get("UV_CONFIG_FILE"):
        found = [
            problem(
                f"UV_CONFIG_FILE is set to {environ['UV_CONFIG_FILE']} in {who}'s environment, and uv reads that file "
                f"instead of {path}: unset it, or give {target.where} `path: {environ['UV_CONFIG_FILE']}`"
            )
        ]
    else:
        found = [
            problem(
                f"uv does not read {path} for {who} (it reads {read_files(facts)[0]}): give {target.where} that path"
            )
        ]
    return found + _variables(target, facts)


def _variables(target: TargetView, facts: Facts) -> list[Finding]:
    found = []
    primary = target.option("index", "primary") == "primary"
    for variable in (*DEFAULT_INDEX, *EXTRA_INDEXES):
        value = facts.environ.get(variable)
        if not value:
            continue
        words = [w.split("=", 1)[1] if "=" in w.split("://")[0] else w for w in value.split()]  # [name=]url
        ours = [w for w in words if target.endpoint and urls.same_location(w, target.endpoint.rstrip("/") + "/simple/")]
        if ours and urls.secrets(" ".join(ours)):
            found.append(
                problem(f"{variable} holds a token for this repository that nobody renews, and uv uses it: unset it")
            )
        elif not ours and variable in DEFAULT_INDEX and primary:
            found.append(
                problem(
                    f"{variable} is set ({quoted(value)}), and uv takes it as its default index instead of {target.main}'s: unset it"
                )
            )
        elif not ours and variable in EXTRA_INDEXES:
            found.append(note(f"{variable} is set ({quoted(value)}): uv searches it before {target.main}'s index"))
    return found
