"""The state file when two processes write it: a one-shot `refresh` beside a running daemon."""

import json
import os

from codeartifact_refresher import cli
from codeartifact_refresher.config import load
from codeartifact_refresher.state import State, iso

from ..conftest import ALL_TARGETS, write_config


def test_news_from_another_process_is_merged_not_overwritten(standin, tmp_path):
    domain = load(write_config(tmp_path / "config.yaml", standin, ALL_TARGETS)).domains[0]
    path = tmp_path / "state.json"
    daemon = State(path)
    entry = daemon.get(domain)
    entry.last_attempt, entry.expires_at, entry.successes_total = 100.0, 200.0, 1
    daemon.save(150.0)

    one_shot = State.load(path)  # `refresh` from a shell, while the daemon runs
    other = one_shot.get(domain)
    other.last_attempt, other.expires_at, other.successes_total = 300.0, 900.0, 2
    one_shot.save(350.0)

    daemon.save(360.0)  # the daemon writes again, not knowing
    saved = json.loads(path.read_text())["domains"][domain.key]
    assert saved["expires_at"] == iso(900.0)
    assert daemon.get(domain).expires_at == 900.0  # and it took the news in
    assert daemon.get(domain).successes_total == 1  # but its counters are its own (see test_health)

    entry = daemon.get(domain)
    entry.last_attempt, entry.expires_at = 400.0, 1000.0  # its own newer refresh wins in turn
    daemon.save(450.0)
    saved = json.loads(path.read_text())
    assert saved["domains"][domain.key]["expires_at"] == iso(1000.0)
    assert saved["updated"] == iso(450.0)  # the time the writer was given, not the clock on the wall


def test_an_unreadable_state_file_is_replaced(standin, tmp_path):
    domain = load(write_config(tmp_path / "config.yaml", standin, ALL_TARGETS)).domains[0]
    path = tmp_path / "state.json"
    path.write_text("{not json")
    state = State.load(path)
    state.get(domain).expires_at = 5.0
    state.save(600.0)
    assert json.loads(path.read_text())["domains"][domain.key]["expires_at"] == iso(5.0)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_symlinked_state_file_is_refused_without_advice_that_does_not_apply(standin, tmp_path, home, capsys):
    """``follow_symlinks`` is a target's setting: the state file has none, so its refusal must not
    suggest it (and the line still says what to do)."""
    real = tmp_path / "elsewhere.json"
    real.write_text("{}")
    state_file = home / ".local" / "state" / "codeartifact-refresher" / "state.json"
    state_file.parent.mkdir(parents=True)
    state_file.symlink_to(real)
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "is a symlink" in x]
    assert f"{state_file} is a symlink; refusing to replace it" in line
    assert "follow_symlinks" not in line and "give the path of the file itself" in line
    assert real.read_text() == "{}" and state_file.is_symlink()


def test_a_state_file_another_user_put_in_place_since_it_was_read_is_not_taken_in(standin, tmp_path):
    """The daemon read its own state file at start; later another user (who can write the state
    directory: a shared volume) replaces it. Its records of what was written, which decide what a
    sweep removes from which file, and its endpoints are not taken in when the daemon saves."""
    config = load(write_config(tmp_path / "config.yaml", standin, ALL_TARGETS))
    domain, other = config.domains[0], 54321  # a uid that is neither ours nor root's
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o700)
    path = directory / "state.json"
    daemon = State(path)
    daemon.get(domain).last_attempt = 100.0
    daemon.save(150.0)
    daemon = State.load(path)
    assert daemon.trusted and not daemon.written

    victim = tmp_path / "victim" / "pip.conf"
    theirs = {
        "domains": {
            domain.key: {
                "label": domain.label,
                "last_attempt": iso(300.0),
                "endpoints": {
                    "pypi/pypi-store": {"url": f"{standin.url}/pypi/other/", "resolved_at": iso(300.0)},
                },
            }
        },
        "written": [
            {
                "writer": "pip",
                "repository": "pypi-store",
                "options": {},
                "files": {"main": str(victim)},
                "endpoint": f"{standin.url}/pypi/pypi-store/",
            }
        ],
    }
    path.unlink()
    path.write_text(json.dumps(theirs))
    os.chown(path, other, other)
    os.chown(directory, other, other)  # theirs, so root may keep their file's owner when it writes
    daemon.save(400.0)

    assert not daemon.written  # a sweep would have removed pypi-store's index-url from the victim's file
    assert daemon.endpoints_of(domain) == {} and daemon.get(domain).last_attempt == 100.0
    saved = json.loads(path.read_text())
    assert saved["written"] == [] and saved["domains"][domain.key]["last_attempt"] == iso(100.0)
