import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import strategies as st

from codeartifact_refresher import config
from codeartifact_refresher.aws.endpoints import endpoint_account_and_region
from codeartifact_refresher.errors import ConfigError, TargetError
from codeartifact_refresher.outputs import files
from codeartifact_refresher.testing.writer_contract import ENDPOINT_SHAPES, HOST, TOKEN_1, WholeFileWriterContract
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.template import NAMES, Writer, read_template

TEMPLATE = """\
# rendered by codeartifact-refresher; edit the template, not this file
url={{ endpoint }}
token={{token}}
"""


class TestTemplate(WholeFileWriterContract):
    foreign = "url=https://old.example/\ntoken=old\n"

    @pytest.fixture(autouse=True)
    def _template(self, tmp_path):
        self.template = tmp_path / "t.tmpl"
        self.template.write_text(TEMPLATE)

    def make_writer(self):
        return Writer(template=str(self.template), format="pypi")

    def foreign_texts(self):
        return st.text(max_size=80)

    def read_back(self, text):
        values = dict(line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))
        return values["url"], values["token"]


CREDS = Credentials(
    f"https://{HOST}/npm/store/",
    TOKEN_1,
    "store",
    datetime(2026, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))),
    domain="acme",
    owner="111122223333",
    region="us-east-1",
)


def render(tmp_path, text: str, creds=CREDS) -> str:
    (tmp_path / "t").write_text(text)
    return Writer(template=str(tmp_path / "t"), format="npm").render(None, creds)


def test_every_placeholder(tmp_path):
    text = " ".join(f"{{{{ {name} }}}}" for name in NAMES)
    assert render(tmp_path, text).split(" ") == [
        TOKEN_1,
        f"https://{HOST}/npm/store/",
        "2026-01-02T03:04:05Z",
        "acme",
        "111122223333",
        "store",
        HOST,
        "us-east-1",
    ]


def test_nothing_but_placeholders_is_touched(tmp_path):
    text = "${HOME} $token {token} {{ token | upper }} {{ a.b }} {% if x %} `id` {{ token }}\n"
    assert render(tmp_path, text) == text.replace("{{ token }}", TOKEN_1)


def test_an_unknown_placeholder_is_named_with_its_line(tmp_path):
    with pytest.raises(TargetError) as e:
        render(tmp_path, "ok {{ token }}\n\nurl={{ endpiont }}\n")
    assert str(e.value) == (
        f"template {tmp_path / 't'}:3: unknown placeholder {{{{ endpiont }}}}; expected one of: " + ", ".join(NAMES)
    )


def test_a_missing_template_is_one_line(tmp_path):
    with pytest.raises(TargetError, match=r"^template .*/nope: no such file$"):
        Writer(template=str(tmp_path / "nope"), format="pypi").render(None, CREDS)


def test_a_template_that_is_not_utf8_names_the_line(tmp_path):
    (tmp_path / "t").write_bytes(b"a\nb\xff\n")
    with pytest.raises(TargetError, match=r"t:2: not UTF-8 text"):
        read_template(tmp_path / "t")


