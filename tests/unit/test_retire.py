"""A target that leaves the config takes its entries with it (retire.py, issue 15): no dead token
is left for pip to try (``401 Error, Credentials not correct``) or npm to send."""

import json
import stat
from pathlib import Path

from codeartifact_refresher import cli
from codeartifact_refresher.retire import Record

from ..conftest import ALL_TARGETS, write_config

PIP_EXTRA = "      - {writer: pip, repository: pypi-store, index: extra}\n"
NPM = "      - {writer: npm, repository: npm-store}\n"
TWINE = "      - {writer: twine, repository: pypi-store}\n"


def refresh(config, *args) -> int:
    return cli.main(["refresh", "--config", str(config), *args])


def test_a_removed_target_takes_its_entries_and_the_others_stay(standin, tmp_path, home, capsys):
    (home / ".npmrc").write_text("save-exact=true\n")
    config = write_config(tmp_path / "c.yaml", standin, PIP_EXTRA + NPM + TWINE)
    assert refresh(config) == 0
    assert "_authToken" in (home / ".npmrc").read_text()
    write_config(config, standin, PIP_EXTRA + TWINE)  # npm leaves
    assert refresh(config) == 0
    assert (home / ".npmrc").read_text() == "save-exact=true\n"
    assert f"npm npm-store ({home / '.npmrc'}) left the config: its entries were removed" in capsys.readouterr().err
    assert "pypi-store" in (home / ".config" / "pip" / "pip.conf").read_text()
    state = json.loads((home / ".local" / "state" / "codeartifact-refresher" / "state.json").read_text())
    assert sorted(r["writer"] for r in state["written"]) == ["pip", "twine"]
    assert all(standin.issued_tokens()[-1] not in json.dumps(r) for r in state["written"])


def test_a_changed_index_leaves_one_entry_and_a_renamed_twine_section_leaves_none(standin, tmp_path, home):
    config = write_config(tmp_path / "c.yaml", standin, PIP_EXTRA + TWINE)
    assert refresh(config) == 0
    write_config(
        config, standin, "      - {writer: pip, repository: pypi-store}\n" + TWINE.replace("}", ", name: acme}")
    )
    assert refresh(config) == 0
    pip_conf = (home / ".config" / "pip" / "pip.conf").read_text()
    assert "extra-index-url" not in pip_conf and pip_conf.count("pypi-store") == 1
    pypirc = (home / ".pypirc").read_text()
    assert "[codeartifact]" not in pypirc and "[acme]" in pypirc and pypirc.count("pypi-store") == 1


def test_dry_run_shows_the_removal_redacted_and_changes_nothing(standin, tmp_path, home, capsys):
    config = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert refresh(config) == 0
    token = standin.issued_tokens()[-1]
    npmrc = (home / ".npmrc").read_text()
    write_config(config, standin, "      - {writer: pip, repository: pypi-store}\n")
    capsys.readouterr()
    assert refresh(config, "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"--- {home / '.npmrc'}" in out and "-registry=" in out and token not in out
    assert (home / ".npmrc").read_text() == npmrc
    assert refresh(config) == 0 and "registry" not in (home / ".npmrc").read_text()


def test_a_file_that_cannot_be_parsed_keeps_the_record_for_the_next_sweep(standin, tmp_path, home, capsys):
    config = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert refresh(config) == 0
    (home / ".pypirc").write_text("[a]\n[a]\n")
    write_config(config, standin, "      - {writer: pip, repository: pypi-store}\n")
    assert refresh(config) == 0
    err = capsys.readouterr().err
    assert f"twine pypi-store ({home / '.pypirc'}) left the config, but its entries could not be removed" in err
    state = json.loads((home / ".local" / "state" / "codeartifact-refresher" / "state.json").read_text())
    assert sorted(r["writer"] for r in state["written"]) == ["pip", "twine"]  # tried again next time
    (home / ".pypirc").unlink()
    assert refresh(config) == 0
    state = json.loads((home / ".local" / "state" / "codeartifact-refresher" / "state.json").read_text())
    assert [r["writer"] for r in state["written"]] == ["pip"]


def test_a_record_from_the_state_file_is_checked_before_it_is_believed():
    good = {
        "writer": "npm",
        "repository": "npm-store",
        "options": {"scope": "@acme"},
        "files": {"main": "/home/u/.npmrc"},
        "endpoint": "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/",
        "config": "/home/u/.config/codeartifact-refresher/config.yaml",
    }
    assert Record.from_json(good).options == (("scope", "@acme"),)
    for bad in (
        {k: v for k, v in good.items() if k != "config"},
        {**good, "config": "config.yaml"},
        {**good, "endpoint": "https://evil.example/?x"},
        {**good, "files": {"main": "relative/.npmrc"}},
        {**good, "files": {}},
        {**good, "writer": 3},
        [good],
    ):
        assert Record.from_json(bad) is None


def test_a_shared_files_mode_survives_a_retirement(standin, tmp_path, shared):
    """A build host's 0640 pip.conf whose target changes its index: the old entry goes, and the
    file stays readable by its group (a 0600 file would stay 0600, and pip would fall back)."""
    pip_conf = shared / "pip.conf"
    target = f"      - {{writer: pip, repository: pypi-store, path: {pip_conf}, mode: 0640, index: extra}}\n"
    config = write_config(tmp_path / "c.yaml", standin, target)
    assert refresh(config) == 0 and stat.S_IMODE(pip_conf.stat().st_mode) == 0o640
    write_config(config, standin, target.replace(", index: extra", ""))
    assert refresh(config) == 0
    assert "extra-index-url" not in pip_conf.read_text() and "index-url" in pip_conf.read_text()
    assert stat.S_IMODE(pip_conf.stat().st_mode) == 0o640


def test_a_one_off_config_sharing_the_state_file_retires_nothing_of_the_main_one(standin, tmp_path, home):
    """`refresh --config other.yaml` with the user's default state file: the main config's targets
    are not "gone" from it; only the config that wrote a record retires it."""
    main = write_config(tmp_path / "main.yaml", standin, NPM + TWINE)
    assert refresh(main) == 0
    npmrc = (home / ".npmrc").read_text()
    other = write_config(tmp_path / "other.yaml", standin, "      - {writer: pip, repository: pypi-store}\n")
    assert refresh(other) == 0
    assert (home / ".npmrc").read_text() == npmrc and "[codeartifact]" in (home / ".pypirc").read_text()
    state = json.loads((home / ".local" / "state" / "codeartifact-refresher" / "state.json").read_text())
    assert sorted((r["writer"], Path(r["config"]).name) for r in state["written"]) == [
        ("npm", "main.yaml"),
        ("pip", "other.yaml"),
        ("twine", "main.yaml"),
    ]
    write_config(main, standin, TWINE)  # now the main config drops npm: it retires its own
    assert refresh(main) == 0
    assert "_authToken" not in (home / ".npmrc").read_text()
    assert "pypi-store" in (home / ".config" / "pip" / "pip.conf").read_text()  # other.yaml's stays
