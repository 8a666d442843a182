"""Item 9: root gives no token through a path another user controls; item 3: one ownership rule
for the config, a hook's program and a template. Real throw-away users (``useradd``), real files;
the attacker's steps are shell commands run as them."""

from __future__ import annotations

import grp
import os
import pwd
from pathlib import Path

import pytest

from codeartifact_refresher import cli, config
from codeartifact_refresher.config import trust
from codeartifact_refresher.errors import ConfigError, TargetError
from codeartifact_refresher.writers.template import read_template

from ..conftest import write_config
from ..users import group, skip_unless_root, users

pytestmark = skip_unless_root()

PLANTED = "index-url = https://their.example/simple/\n"


def protected_symlinks() -> str:
    """The kernel's setting, said in the test's name of what was checked: we never rely on it."""
    try:
        return Path("/proc/sys/fs/protected_symlinks").read_text().strip()
    except OSError:
        return "unknown"


@pytest.fixture
def mallory():
    with users(("i16-mallory", ())) as [user]:
        yield user


def as_user(user, script: str) -> None:
    done = user.run(["sh", "-c", script], {"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr


def refresh_fails(standin, tmp_path: Path, capsys, path: Path, follow: bool) -> str:
    """Run ``refresh`` (and ``--dry-run``) for one pip target at ``path``; the one ERROR line."""
    extra = "        follow_symlinks: true\n" if follow else ""
    targets = f"      - writer: pip\n        repository: pypi-store\n        path: {path}\n{extra}"
    cfg = write_config(tmp_path / "config.yaml", standin, targets)
    lines = []
    for dry in ([], ["--dry-run"]):
        assert cli.main(["refresh", "--config", str(cfg), *dry]) == 1
        err = capsys.readouterr().err
        found = [line for line in err.splitlines() if line.startswith("ERROR") and str(path) in line]
        assert len(found) == 1, err
        assert not any(token in err for token in standin.issued_tokens())
        lines.append(found[0])
    assert lines[0] == lines[1]  # --dry-run says what the write refuses
    return lines[0]


def test_a_symlink_another_user_owns_in_a_sticky_directory_is_refused_even_when_following(
    shared, mallory, standin, tmp_path, capsys
):
    """Whatever ``fs.protected_symlinks`` says (here: see the test's output), the link is read by us."""
    os.chmod(shared, 0o1777)
    theirs, link = shared / "theirs", shared / "pip.conf"
    as_user(mallory, f"mkdir {theirs} && printf '{PLANTED}' > {theirs}/pip.conf && ln -s {theirs}/pip.conf {link}")
    line = refresh_fails(standin, tmp_path, capsys, link, follow=True)
    assert line.endswith(
        f"{link} is a symlink owned by {mallory.name} (uid {mallory.uid}), in {shared}, which other users can "
        "write; refusing to give a token through a path another user controls, left as it is"
    ), (line, protected_symlinks())
    assert (theirs / "pip.conf").read_text() == PLANTED


@pytest.mark.parametrize("planted", [True, False])
def test_a_parent_directory_that_is_another_users_symlink_to_their_own_is_refused(
    shared, mallory, standin, tmp_path, capsys, planted
):
    os.chmod(shared, 0o1777)
    own, work = shared / "own", shared / "work"
    plant = f" && printf '{PLANTED}' > {own}/pip.conf" if planted else ""
    as_user(mallory, f"mkdir {own}{plant} && ln -s {own} {work}")
    line = refresh_fails(standin, tmp_path, capsys, work / "pip.conf", follow=False)
    assert line.endswith(
        f"{work / 'pip.conf'}: {work} is a symlink owned by {mallory.name} (uid {mallory.uid}), in {shared}, "
        "which other users can write; refusing to give a token through a path another user controls, left as it is"
    ), line
    assert sorted(os.listdir(own)) == (["pip.conf"] if planted else [])
    if planted:
        assert (own / "pip.conf").read_text() == PLANTED


def test_a_directory_in_the_way_that_others_can_write_is_refused(shared, mallory, standin, tmp_path, capsys):
    """A 0777 directory (not sticky) between ``/`` and the file: its entries can be swapped."""
    os.chmod(shared, 0o777)
    (shared / "sub").mkdir()
    line = refresh_fails(standin, tmp_path, capsys, shared / "sub" / "pip.conf", follow=False)
    assert f": {shared} is writable by other users, who can replace what is in it" in line, line
    assert not (shared / "sub" / "pip.conf").exists()


# -- item 3: one rule for what root obeys and reads ------------------------------------------------


def _verdicts(directory: Path, gid: int) -> dict[str, str]:
    """How the config loader, the hook-program check and the template writer judge one file of
    root's, group ``gid``, mode 0664 (each in a directory of root's alone)."""
    path = directory / "shared-file"
    path.write_text(
        'domains:\n  - domain: acme\n    owner: "111122223333"\n    region: us-east-1\n'
        "    targets:\n      - {writer: pip, repository: pypi-store, path: /nonexistent/pip.conf}\n"
    )
    os.chown(path, 0, gid)
    os.chmod(path, 0o664)
    found = {}
    try:
        config.load(path)
        found["config"] = "accepted"
    except ConfigError as e:
        found["config"] = "refused" if "is writable by group" in str(e) else str(e)
    problem = trust.program_problem(path, 0)
    found["hook program"] = "accepted" if problem is None else "refused"
    try:
        read_template(path, euid=0)
        found["template"] = "accepted"
    except TargetError as e:
        found["template"] = "refused" if "is writable by group" in str(e) else str(e)
    return found


def _no_one_else_in_group_0() -> bool:
    listed = set(grp.getgrgid(0).gr_mem) - {"root"}
    primary = [p.pw_name for p in pwd.getpwall() if p.pw_gid == 0 and p.pw_uid != 0]
    return not listed and not primary


def test_a_root_file_of_group_0_mode_0664_is_judged_alike_by_the_loader_hooks_and_templates(tmp_path):
    expected = "accepted" if _no_one_else_in_group_0() else "refused"
    assert _verdicts(tmp_path, 0) == {"config": expected, "hook program": expected, "template": expected}


def test_a_root_file_a_group_of_others_can_write_is_refused_by_all_three(tmp_path):
    with group("i16-builders") as name, users(("i16-builder", (name,))):
        gid = grp.getgrnam(name).gr_gid
        assert _verdicts(tmp_path, gid) == {"config": "refused", "hook program": "refused", "template": "refused"}


def test_a_group_whose_only_member_is_the_reader_is_no_one_else(tmp_path):
    """A group with no one in it but root is as good as root's own: the file is accepted by all three."""
    with group("i16-empty") as name:
        gid = grp.getgrnam(name).gr_gid
        assert _verdicts(tmp_path, gid) == {"config": "accepted", "hook program": "accepted", "template": "accepted"}
