"""doctor's readability check, from facts: mode, owner, group and the directories on the way,
against the reader's current groups and the group database (a stale login session)."""

from pathlib import Path

from codeartifact_refresher.doctor import access
from codeartifact_refresher.doctor.facts import FileFacts, Reader
from codeartifact_refresher.doctor.targets import TargetView

from .doctor_facts import make, problems, texts, view

PATH = "/srv/ca/pip.conf"
BUILDERS = 1001
NEW_MEMBER = Reader("u", 1000, 1000, frozenset({1000}), frozenset({1000, BUILDERS}))  # added after logging in
MEMBER = Reader("u", 1000, 1000, frozenset({1000, BUILDERS}), frozenset({1000, BUILDERS}))
OTHER = Reader("u", 1000, 1000, frozenset({1000}), frozenset({1000}))


def facts(mode: int, reader: Reader, readable: bool, folder_mode: int = 0o755):
    text = "[global]\n" if readable else None
    files = {
        PATH: FileFacts(
            Path(PATH), True, mode, 0, BUILDERS, text=text, error=None if readable else "Permission denied"
        ),
        "/srv/ca": FileFacts(Path("/srv/ca"), True, folder_mode, 0, BUILDERS, is_dir=True),
    }
    return make(files, reader=reader)


def check(mode, reader, readable=False, folder_mode=0o755, writer="pip"):
    return access.check(view(writer, PATH), Path(PATH), facts(mode, reader, readable, folder_mode))


def test_a_readable_file_is_an_ok_line_with_its_mode_owner_and_group():
    assert texts(check(0o640, MEMBER, readable=True)) == [
        f"ok: u can read {PATH} (mode 0640, owner root, group builders)"
    ]


def test_the_default_0600_for_another_reader_says_pip_falls_back_to_the_public_registry():
    assert problems(check(0o600, OTHER)) == [
        f"u cannot read {PATH} (it has mode 0600, owner root, group builders), and pip then silently falls back to the "
        "public registry (dependency confusion): give the pip target (line 9) `mode: 0640` and make u a member of "
        "builders (`usermod -aG builders u`, then a new login), or run the refresher as u"
    ]
    assert "falls back" not in problems(check(0o600, OTHER, writer="twine"))[0]


def test_a_group_readable_file_for_a_reader_outside_the_group():
    assert problems(check(0o640, OTHER))[0].endswith(
        ": make u a member of builders (`usermod -aG builders u`, then a new login)"
    )


def test_a_member_whose_session_predates_the_group_has_a_stale_login_session():
    assert problems(check(0o640, NEW_MEMBER)) == [
        f"u cannot read {PATH}: it has mode 0640, owner root, group builders, and the group database lists u in builders, "
        "but this login session predates that (its groups: u): log in again, or run `newgrp builders`"
    ]


def test_a_directory_on_the_way_is_named_when_it_is_the_one_that_refuses():
    assert problems(check(0o644, NEW_MEMBER, folder_mode=0o750))[0].startswith(
        f"u cannot read {PATH}: the directory /srv/ca has mode 0750, owner root, group builders, and the group database lists u"
    )
    assert "(`chmod g+x /srv/ca`)" in problems(check(0o644, OTHER, folder_mode=0o700))[0]


def test_refused_though_the_modes_allow_it_points_at_the_acl():
    assert problems(check(0o644, OTHER)) == [
        f"u cannot read {PATH} (Permission denied): check its ACL (`getfacl {PATH}`)"
    ]


def test_a_missing_file_is_a_problem_for_a_target_and_a_note_without_a_config():
    assert problems(access.check(view("pip", PATH), Path(PATH), make())) == [
        f"{PATH} does not exist: run `codeartifact-refresher refresh` (or start the service)"
    ]
    default = TargetView("pip", (("main", Path(PATH)),))
    assert texts(access.check(default, Path(PATH), make())) == [f"note: {PATH} does not exist"]


def test_root_reads_anything_and_a_stale_session_needs_the_group_bits():
    root = Reader("root", 0, 0, frozenset({0}), frozenset({0}))
    found = FileFacts(Path(PATH), True, 0o600, 1000, BUILDERS)
    assert access.allowed(found, root, access.READ)
    assert not access.stale(found, NEW_MEMBER, access.READ)  # 0600: a new login would not help either