def test_a_fifo_or_a_device_as_template_is_refused_without_hanging(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: someone who planted one at the
    template's path (in /tmp, say) would hang root's refresh for ever."""
    os.mkfifo(tmp_path / "t")
    with pytest.raises(TargetError, match=r"^template .*/t: is a FIFO, not a regular file$"):
        Writer(template=str(tmp_path / "t"), format="pypi").render(None, CREDS)
    with pytest.raises(TargetError, match=r"^template /dev/zero: /dev/zero is writable by every user"):
        read_template(Path("/dev/zero"))  # refused before it is opened, as any path others can change
    (tmp_path / "link").symlink_to(tmp_path / "t")
    with pytest.raises(TargetError, match=r"is a FIFO, not a regular file$"):
        read_template(tmp_path / "link")


def test_run_as_root_a_template_another_user_could_write_is_refused(tmp_path, shared):
    """Otherwise another user could make root copy a file only root can read into the output."""
    if os.geteuid() == 0:  # a link of nobody's in a directory root owns, to a file only root reads
        link = shared / "t"
        link.symlink_to("/etc/shadow")
        os.lchown(link, 65534, 65534)
        with pytest.raises(
            TargetError, match=rf"^template {link}: {link} is a symlink owned by nobody; running as root"
        ):
            read_template(link, euid=0)
    mine = tmp_path / "mine"
    mine.write_text("x")
    os.chmod(mine, 0o666)
    with pytest.raises(TargetError, match=rf"^template {mine}: {mine} is writable by every user; running as root"):
        read_template(mine, euid=0)
    os.chmod(mine, 0o644)
    if os.geteuid() == 0:
        assert read_template(mine, euid=0) == "x"
    assert read_template(mine, euid=1000) == "x"  # not root: the user's own choice


def test_run_as_root_a_root_link_to_another_users_template_is_refused(tmp_path, shared):
    """The link is root's, in root's directory; the file it names is another user's, who could
    make root write ``//their.host/:_authToken={{ token }}`` into root's .npmrc."""
    theirs = shared / "theirs"
    theirs.mkdir()
    (theirs / "t").write_text("//their.example/:_authToken={{ token }}\n")
    link = tmp_path / "link"
    link.symlink_to(theirs / "t")
    if os.geteuid() == 0:
        os.chown(theirs / "t", 65534, 65534)
        with pytest.raises(TargetError, match=rf"^template {link}: {theirs / 't'} is owned by nobody; running as root"):
            read_template(link, euid=0)
        os.chown(theirs / "t", 0, 0)
    os.chmod(theirs, 0o777)  # root's file, in a directory anyone may write: the file can be replaced
    with pytest.raises(TargetError, match=rf"^template {link}: {theirs} is writable by every user; running as root"):
        read_template(link, euid=0)
    os.chmod(theirs, 0o755)
    if os.geteuid() == 0:
        assert read_template(link, euid=0).startswith("//their.example/")


def _load(tmp_path, target: dict):
    path = tmp_path / "c.yaml"
    path.write_text(json.dumps({"domains": [{"domain": "acme", "targets": [target]}]}, indent=1))
    return config.load(path)


def test_config_asks_for_the_template_format_and_path_in_one_line(tmp_path):
    base = {"writer": "template", "repository": "store"}
    with pytest.raises(ConfigError, match=r"c.yaml:6: the template target needs 'template:' \(template only"):
        _load(tmp_path, base)
    with pytest.raises(ConfigError, match=r"c.yaml:6: the template target needs 'format:'"):
        _load(tmp_path, {**base, "template": "~/t.tmpl"})
    with pytest.raises(ConfigError, match=r"c.yaml:6: the template target needs 'path:'"):
        _load(tmp_path, {**base, "template": "~/t.tmpl", "format": "npm"})
    with pytest.raises(ConfigError, match=r"c.yaml:\d+: template: expected the template's path"):
        _load(tmp_path, {**base, "template": "t.tmpl", "format": "npm", "path": "/x"})
    target = _load(tmp_path, {**base, "template": "~/t.tmpl", "format": "npm", "path": "/x"}).domains[0].targets[0]
    assert dict(target.options) == {"template": "~/t.tmpl", "format": "npm"}


def test_find_secrets_finds_an_old_token_where_the_template_puts_it(tmp_path):
    (tmp_path / "t").write_text("a={{ endpoint }}\nb=x{{ token }}y {{ region }}\n")
    writer = Writer(template=str(tmp_path / "t"), format="npm")
    assert writer.find_secrets("a=https://h/\nb=xOLD-TOKENy us-east-1\n") == ["OLD-TOKEN"]
    assert writer.find_secrets("a=https://h/\nb=changed by hand\n") == ["b=changed by hand"]
    assert writer.find_secrets("one line only\n") == ["one line only"]


@pytest.mark.parametrize("shape", ENDPOINT_SHAPES.values())
def test_owner_and_region_are_read_from_every_endpoint_shape_when_the_config_has_none(shape):
    assert endpoint_account_and_region(shape.format(fmt="npm"), "acme") == ("111122223333", "us-east-1")
    assert endpoint_account_and_region("http://127.0.0.1:9/acme-111122223333/npm/store/", "acme") == ("", "")


def test_a_template_whose_path_another_user_could_change_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    """Opening some devices does something: a path that is not trusted is refused unopened."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # anyone may swap what is in it (not sticky)
    (shared / "t").write_text("token = {{token}}\n")
    opened: list[Path] = []
    real = files.open_regular

    def open_regular(path: Path, follow: bool = False) -> BinaryIO:
        opened.append(path)
        return real(path, follow)

    monkeypatch.setattr(files, "open_regular", open_regular)
    with pytest.raises(TargetError, match=r"^template .*shared"):
        read_template(shared / "t")
    assert opened == []
