"""The *program*: the command line that starts this installed program, for a unit's ``ExecStart=``.

It is the console script that is running (``sys.argv[0]`` made absolute: a pipx install's
``~/.local/bin/codeartifact-refresher`` link, a venv's ``bin/codeartifact-refresher``), kept as
named, not resolved, so a link that an upgrade re-points keeps working and a venv's ``python``
keeps its venv. Run as ``python -m codeartifact_refresher`` there is no script in ``argv[0]``: then
the console script beside ``sys.executable``, else ``<python> -m codeartifact_refresher``.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

from ...platform.paths import APP

#: Hidden from the system service by ``ProtectHome=yes``.
HIDDEN = (Path("/home"), Path("/root"), Path("/run/user"))


def installed(argv0: str | None = None, executable: str | None = None) -> tuple[str, ...]:
    """The program's command line (see the module's docstring)."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    if Path(argv0).name == APP:
        found = argv0 if os.sep in argv0 else shutil.which(argv0)
        if found:
            return (os.path.abspath(found),)
    beside = Path(executable).parent / APP
    if beside.is_file() and os.access(beside, os.X_OK):
        return (str(beside),)
    return (os.path.abspath(executable), "-m", "codeartifact_refresher")


def unreachable_by_service(program: tuple[str, ...]) -> list[str]:
    """Why a system service running as another user could not start ``program``: a file under
    ``/home`` or ``/root`` (``ProtectHome=yes`` hides them), or a directory on the way that others
    may not enter. Its interpreter (a script's ``#!`` line, links followed) counts too."""
    problems = []
    for path in _files_run(Path(program[0])):
        hidden = next((h for h in HIDDEN if path == h or h in path.parents), None)
        if hidden is not None:
            problems.append(f"{path} is under {hidden}, which the service cannot see (ProtectHome=yes)")
        elif (closed := _closed_directory(path)) is not None:
            problems.append(f"{path} is in {closed}, which other users may not enter")
    return problems


def changeable(program: tuple[str, ...]) -> list[str]:
    """Why someone other than root could change the code a system service running ``program``
    runs: the program, its interpreter or this package's own files (or a directory on the way to
    them) that another user can write. Whoever can would run their code as the service, with its
    AWS credentials, and choose what it writes where build users read."""
    from ...config import trust

    package = Path(__file__).resolve().parents[2] / "__init__.py"
    problems = []
    for path in [*_files_run(Path(program[0])), package]:
        found = trust.program_problem(path, 0)
        if found is not None:
            where = "" if found.target == path else f" ({found.target})"
            problems.append(f"{path}{where} {found.problem}: they could change what the service runs ({found.fix})")
    return list(dict.fromkeys(problems))


def _files_run(program: Path) -> list[Path]:
    """The program, the file it links to, and the same for its ``#!`` interpreter."""
    files = [program, Path(os.path.realpath(program))]
    try:
        with open(files[-1], "rb") as f:
            first = f.readline(512)
    except OSError:
        return files
    if first.startswith(b"#!") and (words := first[2:].decode(errors="replace").split()):
        interpreter = Path(words[0])
        files += [interpreter, Path(os.path.realpath(interpreter))]
    return list(dict.fromkeys(files))


def _closed_directory(path: Path) -> Path | None:
    for directory in reversed(path.parents):
        try:
            mode = os.stat(directory).st_mode
        except OSError:
            return directory
        if not mode & stat.S_IXOTH:
            return directory
    return None
