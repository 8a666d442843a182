"""Item 17: a refresh without ``mode:`` never takes a group's read access away that the owner gave
on purpose, always removes everyone else's, and says so once; an explicit ``mode:`` decides."""

from __future__ import annotations

import grp
import logging
import os
import stat
from pathlib import Path

import pytest

from codeartifact_refresher import config
from codeartifact_refresher.outputs import FileOutput, files
from codeartifact_refresher.outputs.files import Current

from ..users import group, skip_unless_root, users

pytestmark = skip_unless_root()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def planted(path: Path, gid: int, mode: int) -> Path:
    path.write_text("old\n")
    os.chown(path, 0, gid)
    os.chmod(path, mode)
    return path


def update(path: Path, wanted: int | None = None) -> bool:
    return files.update(path, lambda text: (text or "") + "token = x\n", wanted)


def test_a_root_builders_0640_file_stays_one(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with group("builders") as name:
        path = planted(tmp_path / "pip.conf", grp.getgrnam(name).gr_gid, 0o640)
        with caplog.at_level(logging.INFO):
            assert update(path)
        assert mode_of(path) == 0o640 and os.stat(path).st_gid == grp.getgrnam(name).gr_gid
        assert "mode" not in caplog.text  # nothing was tightened, nothing said


def test_world_access_goes_and_one_line_names_who_lost_it(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with group("builders") as name:
        path = planted(tmp_path / "pip.conf", grp.getgrnam(name).gr_gid, 0o664)
        with caplog.at_level(logging.INFO):
            update(path)
            update(path)  # already tightened: nothing more to say
        assert mode_of(path) == 0o640
        [record] = [r for r in caplog.records if "mode" in r.getMessage()]
        assert record.levelno == logging.WARNING
        assert record.getMessage() == (
            f"{path}: mode 0664 -> 0640: group {name} can no longer write it; others can no longer read it"
        )


def test_the_owners_private_group_is_no_one_to_keep_reading(tmp_path: Path) -> None:
    with users(("i17-owner", ())) as [owner]:
        found = Current(tmp_path / "f", "x", mode=0o640, uid=owner.uid, gid=owner.gid)
        assert files.target_mode(found, None) == 0o600
        with group("builders") as name:
            shared = Current(tmp_path / "f", "x", mode=0o644, uid=owner.uid, gid=grp.getgrnam(name).gr_gid)
            assert files.target_mode(shared, None) == 0o640
    assert files.target_mode(Current(tmp_path / "f", None), None) == files.DEFAULT_MODE  # a new file


def test_an_explicit_mode_still_decides(tmp_path: Path) -> None:
    with group("builders") as name:
        path = planted(tmp_path / "pip.conf", grp.getgrnam(name).gr_gid, 0o640)
        update(path, wanted=0o600)
        assert mode_of(path) == 0o600


def test_the_config_gives_the_default_policy_unless_it_says_mode(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "domains:\n  - domain: acme\n    targets:\n"
        f"      - {{writer: pip, repository: rr, path: {tmp_path}/a.conf}}\n"
        f"      - {{writer: pip, repository: ss, path: {tmp_path}/b.conf, mode: '0600'}}\n"
    )
    default, explicit = (t.outputs[0][1] for t in config.load(path).domains[0].targets)
    assert isinstance(default, FileOutput) and isinstance(explicit, FileOutput)
    assert (default.mode, explicit.mode) == (None, 0o600)
