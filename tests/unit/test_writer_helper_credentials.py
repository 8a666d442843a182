"""``credentials: keyring`` (pip, uv, poetry, twine) and ``credentials: provider`` (cargo): the
files name the repository and the user ``aws`` and hold no token; a token an earlier mode wrote
goes; what was written reads back as the tool reads it."""

from __future__ import annotations

import configparser
import sys
from collections.abc import Mapping

import pytest

from codeartifact_refresher.errors import WriterError
from codeartifact_refresher.testing.writer_contract import is_subsequence
from codeartifact_refresher.writers import cargo, pip, poetry, twine, uv
from codeartifact_refresher.writers.base import MAIN, Credentials

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
PYPI = Credentials(f"https://{HOST}/pypi/pypi-store/", token="TOKEN-ONE", repository="pypi-store")
CARGO = Credentials(f"https://{HOST}/cargo/cargo-store/", token="TOKEN-ONE", repository="cargo-store")
USER_URL = f"https://aws@{HOST}/pypi/pypi-store/simple/"


def written(writer, creds, before: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """Each role's text as the program writes it (render, then read-back)."""
    before = before or {}
    return {role: writer.render_checked(role, before.get(role), creds) for role in writer.roles()}


@pytest.mark.parametrize("provider", ["subprocess", "import"])
def test_pip_names_the_user_and_the_keyring_provider(provider):
    user = "# mine\n[global]\ntimeout = 60\n"
    files = written(pip.Writer(credentials="keyring", keyring_provider=provider), PYPI, {MAIN: user})
    assert list(files) == [MAIN]  # no netrc
    parser = configparser.RawConfigParser()
    parser.read_string(files[MAIN])
    assert parser.get("global", "index-url") == USER_URL
    assert parser.get("global", "keyring-provider") == provider
    assert "TOKEN-ONE" not in files[MAIN] and is_subsequence(user.splitlines(), files[MAIN].splitlines())


def test_pip_switching_to_keyring_drops_the_token_url_and_back():
    with_token = pip.Writer().render(None, PYPI)
    assert "TOKEN-ONE" in with_token
    keyring = pip.Writer(credentials="keyring").render(with_token, PYPI)
    assert "TOKEN-ONE" not in keyring and keyring.count("index-url") == 1
    extra = pip.Writer(credentials="keyring", index="extra").render(keyring, PYPI)
    assert "TOKEN-ONE" not in extra and f"extra-index-url = {USER_URL}" in extra and "\nindex-url" not in extra


def test_pip_a_keyring_provider_the_tool_would_not_read_is_refused():
    """A [global] keyring-provider spelt twice: refused, not guessed at."""
    with pytest.raises(WriterError, match="set twice"):
        pip.Writer(credentials="keyring").render_checked(
            MAIN, "[global]\nkeyring-provider = disabled\nkeyring_provider = x\n", PYPI
        )


def test_uv_names_the_user_and_keyring_provider_subprocess():
    before = uv.Writer(credentials="url").render(None, PYPI)
    files = written(uv.Writer(credentials="keyring"), PYPI, {MAIN: before})
    assert list(files) == [MAIN]
    data = tomllib.loads(files[MAIN])
    assert data["keyring-provider"] == "subprocess"
    assert data["index"] == [{"name": "codeartifact", "url": USER_URL, "default": True}]
    assert "TOKEN-ONE" not in files[MAIN]


def test_twine_keeps_the_user_and_drops_the_password():
    before = twine.Writer().render("[distutils]\nindex-servers = pypi\n", PYPI)
    files = written(twine.Writer(credentials="keyring"), PYPI, {MAIN: before})
    parser = configparser.RawConfigParser()
    parser.read_string(files[MAIN])
    assert dict(parser.items("codeartifact")) == {"repository": PYPI.endpoint, "username": "aws"}
    assert "TOKEN-ONE" not in files[MAIN]


def test_twine_read_back_refuses_a_password_left_where_twine_reads_it_first():
    writer = twine.Writer(credentials="keyring")
    text = writer.render(None, PYPI) + "password = stale\n"
    assert any(read != wrote for _, wrote, read in writer.read_back(MAIN, text, PYPI))


def test_poetry_auth_keeps_the_user_and_drops_the_password():
    before = written(poetry.Writer(), PYPI)
    files = written(poetry.Writer(credentials="keyring"), PYPI, before)
    assert tomllib.loads(files["auth"]) == {"http-basic": {"codeartifact": {"username": "aws"}}}
    assert tomllib.loads(files[MAIN])["repositories"]["codeartifact"]["url"] == PYPI.endpoint
    assert all("TOKEN-ONE" not in text for text in files.values())


def test_cargo_provider_names_our_command_and_writes_no_credentials_file():
    before = cargo.Writer().render_file(MAIN, "[net]\nretry = 0\n", CARGO)
    writer = cargo.Writer(credentials="provider")
    files = written(writer, CARGO, {MAIN: before})
    assert list(files) == [MAIN] and writer.roles() == (MAIN,)
    table = tomllib.loads(files[MAIN])["registries"]["codeartifact"]
    assert table == {
        "index": f"sparse+https://{HOST}/cargo/cargo-store/",
        "credential-provider": "cargo-credential-codeartifact-refresher",
    }
    assert tomllib.loads(files[MAIN])["net"] == {"retry": 0}
    assert [c.role for c in writer.all_claims()] == [MAIN]


def test_cargo_provider_read_back_sees_another_provider():
    writer = cargo.Writer(credentials="provider")
    text = writer.render_file(MAIN, None, CARGO).replace("cargo-credential-codeartifact-refresher", "cargo:token")
    assert any(read == "cargo:token" for _, _, read in writer.read_back(MAIN, text, CARGO))


def test_an_unknown_credentials_value_is_refused():
    with pytest.raises(ValueError, match="expected one of"):
        pip.Writer(credentials="vault")
    with pytest.raises(ValueError, match="expected one of"):
        cargo.Writer(credentials="keyring")


def test_check_says_what_the_client_side_needs(standin, tmp_path, capsys):
    from codeartifact_refresher import cli

    from ..conftest import write_config

    standin.add_repository("acme", "cargo-store", "cargo")
    targets = (
        "      - {writer: pip, repository: pypi-store, credentials: keyring}\n"
        "      - {writer: cargo, repository: cargo-store, credentials: provider}\n"
        "      - {writer: twine, repository: pypi-store}\n"
    )
    path = write_config(tmp_path / "c.yaml", standin, targets)
    assert cli.main(["check", "--config", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    pip_at = next(i for i, line in enumerate(lines) if " pip pypi-store" in line)
    assert "install keyring with codeartifact-refresher[keyring] where pip runs" in lines[pip_at + 1]
    cargo_at = next(i for i, line in enumerate(lines) if " cargo cargo-store" in line)
    assert "(+ credentials" not in lines[cargo_at]  # no credentials.toml
    assert "cargo-credential-codeartifact-refresher" in lines[cargo_at + 1] and "PATH" in lines[cargo_at + 1]
    assert lines[-1].lstrip().startswith("acme") and "twine" in lines[-1]  # a file-token target: no note
