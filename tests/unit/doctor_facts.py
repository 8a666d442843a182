"""Facts for doctor's checks, from dictionaries: the files a reader sees, their environment, the
tools' answers. A given file is 0600 and the reader's unless told otherwise; every folder above a
given file exists (0755, root's); anything else does not exist."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from codeartifact_refresher.doctor.facts import Answer, Facts, FileFacts, Reader
from codeartifact_refresher.doctor.targets import TargetView

HOME = Path("/home/u")
READER = Reader("u", 1000, 1000, frozenset({1000}), frozenset({1000}))
NAMES = {0: "root", 1000: "u", 1001: "builders"}
ENDPOINT = "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/pypi-store/"
NPM_ENDPOINT = "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/"
INDEX = ENDPOINT + "simple/"


def make(
    files: Mapping[str, str | FileFacts] = (),  # type: ignore[assignment]
    environ: Mapping[str, str] | None = None,
    cwd: Path = HOME,
    reader: Reader = READER,
    answers: Mapping[tuple[str, ...], Answer | None] | None = None,
) -> Facts:
    given: dict[Path, FileFacts] = {}
    for name, value in dict(files).items():
        path = Path(name)
        given[path] = (
            value if isinstance(value, FileFacts) else FileFacts(path, True, 0o600, reader.uid, reader.gid, text=value)
        )
        for folder in PurePosixPath(path).parents:
            given.setdefault(Path(folder), FileFacts(Path(folder), True, 0o755, 0, 0, is_dir=True))
    environ = {"HOME": str(HOME), "PATH": "/usr/bin", "XDG_CONFIG_DIRS": "/etc/xdg", **(environ or {})}
    return Facts(
        environ,
        cwd,
        reader,
        lambda path: given.get(path, FileFacts(path, False)),
        lambda argv, env, where: (answers or {}).get(tuple(argv)),
        user_names=NAMES,
        group_names=NAMES,
    )


def view(writer: str, main: str, endpoint: str | None = ENDPOINT, **options) -> TargetView:
    files = (*tuple((role, Path(path)) for role, path in options.pop("files", {}).items()), ("main", Path(main)))
    return TargetView(writer, files, "repo", tuple(options.items()), endpoint, where=f"the {writer} target (line 9)")


def texts(findings) -> list[str]:
    return [f"{f.level}: {f.text}" for f in findings]


def problems(findings) -> list[str]:
    return [f.text for f in findings if f.level == "problem"]
