import json

import pytest
from hypothesis import strategies as st

from codeartifact_refresher import config
from codeartifact_refresher.errors import ConfigError
from codeartifact_refresher.testing.writer_contract import TOKEN_1, WholeFileWriterContract
from codeartifact_refresher.writers.token import FORMATS, Writer


class TestToken(WholeFileWriterContract):
    foreign = "an-old-token-from-yesterday"

    def make_writer(self):
        return Writer()

    def foreign_texts(self):
        return st.text(max_size=80)

    def read_back(self, text):
        """What ``$(cat FILE)`` gives: the token; a token file holds no endpoint."""
        return "", text

    def expected(self, token=TOKEN_1):
        return "", token


def test_the_file_is_the_token_alone_without_a_newline():
    assert TestToken().render(Writer(), "old\n", TestToken().creds()) == TOKEN_1


def test_format_chooses_the_endpoint_looked_up():
    assert Writer().repository_format() == "generic"
    assert Writer(format="npm").repository_format() == "npm"
    with pytest.raises(ValueError, match="expected one of"):
        Writer(format="pip")
    assert set(FORMATS) == {"pypi", "npm", "maven", "nuget", "generic", "ruby", "swift", "cargo"}


def test_default_path_is_in_the_state_dir_beside_the_state_file(home):
    assert Writer().default_path({"HOME": str(home)}) == home / ".local/state/codeartifact-refresher/token"
    assert Writer().default_path({"HOME": str(home), "XDG_STATE_HOME": "/s"}).as_posix() == (
        "/s/codeartifact-refresher/token"
    )


def _parse(tmp_path, targets: list):
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps({"domains": [{"domain": "acme", "targets": targets}]}))
    return config.load(path)


def test_two_token_targets_on_the_default_path_are_refused_asking_for_a_path(tmp_path):
    targets = [{"writer": "token", "repository": "a-repo"}, {"writer": "token", "repository": "b-repo"}]
    with pytest.raises(ConfigError, match="would both write the whole file"):
        _parse(tmp_path, targets)
    targets[1]["path"] = "/tmp/b-token"
    assert [t.path.name for t in _parse(tmp_path, targets).domains[0].targets] == ["token", "b-token"]
