from pathlib import Path

import pytest
from twine.utils import get_config

from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, WriterContract
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.twine import Writer

from ..strategies import ini_files

FOREIGN = """\
# my uploads
[distutils]
index-servers =
    pypi
    internal

[pypi]
username = __token__
password = pypi-AgEIcHlwaS5vcmc

[internal]
repository = https://upload.internal.example/
username = me
"""
CREDS = Credentials(f"https://{HOST}/pypi/store/", TOKEN_1)


def twine_reads(text: str, tmp_path: Path) -> dict:
    """The repositories twine itself configures from ``text``."""
    path = tmp_path / "pypirc"
    path.write_text(text)
    return get_config(str(path))


class TestTwine(WriterContract):
    foreign = FOREIGN
    corrupt = ("username = x\n", "[a]\n[a]\n", "\x00")

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp_path = tmp_path

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return ini_files(forbidden_sections=("codeartifact", "distutils"))

    def read_back(self, text):
        repo = twine_reads(text, self.tmp_path)["codeartifact"]
        assert repo["username"] == "aws"
        return repo["repository"], repo["password"]


def test_users_repositories_are_still_configured(tmp_path):
    config = twine_reads(Writer().render(FOREIGN, CREDS), tmp_path)
    assert config["pypi"]["password"] == "pypi-AgEIcHlwaS5vcmc"
    assert config["internal"]["repository"] == "https://upload.internal.example/"
    assert config["codeartifact"]["password"] == TOKEN_1


def test_file_without_distutils_keeps_twines_implicit_servers(tmp_path):
    """The AWS CLI fails on such a file; twine assumes 'pypi testpypi' there, and so do we."""
    before = twine_reads("[pypi]\nusername = __token__\n", tmp_path)
    after = twine_reads(Writer().render("[pypi]\nusername = __token__\n", CREDS), tmp_path)
    assert set(after) == set(before) | {"codeartifact"}
    assert after["testpypi"] == before["testpypi"]


@pytest.mark.parametrize(
    "servers", ["index-servers = pypi", "index-servers =\n    pypi\n", "index-servers=pypi codeartifact"]
)
def test_our_name_is_listed_exactly_once(servers, tmp_path):
    text = Writer().render(f"[distutils]\n{servers}\n", CREDS)
    listed = text.split("[codeartifact]")[0]
    assert listed.split().count("codeartifact") == 1
    assert twine_reads(text, tmp_path)["codeartifact"]["password"] == TOKEN_1


def test_name_option_renames_the_section(tmp_path):
    text = Writer(name="ca-prod").render(None, CREDS)
    assert "[ca-prod]" in text and twine_reads(text, tmp_path)["ca-prod"]["password"] == TOKEN_1


@pytest.mark.parametrize("name", ["distutils", "server-login", "a b", "", "[x]", 5])
def test_name_option_validates(name):
    with pytest.raises(ValueError, match="expected a section name"):
        options.validate(Writer.Options, "name", name)
    with pytest.raises(ValueError, match="expected a section name"):
        Writer(name=name)  # the dataclass checks its fields too


def test_find_secrets_includes_users_own_passwords():
    assert set(Writer().find_secrets(Writer().render(FOREIGN, CREDS))) == {"pypi-AgEIcHlwaS5vcmc", TOKEN_1}
