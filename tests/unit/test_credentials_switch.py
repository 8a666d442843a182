"""Switching a target to ``credentials: keyring`` or ``provider`` ("no token at rest") leaves no
token in any file it wrote before: the old mode's entries go (the target's options changed, so its
record retires) and the new mode writes none."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codeartifact_refresher import cli

from ..conftest import write_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def files_under(home: Path) -> dict[str, str]:
    return {str(p.relative_to(home)): p.read_text(errors="replace") for p in home.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("writer", "repository", "before", "after"),
    [
        ("cargo", "cargo-store", "", "        credentials: provider\n"),
        ("pip", "pypi-store", "", "        credentials: keyring\n"),
        ("pip", "pypi-store", "        credentials: netrc\n", "        credentials: keyring\n"),
        ("uv", "pypi-store", "", "        credentials: keyring\n"),
        ("poetry", "pypi-store", "", "        credentials: keyring\n"),
        ("twine", "pypi-store", "", "        credentials: keyring\n"),
    ],
)
def test_switching_to_a_token_free_mode_leaves_no_token_behind(
    tmp_path, standin, home, monkeypatch, writer, repository, before, after
):
    standin.add_repository("acme", "cargo-store", "cargo")
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.yaml"
    target = f"      - writer: {writer}\n        repository: {repository}\n"
    write_config(config, standin, target + before)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    first = standin.issued_tokens()
    assert first and any(first[-1] in text for text in files_under(home).values())  # the old mode wrote it
    write_config(config, standin, target + after)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    for token in standin.issued_tokens():
        held = [name for name, text in files_under(home).items() if token in text]
        assert held == [], f"{writer} {after.strip()}: a token is still in {held}"


def test_a_netrc_entry_another_target_still_uses_is_written_again(tmp_path, standin, home, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.yaml"
    uv = "      - writer: uv\n        repository: pypi-store\n        credentials: netrc\n"
    pip = "      - writer: pip\n        repository: pypi-store\n        credentials: {}\n"
    write_config(config, standin, uv + pip.format("netrc"))
    assert cli.main(["refresh", "--config", str(config)]) == 0
    write_config(config, standin, uv + pip.format("keyring"))
    assert cli.main(["refresh", "--config", str(config)]) == 0
    assert (home / ".netrc").read_text().count(standin.issued_tokens()[-1]) == 1  # uv's, the newest token


def test_another_registrys_token_in_the_credentials_file_stays(tmp_path, standin, home, monkeypatch):
    standin.add_repository("acme", "cargo-store", "cargo")
    monkeypatch.chdir(tmp_path)
    (home / ".cargo").mkdir()
    (home / ".cargo" / "credentials.toml").write_text('[registries.crates-mirror]\ntoken = "theirs"\n')
    config = tmp_path / "config.yaml"
    target = "      - writer: cargo\n        repository: cargo-store\n"
    write_config(config, standin, target)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    write_config(config, standin, target + "        credentials: provider\n")
    assert cli.main(["refresh", "--config", str(config)]) == 0
    text = (home / ".cargo" / "credentials.toml").read_text()
    assert tomllib.loads(text) == {"registries": {"crates-mirror": {"token": "theirs"}}}
