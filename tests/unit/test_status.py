import json
import os

from codeartifact_refresher import cli
from codeartifact_refresher.config import Config
from codeartifact_refresher.service import state as state_mod

from ..conftest import ALL_TARGETS, write_config


def test_state_file_location_order(home, monkeypatch, tmp_path):
    cfg = Config(tmp_path / "c.yaml", ())
    assert state_mod.default_path(cfg, {"HOME": str(home)}) == home / ".local/state/codeartifact-refresher/state.json"
    assert state_mod.default_path(cfg, {"HOME": str(home), "XDG_STATE_HOME": "/x"}) == state_mod.Path(
        "/x/codeartifact-refresher/state.json"
    )
    assert state_mod.default_path(cfg, {"STATE_DIRECTORY": "/var/lib/car:/other"}) == state_mod.Path(
        "/var/lib/car/state.json"
    )
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
        f"  pip    {home}/.config/pip/pip.conf: written\n"
        f"  npm    {home}/.npmrc: written\n"
        f"  twine  {home}/.pypirc: written\n"
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
