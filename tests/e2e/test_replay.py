"""Odd but valid files, replayed through the takeover and the real clients: the cases where a
review's replay (pip's configuration tests, npm's ``ini``, twine's and the AWS CLI's ``.pypirc``
examples, and files of our own) found the real pip, npm or twine disagreeing with what we wrote.
The unit tests of each editor hold the rest (``tests/unit/test_takeover.py``)."""

from __future__ import annotations

import os
import sys

import pytest

from codeartifact_refresher.testing import packages

from ..conftest import write_config
from .clients import npm, pip, refresher, run, twine

pytestmark = pytest.mark.e2e
BOM = b"\xef\xbb\xbf"


def login(standin, *flags: str):
    """Our ``login`` with the AWS CLI's flags, in this test's environment."""
    account = [
        "--domain",
        "acme",
        "--domain-owner",
        standin.account,
        "--endpoint-url",
        standin.url,
        "--region",
        "us-east-1",
    ]
    return run([sys.executable, "-m", "codeartifact_refresher", "login", *flags, *account], dict(os.environ))


@pytest.mark.parametrize(
    ("tool", "name", "text", "what_the_tool_says"),
    [
        ("pip", ".config/pip/pip.conf", b"[global]\ntimeout = 5\n", "File contains no section headers"),
        ("twine", ".pypirc", b"[distutils]\nindex-servers = pypi\n[pypi]\nusername = __token__\n", "Malformed"),
    ],
)
def test_a_file_with_a_bom_pip_or_twine_cannot_read_is_refused_not_written(
    standin, home, tool, name, text, what_the_tool_says
):
    """Windows editors save a byte-order mark; pip's and twine's configparser then fail on every
    run. ``login`` used to write its entries there and say it had configured the tool."""
    path = home / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(BOM + text)
    done = pip(home, "config", "list") if tool == "pip" else twine(home, "upload", "-r", "pypi", str(path))
    assert done.returncode != 0 and what_the_tool_says in done.stdout + done.stderr  # the tool cannot read it
    done = login(standin, "--tool", tool, "--repository", "pypi-store")
    assert done.returncode == 1 and "Successfully configured" not in done.stdout
    assert f"{path} begins with a UTF-8 byte-order mark, which {tool} cannot read: remove it" in done.stderr
    assert path.read_bytes() == BOM + text
    assert all(token not in done.stdout + done.stderr for token in standin.issued_tokens())
    path.write_bytes(text)  # as the message says
    assert login(standin, "--tool", tool, "--repository", "pypi-store").returncode == 0


def test_an_extra_index_in_a_pip_conf_of_defaults_alone_reaches_pip(standin, home, tmp_path):
    """pip reads ``[DEFAULT]`` only through a section: ``index: extra`` put our URL there, in a
    file with no ``[global]``, and pip never tried our repository."""
    pip_conf = home / ".config" / "pip" / "pip.conf"
    pip_conf.parent.mkdir(parents=True)
    theirs = f"[DEFAULT]\nextra-index-url = {standin.url}/mirror/simple/\ntimeout = 9\n"
    pip_conf.write_text(theirs)
    targets = "      - {writer: pip, repository: pypi-store, index: extra}\n"
    assert refresher(write_config(tmp_path / "c.yaml", standin, targets)).returncode == 0
    assert pip_conf.read_text().startswith(theirs)
    done = pip(
        home,
        "install",
        "--no-deps",
        "--target",
        str(tmp_path / "site"),
        "--index-url",
        standin.url + "/none/",
        packages.DEMO_NAME,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr and standin.calls["pypi:authorized"] >= 2  # page and wheel


def test_a_scoped_target_leaving_keeps_the_auth_line_of_logins_registry(standin, home, tmp_path):
    """``login --tool npm`` (in no config) set ``registry=`` to our repository; a scoped target of the
    same repository was added, then removed: its retirement took the shared auth line, and every
    unscoped install failed with 401 while the login's token still lived."""
    assert login(standin, "--tool", "npm", "--repository", "npm-store").returncode == 0
    config = tmp_path / "c.yaml"
    assert (
        refresher(
            write_config(config, standin, "      - {writer: npm, repository: npm-store, scope: '@acme'}\n")
        ).returncode
        == 0
    )
    elsewhere = f"      - {{writer: token, repository: npm-store, path: {tmp_path / 'token'}}}\n"
    assert refresher(write_config(config, standin, elsewhere)).returncode == 0
    npmrc = (home / ".npmrc").read_text()
    assert "@acme:registry" not in npmrc and npmrc.count(":_authToken=") == 1
    before = standin.calls["npm:authorized"]
    done = npm(home, "install", "--no-save", packages.DEMO_NAME)
    assert done.returncode == 0, done.stdout + done.stderr
    assert standin.calls["npm:authorized"] > before and standin.calls["npm:refused"] == 0
