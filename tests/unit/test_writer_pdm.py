import sys

import pytest

from codeartifact_refresher.platform import paths
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2
from codeartifact_refresher.writers import options
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.pdm import SETTINGS, Writer

from ..strategies import NAME
from .test_writer_poetry import TomlContract, toml_files

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FOREIGN = """\
# pdm, by hand
[python]
use_venv = true  # always

[pypi]
verify_ssl = true
json_api = false

[pypi.internal]
url = "https://pypi.internal.example/simple"
username = "me"
password = "their-secret"
verify_ssl = false
"""


def pdm_reads(text: str) -> dict:
    """pdm's ``project/config.py`` ``load_config``: the ``pypi`` table flattened one level
    (``pypi.url``, ``pypi.NAME``), deeper tables fully (``python.use_venv``)."""

    def flat(data: dict) -> dict:
        result: dict = {}
        for k, v in data.items():
            if k in ("pypi", "repository"):
                result.update((f"{k}.{sub}", sub_v) for sub, sub_v in v.items())
            elif isinstance(v, dict):
                result.update((f"{k}.{sub}", sub_v) for sub, sub_v in flat(v).items())
            else:
                result[k] = v
        return result

    return flat(tomllib.loads(text))


def sources(text: str) -> dict:
    """``Config.iter_sources``: every ``pypi.NAME`` that is not one of pdm's settings."""
    return {k[5:]: v for k, v in pdm_reads(text).items() if k.startswith("pypi.") and k[5:] not in SETTINGS and v}


def pdm_files():
    pypi_keys = NAME.filter(lambda k: k not in ("url", "username", "password"))
    sources = NAME.map(lambda n: f"pypi.{n}").filter(lambda n: n != "pypi.codeartifact")
    return toml_files(NAME | sources | NAME.map(lambda _: "pypi"), pypi_keys)


def split(url: str, entry: dict) -> tuple[str, str]:
    """(endpoint, token) from a source: ``url`` is the endpoint's ``simple/`` index."""
    assert url.endswith("/simple/") and entry["username"] == "aws", entry
    return url.removesuffix("simple/"), entry["password"]


class TestNamedSource(TomlContract):
    foreign = FOREIGN
    corrupt = ("[pypi]\nurl = 1\nurl = 2\n", "[pypi\n", "\x00\x01")

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return pdm_files()

    def read_back(self, text):
        entry = sources(text)["codeartifact"]
        return split(entry["url"], entry)


class TestDefaultIndex(TomlContract):
    foreign = FOREIGN
    corrupt = TestNamedSource.corrupt

    def make_writer(self):
        return Writer(index="primary")

    def foreign_texts(self):
        return pdm_files()

    def read_back(self, text):
        read = pdm_reads(text)
        return split(read["pypi.url"], {"username": read["pypi.username"], "password": read["pypi.password"]})


CREDS = Credentials(f"https://{HOST}/pypi/store/", TOKEN_1)


def test_a_named_source_keeps_the_default_index_and_other_sources():
    current = FOREIGN.replace("verify_ssl = true\n", 'verify_ssl = true\nurl = "https://mirror.example/simple"\n', 1)
    text = Writer().render(current, CREDS)
    assert text.startswith(current)
    assert pdm_reads(text)["pypi.url"] == "https://mirror.example/simple"
    assert set(sources(text)) == {"internal", "codeartifact"}


def test_the_default_index_keeps_the_tables_other_settings_and_sources():
    text = Writer(index="primary").render(FOREIGN, CREDS)
    read = pdm_reads(text)
    assert read["pypi.verify_ssl"] is True and read["pypi.url"] == f"https://{HOST}/pypi/store/simple/"
    assert set(sources(text)) == {"internal"} and "[pypi.codeartifact]" not in text


def test_sources_of_two_repositories_and_two_domains_keep_each_other():
    other = Credentials("https://other-444455556666.codeartifact.eu-west-1.on.aws/pypi/r/", TOKEN_2)
    text = Writer(name="other").render(Writer(name="acme").render(None, CREDS), other)
    text = Writer(index="primary").render(text, other)
    found = sources(text)
    assert split(found["acme"]["url"], found["acme"]) == (CREDS.endpoint, TOKEN_1)
    assert split(found["other"]["url"], found["other"]) == (other.endpoint, TOKEN_2)
    assert pdm_reads(text)["pypi.password"] == TOKEN_2


def test_a_source_spelled_with_dotted_keys_is_updated_where_it_is():
    current = 'pypi.codeartifact.url = "https://old.example/simple/"\npypi.codeartifact.password = "old"\n'
    text = Writer().render(current, CREDS)
    lines = text.splitlines()
    assert lines[0] == f'pypi.codeartifact.url = "https://{HOST}/pypi/store/simple/"' and "[" not in text
    assert f'pypi.codeartifact.password = "{TOKEN_1}"' in lines and 'pypi.codeartifact.username = "aws"' in lines
    assert split(sources(text)["codeartifact"]["url"], sources(text)["codeartifact"]) == (CREDS.endpoint, TOKEN_1)


def test_find_secrets_covers_every_password_and_url_userinfo():
    current = FOREIGN + '[repository.pypi]\npassword = "upload-secret"\n[pypi.x]\nurl = "https://u:in-url@h/simple"\n'
    found = set(Writer().find_secrets(Writer().render(current, CREDS)))
    assert {TOKEN_1, "their-secret", "upload-secret", "in-url"} <= found


@pytest.mark.parametrize("name", [*SETTINGS, "a.b", "", "-x", "a b"])
def test_name_option_refuses_pdms_own_settings_and_odd_names(name):
    with pytest.raises(ValueError, match="expected a pdm source name"):
        options.validate(Writer.Options, "name", name)


def test_claims_follow_the_index_option():
    assert [c.entry for c in Writer().claims()] == ["[pypi.codeartifact] url, username, password"]
    assert [c.entry for c in Writer(index="primary").claims()] == ["[pypi] url, username, password"]


def test_default_path_follows_pdms_rules(home, monkeypatch, tmp_path):
    assert Writer().default_path() == home / ".config" / "pdm" / "config.toml"
    monkeypatch.setattr(paths, "is_macos", lambda: True)
    assert Writer().default_path() == home / "Library" / "Application Support" / "pdm" / "config.toml"
    monkeypatch.setenv("PDM_CONFIG_FILE", str(tmp_path / "pdm.toml"))
    assert Writer().default_path() == tmp_path / "pdm.toml"
