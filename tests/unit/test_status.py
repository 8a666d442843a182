import encodings.utf_8_sig
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pytest

from codeartifact_refresher import cli, config
from codeartifact_refresher import state as state_mod
from codeartifact_refresher.config import Config
from codeartifact_refresher.writers import registry

from ..conftest import ALL_TARGETS, write_config


def test_state_file_location_order(home, monkeypatch, tmp_path):
    cfg = Config(tmp_path / "c.yaml", ())
    assert state_mod.default_path(cfg, {"HOME": str(home)}) == home / ".local/state/codeartifact-refresher/state.json"
    assert state_mod.default_path(cfg, {"HOME": str(home), "XDG_STATE_HOME": "/x"}) == Path(
        "/x/codeartifact-refresher/state.json"
    )
    assert state_mod.default_path(cfg, {"STATE_DIRECTORY": "/var/lib/car:/other"}) == Path("/var/lib/car/state.json")
    mine = Config(tmp_path / "c.yaml", (), state_file=tmp_path / "s.json")
    assert state_mod.default_path(mine, {"STATE_DIRECTORY": "/x"}) == tmp_path / "s.json"


def test_a_corrupt_state_file_is_set_aside_with_a_warning(tmp_path, caplog):
    path = tmp_path / "state.json"
    path.write_text("{not json")
    assert state_mod.State.load(path).domains == {}
    assert "cannot read the state file (JSONDecodeError); starting afresh" in caplog.text


def test_refresh_records_state_without_secrets_and_status_reads_it(standin, tmp_path, home, clock, capsys):
    clock.run(-(clock.wall() % 1))  # on a whole second: the state file keeps whole seconds
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)], clock=clock) == 0
    state_file = home / ".local/state/codeartifact-refresher/state.json"
    assert oct(os.stat(state_file).st_mode & 0o777) == "0o600"
    token = (home / ".npmrc").read_text().rsplit("_authToken=", 1)[1].strip()
    assert token not in state_file.read_text()
    capsys.readouterr()
    clock.run(60)
    assert cli.main(["status", "--config", str(path)], clock=clock) == 0
    label = f"acme ({standin.account})"
    assert capsys.readouterr().out == (
        "daemon: not running\n"
        "\n"
        f"{'DOMAIN':<{len(label)}}  TOKEN               NEXT REFRESH  LAST SUCCESS  FAILURES  LAST ERROR\n"
        f"{label}  expires in 14m 00s  -             1m 00s ago    0         -\n"
        "acme targets:\n"
        f"  pip    pypi-store {home}/.config/pip/pip.conf: written\n"
        f"  npm    npm-store {home}/.npmrc: written\n"
        f"  twine  pypi-store {home}/.pypirc: written\n"
        "healthy\n"
    )
    assert cli.main(["status", "--config", str(path), "--json"], clock=clock) == 0
    data = json.loads(capsys.readouterr().out)
    [domain] = data["domains"]
    assert data["healthy"] and domain["healthy"] and domain["failures"] == 0
    assert domain["expires_in"] == 840
    assert [t["outcome"] for t in domain["targets"]] == ["written"] * 3


def test_status_exits_1_when_a_token_expired_or_a_domain_fails(standin, tmp_path, home, clock, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["status", "--config", str(path)]) == 1  # nothing refreshed yet
    assert "none yet" in capsys.readouterr().out
    cli.main(["refresh", "--config", str(path)])
    standin.inject("GetAuthorizationToken", "AccessDeniedException", 403)
    assert cli.main(["refresh", "--config", str(path)]) == 1
    capsys.readouterr()
    assert cli.main(["status", "--config", str(path), "--json"]) == 1
    [domain] = json.loads(capsys.readouterr().out)["domains"]
    assert domain["failures"] == 1 and "was denied" in domain["last_error"] and domain["expires_in"] > 0
    assert cli.main(["status", "--config", str(path)]) == 1
    assert "UNHEALTHY" in capsys.readouterr().out


