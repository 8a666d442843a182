"""template: a file of the user's, rendered with the token and where it is for.

The ``template`` option names a UTF-8 text file; each *placeholder* ``{{ NAME }}`` in it (blanks
inside the braces optional) is replaced by a value of :data:`NAMES`: ``token``, ``endpoint``,
``expires_at`` (ISO 8601, UTC, ``2026-01-02T03:04:05Z``), ``domain``, ``owner``, ``repository``,
``host`` (as clients look it up), ``region`` ("" when neither the config nor the host says). There
is nothing else: no expressions, filters, includes or code, so a template cannot run anything. A
``{{ word }}`` naming no value is an error naming the template's line; other text, a ``{{`` that
is not a placeholder included, is copied as it is.

The target owns the whole output file (created 0600 by the file layer); the template is read at
every render, so editing it takes effect at the next refresh. The output's path comes from the
config, never from the template. A template that someone other than this program's user or
root could have written is refused, as the config and a hook's program are (:mod:`..ownership`'s
rule, at every step of its path): otherwise, run as root, another user could make root copy any
file root can read (a symlink to ``/etc/shadow``) into the output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

from .. import ownership
from ..errors import TargetError
from ..outputs import files
from ..platform import paths
from ..platform.accounts import user_name
from . import base
from .options import option
from .token import Format

NAMES = ("token", "endpoint", "expires_at", "domain", "owner", "repository", "host", "region")
PLACEHOLDER = re.compile(r"\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}")
MAX_BYTES = 1 << 20


def _template_path(value: object) -> str:
    if not isinstance(value, str) or not (value.startswith("/") or value.startswith("~/")):
        raise ValueError("expected the template's path, absolute or starting with ~/")
    if ".." in Path(value).parts or "\x00" in value:
        raise ValueError("expected the template's path without '..'")
    return value


@dataclass(frozen=True)
class Options(base.Options):
    template: str | None = option(
        None,
        check=_template_path,
        required=True,
        schema={"type": "string", "pattern": "^(/|~/)"},
        description="template only: the template file ({{ token }}, {{ endpoint }}, ...)",
    )
    format: Format = option(
        "generic",
        required=True,
        description="template only: the package format of the endpoint the template uses (pypi, npm, ...)",
    )


class Writer(base.Writer[Options]):
    format = "generic"
    whole_file = True

    def repository_format(self) -> str:
        return self.options.format

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        raise base.NoDefaultPath("the file the template is rendered to")

    def render(self, current: str | None, creds: base.Credentials) -> str:
        path = Path(paths.expand_user(self.options.template or ""))
        return substitute(read_template(path), values(creds), path)

    def find_secrets(self, text: str) -> Iterable[str]:
        """What stands where the template has ``{{ token }}`` (an old output's token too), line
        by line; a line that does not match its template line is a secret as a whole, and so is
        every line when the template is gone or has another number of lines (too much is
        harmless: it only hides more of a ``--dry-run`` diff)."""
        lines = text.splitlines()
        try:
            template = read_template(Path(paths.expand_user(self.options.template or ""))).splitlines()
        except TargetError:
            template = []
        if len(template) != len(lines):
            return [line.strip() for line in lines if line.strip()]
        found: list[str] = []
        for pattern, line in zip(template, lines, strict=True):
            if "token" in PLACEHOLDER.findall(pattern):
                match = _line_pattern(pattern).fullmatch(line)
                found += match.groups() if match else [line.strip()]
        return [f for f in found if f]


def values(creds: base.Credentials) -> dict[str, str]:
    """Each placeholder's value for ``creds``."""
    when = creds.expires_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if creds.expires_at else ""
    return {
        "token": creds.token,
        "endpoint": creds.endpoint,
        "expires_at": when,
        "domain": creds.domain,
        "owner": creds.owner,
        "repository": creds.repository,
        "host": creds.host,
        "region": creds.region,
    }


def _line_pattern(line: str) -> re.Pattern[str]:
    """A template line as a regular expression: each ``{{ token }}`` a group, any other
    placeholder any text, the rest literal."""
    parts = PLACEHOLDER.split(line)  # literal, name, literal, name, ...
    regex = "".join(
        re.escape(part) if i % 2 == 0 else "(.*?)" if part == "token" else ".*?" for i, part in enumerate(parts)
    )
    return re.compile(regex)


def substitute(text: str, known: Mapping[str, str], path: Path) -> str:
    """``text`` with every placeholder replaced; TargetError naming the line of an unknown one."""
    for match in PLACEHOLDER.finditer(text):
        if match.group(1) not in known:
            line = text.count("\n", 0, match.start()) + 1
            raise TargetError(
                f"template {path}:{line}: unknown placeholder {{{{ {match.group(1)} }}}}; "
                f"expected one of: {', '.join(NAMES)}"
            )
    return PLACEHOLDER.sub(lambda m: known[m.group(1)], text)


def read_template(path: Path, euid: int | None = None) -> str:
    """The template's text; TargetError in one line when it cannot be read, or when a user other
    than ``euid`` (this program's user) or root could have written it."""
    reader = os.geteuid() if euid is None else euid
    try:  # as targets are read: a FIFO or a device planted at the path cannot hang us
        _refuse(path, reader, ownership.path_problem(path, reader))  # before anything is opened
        with files.open_regular(path, follow=True) as f:
            _check_owner(path, f.fileno(), reader)
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise TargetError(f"template {path}: no such file") from None
    except files.NotRegularFile as e:
        raise TargetError(f"template {path}: is {e.kind}, not a regular file") from None
    except OSError as e:
        raise TargetError(f"template {path}: cannot read: {e.strerror}") from None
    if len(data) > MAX_BYTES:
        raise TargetError(f"template {path}: larger than {MAX_BYTES >> 20} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise TargetError(f"template {path}:{line}: not UTF-8 text") from None


def _check_owner(path: Path, fd: int, reader: int) -> None:
    """The file opened as ``fd``, and every step of ``path`` to it (checked again: the first check
    came before the open), must be trusted by ``reader`` (:mod:`..ownership`): root's or the
    reader's, and writable by no one else."""
    opened = ownership.problem(Path(os.path.realpath(path)), os.fstat(fd), reader, ownership.is_read_only(fd))
    _refuse(path, reader, opened or ownership.path_problem(path, reader))


def _refuse(path: Path, reader: int, found: ownership.Problem | None) -> None:
    if found is not None:
        raise TargetError(
            f"template {path}: {found.target} {found.problem}; running as {user_name(reader)}, a template "
            f"must be writable by {ownership.allowed(reader)} ({found.fix})"
        )
