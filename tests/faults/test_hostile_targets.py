"""Broken and hostile target files, through the real `refresh` against the stand-in: a file we
cannot safely rewrite is left byte for byte as it was with one line naming it and saying why,
the other targets are still written, and a file we can rewrite keeps every foreign byte."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeartifact_refresher import cli
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.config import load
from codeartifact_refresher.outputs import files
from codeartifact_refresher.refresh import refresh_all
from codeartifact_refresher.writers.registry import Registry

from ..conftest import ALL_TARGETS, write_config

NOBODY = 65534
FOREIGN = "# Company pip settings; keep this comment.\n[global]\ntimeout = 30\n[install]\nno-compile = true\n"


def pip_conf(home):
    return home / ".config" / "pip" / "pip.conf"


def refresh(standin, tmp_path, capsys, targets=ALL_TARGETS):
    status = cli.main(["refresh", "--config", str(write_config(tmp_path / "config.yaml", standin, targets))])
    return status, capsys.readouterr().err


def errors(err):
    return [line for line in err.splitlines() if line.startswith("ERROR") and "domain(s)" not in line]


def _own_by_nobody(path):
    os.chown(path, NOBODY, NOBODY) if os.geteuid() == 0 else None


REFUSED = {
    "section header never closed": (
        b"[global\nindex-url = https://mine.example/simple/\n",
        "cannot parse {path} as a pip config: ",
    ),
    "option outside any section": (
        b"index-url = https://mine.example/simple/\n",
        "cannot parse {path} as a pip config: ",
    ),
    "duplicate section": (b"[global]\na = 1\n[global]\nb = 2\n", "cannot parse {path} as a pip config: "),
    "binary junk, not UTF-8": (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "{path} is not UTF-8 text (byte 0); left as it is"),
    "NUL bytes in UTF-8": (
        b"[global]\n\x00\x01\x02\n",
        "cannot parse {path} as a pip config: contains NUL bytes: not a text file; left as it is",
    ),
    # pip's configparser reads the mark as text before any section ("File contains no section
    # headers"): written, pip would still fail on every run (npm reads past it: its file is written)
    "a UTF-8 byte-order mark": (
        b"\xef\xbb\xbf" + FOREIGN.encode(),
        "{path} begins with a UTF-8 byte-order mark, which pip cannot read: remove it",
    ),
    "larger than a config can be": (
        b"#" * (files.MAX_BYTES + 1),
        "{path} is larger than 16 MiB, too big for a config file; left as it is",
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_a_file_that_cannot_be_parsed_is_left_as_it_is(name, standin, tmp_path, home, capsys):
    data, message = REFUSED[name]
    path = pip_conf(home)
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    status, err = refresh(standin, tmp_path, capsys)
    assert status == 1
    assert [e for e in errors(err)] == [
        e for e in errors(err) if e.startswith(f"ERROR acme (111122223333): pip pypi-store {path}: ")
    ]
    assert len(errors(err)) == 1 and message.format(path=path) in errors(err)[0], err
    assert "Traceback" not in err and "internal error" not in err
    assert path.read_bytes() == data  # byte for byte
    assert (home / ".npmrc").exists() and (home / ".pypirc").exists()  # the others are written
    assert sorted(p.name for p in path.parent.iterdir()) == ["pip.conf"]


def test_a_directory_a_fifo_and_a_dangling_link_are_refused(standin, tmp_path, home, capsys):
    pip_conf(home).mkdir(parents=True)  # a directory where pip.conf should be
    os.mkfifo(home / ".npmrc")
    (home / ".pypirc").symlink_to(home / "nowhere" / ".pypirc")
    status, err = refresh(standin, tmp_path, capsys)
    assert status == 1 and "Traceback" not in err
    assert errors(err) == [
        f"ERROR acme (111122223333): pip pypi-store {pip_conf(home)}: {pip_conf(home)} is a directory, not a file",
        f"ERROR acme (111122223333): npm npm-store {home / '.npmrc'}: {home / '.npmrc'} is a FIFO, not a regular file",
        f"ERROR acme (111122223333): twine pypi-store {home / '.pypirc'}: {home / '.pypirc'} is a symlink; refusing to replace it "
        "(set follow_symlinks: true on the target to write through it)",
    ]
    assert pip_conf(home).is_dir() and (home / ".pypirc").is_symlink() and not (home / "nowhere").exists()


def test_a_symlink_into_another_users_directory_is_refused(standin, tmp_path, home, capsys):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / ".npmrc").write_text("theirs=1\n")
    _own_by_nobody(theirs)
    owner = os.stat(theirs).st_uid
    (home / ".npmrc").symlink_to(theirs / ".npmrc")
    targets = ALL_TARGETS.replace("repository: npm-store\n", "repository: npm-store\n        follow_symlinks: true\n")
    status, err = refresh(standin, tmp_path, capsys, targets)
    if (
        owner == os.geteuid()
    ):  # not root: cannot make a directory another user's; the rule is tested in test_file_faults
        assert status == 0
        return
    assert status == 1 and errors(err) == [
        f"ERROR acme (111122223333): npm npm-store {home / '.npmrc'}: {home / '.npmrc'} is a symlink to {theirs / '.npmrc'}, "
        f"in a place owned by another user (uid {NOBODY}); refusing to write there"
    ]
    assert (theirs / ".npmrc").read_text() == "theirs=1\n"


SURVIVORS = [
    ("CRLF line endings", FOREIGN.replace("\n", "\r\n").encode()),
    ("no trailing newline", FOREIGN.rstrip("\n").encode()),
    ("control characters in a comment", b"# \x07bell \x1b[31mred\x1b[0m \x0cform feed\n" + FOREIGN.encode()),
    ("a very large file (10 MB of comments)", FOREIGN.encode() + b"# filler line of a big generated file\n" * 270_000),
]


@pytest.mark.parametrize(("name", "before"), SURVIVORS, ids=[name for name, _ in SURVIVORS])
def test_foreign_bytes_survive_a_successful_write(name, before, standin, tmp_path, home, capsys):
    path = pip_conf(home)
    path.parent.mkdir(parents=True)
    path.write_bytes(before)
    started = time.monotonic()
    status, err = refresh(standin, tmp_path, capsys)
    took = time.monotonic() - started
    assert status == 0, err
    after = path.read_bytes()
    token = standin.issued_tokens()[-1].encode()
    assert token in after
    newline = b"\r\n" if b"\r\n" in before else b"\n"
    old_lines, new_lines = before.rstrip(b"\r\n").split(newline), after.rstrip(b"\r\n").split(newline)
    added = [i for i, line in enumerate(new_lines) if line.startswith(b"index-url = ")]
    assert len(added) == 1 and new_lines[added[0]].startswith(b"index-url = http://aws:" + token)
    # every foreign byte is still there, in order: the only change is the one added line
    assert new_lines[: added[0]] + new_lines[added[0] + 1 :] == old_lines
    assert after.endswith(newline) == before.endswith(newline)  # even a missing last newline is kept
    assert took < 20, f"{name}: {took:.1f} s"


@pytest.fixture
def clients():
    return Clients()  # one botocore client for every example


WRITERS = {
    "pip": lambda home: pip_conf(home),
    "npm": lambda home: home / ".npmrc",
    "twine": lambda home: home / ".pypirc",
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    writer=st.sampled_from(sorted(WRITERS)),
    data=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
def test_any_bytes_in_a_target_are_written_around_or_refused_never_a_bug(
    standin, clients, tmp_path, home, writer, data
):
    """The whole refresh path, not just the writer: whatever bytes a target holds, the outcome is
    written (or unchanged) or a failure with a reason; a failed file keeps its bytes."""
    cfg = load(write_config(tmp_path / "config.yaml", standin, ALL_TARGETS))
    path = WRITERS[writer](home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    (report,) = refresh_all(cfg, clients, Registry())
    result = next(t for t in report.targets if t.target.writer == writer)
    assert result.outcome in ("written", "unchanged", "failed")
    if result.outcome == "failed":
        assert result.error and "internal error" not in result.error and str(path) in result.error
        assert path.read_bytes() == data
    else:
        assert standin.issued_tokens()[-1] in path.read_text()