def test_status_with_a_bad_config_exits_2(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("domains: []\n")
    assert cli.main(["status", "--config", str(path)]) == 2


def test_json_log_format_is_one_object_per_line_without_tokens(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["-v", "--log-format", "json", "refresh", "--config", str(path)]) == 0
    err = capsys.readouterr().err
    entries = [json.loads(line) for line in err.splitlines()]
    assert {e["level"] for e in entries} >= {"info", "debug"}
    assert any(e["message"].endswith(": written") for e in entries)
    assert all(set(e) >= {"time", "level", "logger", "message"} for e in entries)
    token = (home / ".npmrc").read_text().rsplit("_authToken=", 1)[1].strip()
    assert token not in err


@pytest.fixture
def other_user():
    """A throw-away local user (deleted afterwards): (name, uid, gid)."""
    name = f"i10-daemon-{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    try:
        entry = pwd.getpwnam(name)
        yield name, entry.pw_uid, entry.pw_gid
    finally:
        subprocess.run(["userdel", name], check=False)


def status_as(user, config: Path) -> tuple[int, str, str]:
    """``status --config CONFIG`` run by ``user`` (uid, gid), in a forked child of this process
    (this venv and its stdlib are under /root, where another user cannot start Python or import): (exit, out, err)."""
    _, uid, gid = user
    cli.main(["status", "--config", str(config)])  # as root first: what it imports, the child has
    # and the writers' entry points: the venv's metadata may sit where the user cannot read (CI
    # clones into a 0700 temporary directory), which is not what this test is about
    writers = metadata.entry_points(group=registry.GROUP)
    for entry_point in writers:
        entry_point.load()
    encodings.utf_8_sig  # noqa: B018 - and so is the config's encoding (the stdlib is under /root too)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: become the user, then run the command as the CLI does
            code = 70
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the child ends with os._exit
                sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
                metadata.entry_points = lambda **_: writers  # type: ignore[assignment]  # this child only
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
                code = cli.main(["status", "--config", str(config)])
            except BaseException as e:
                print(f"child: {type(e).__name__}: {e}", file=sys.stderr)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode()


@pytest.mark.parametrize("private", ["file", "directory"])
def test_status_by_a_user_who_cannot_read_the_state_file_says_so_and_who_can(standin, other_user, private):
    """Not "daemon: not running ... UNHEALTHY": one line that names the file and its readers."""
    shared = Path(tempfile.mkdtemp(prefix="i10-daemon-status-"))  # a place both users reach
    try:
        shared.chmod(0o755)
        state_dir = shared / "state"
        state_dir.mkdir(mode=0o700 if private == "directory" else 0o755)
        state_file = state_dir / "state.json"
        state_file.write_text('{"version": 1, "domains": {}}\n')
        state_file.chmod(0o600 if private == "file" else 0o644)
        config = write_config(
            shared / "config.yaml", standin, f"      - {{writer: pip, repository: pypi-store, path: {shared}/p}}\n"
        )
        config.write_text(f"state_file: {state_file}\n" + config.read_text())
        config.chmod(0o644)
        code, out, err = status_as(other_user, config)
    finally:
        shutil.rmtree(shared)
    assert code == 1 and out == "", out + err
    [line] = err.strip().splitlines()
    assert f"cannot read the state file {state_file} as {other_user[0]}" in line
    place = state_file if private == "file" else state_dir
    assert f"{'' if private == 'file' else f'the directory {place} lets in only '}root (its owner; mode 0" in line
    assert "UNHEALTHY" not in err and "not running" not in err


@pytest.mark.parametrize("failing", ["pnpm", "npm"])
def test_two_targets_on_one_file_each_show_their_own_outcome(standin, tmp_path, home, capsys, failing):
    """npm and a scoped pnpm on one ``.npmrc``, one failing (a repository that does not exist):
    keyed by the file's path they shared one record, and both showed the last one's outcome."""
    repositories = {"npm": "npm-store", "pnpm": "npm-store", failing: "missing-store"}
    targets = (
        f"      - {{writer: npm, repository: {repositories['npm']}}}\n"
        f"      - {{writer: pnpm, repository: {repositories['pnpm']}, scope: '@acme'}}\n"
    )
    path = write_config(tmp_path / "c.yaml", standin, targets)
    assert cli.main(["refresh", "--config", str(path)]) == 1
    expected = {"npm": "written", "pnpm": "written", failing: "failed"}
    capsys.readouterr()
    cli.main(["status", "--config", str(path), "--json"])
    [domain] = json.loads(capsys.readouterr().out)["domains"]
    assert {t["writer"]: t["outcome"] for t in domain["targets"]} == expected
    assert [t["where"] for t in domain["targets"]] == [str(home / ".npmrc")] * 2
    cli.main(["status", "--config", str(path)])
    text = capsys.readouterr().out
    assert f"  npm    {repositories['npm']} {home}/.npmrc: {expected['npm']}" in text
    assert f"  pnpm   {repositories['pnpm']} {home}/.npmrc (scope=@acme): {expected['pnpm']}" in text
    saved = json.loads((home / ".local/state/codeartifact-refresher/state.json").read_text())
    [records] = [d["targets"] for d in saved["domains"].values()]
    assert {r["writer"]: r["outcome"] for r in records.values()} == expected and len(records) == 2


def test_a_state_file_keyed_by_path_still_loads(standin, tmp_path, home, capsys):
    """Before targets had an identity, the state file keyed them by path: status still reads it."""
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    [domain] = config.load(path).domains
    old = {
        "version": 1,
        "updated": "2026-01-01T00:00:00+00:00",
        "daemon": {},
        "domains": {
            domain.key: {
                "label": domain.label,
                "domain": "acme",
                "owner": standin.account,
                "expires_at": "2026-01-01T12:00:00+00:00",
                "last_attempt": "2026-01-01T00:00:00+00:00",
                "failures": 1,
                "last_error": "cannot parse",
                "targets": {
                    f"{home}/.config/pip/pip.conf": {"writer": "pip", "outcome": "failed", "error": "cannot parse"},
                    f"{home}/.npmrc": {"writer": "npm", "outcome": "written", "error": None},
                    f"{home}/.pypirc": {"writer": "pip", "outcome": "unchanged", "error": None},  # not twine's
                },
                "endpoints": {},
            }
        },
    }
    state_file = home / ".local/state/codeartifact-refresher/state.json"
    state_file.parent.mkdir(parents=True)
    state_file.write_text(json.dumps(old))
    cli.main(["status", "--config", str(path), "--json"])
    [shown] = json.loads(capsys.readouterr().out)["domains"]
    assert [(t["writer"], t.get("outcome"), t.get("error")) for t in shown["targets"]] == [
        ("pip", "failed", "cannot parse"),
        ("npm", "written", None),
        ("twine", None, None),
    ]
