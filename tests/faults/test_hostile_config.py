"""Broken and hostile configs: whatever the file holds, the answer is a Config or one clear line
naming the file (and the line when there is one), never a traceback. Property-based: hypothesis
writes random bytes, truncations, random structures and single wrong values."""

from __future__ import annotations

import contextlib
import grp
import io
import os
import pwd
import stat
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codeartifact_refresher import cli, config
from codeartifact_refresher.config import loader, yamlfile
from codeartifact_refresher.errors import ConfigError

HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

VALID = """\
defaults:
  region: us-east-1
  refresh_at: 0.7
workers: 8
health:
  port: 0
domains:
  - domain: acme
    owner: "111122223333"
    profile: build
    endpoint_url: http://127.0.0.1:9
    on_change: [/bin/true]
    targets:
      - writer: pip
        repository: pypi-store
        index: extra
      - writer: npm
        repository: npm-store
        scope: "@acme"
        mode: "0640"
      - writer: twine
        repository: pypi-store
        path: ~/.pypirc
        follow_symlinks: true
"""

KEYS = sorted({*loader.TOP_KEYS, *loader.DOMAIN_KEYS, *loader.COMMON_TARGET_KEYS, "index", "scope", "port", "address"})
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["~/x", "/a/../b", "0640", "pip", ""]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)


def assert_one_line_error(status: int, err: str, path: Path) -> None:
    """Our contract for a config we cannot read: exit 2 and one line that names the file. The
    reason after it comes from PyYAML or CPython for some inputs, and their wording is theirs."""
    assert status == 2
    assert err.startswith(f"ERROR {path}") and err.endswith("\n") and err.count("\n") == 1, err


def outcome(path: Path, text: bytes | str) -> tuple[int, str]:
    """Write ``text`` to ``path`` and run ``check`` on it: (exit status, stderr)."""
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(["check", "--config", str(path)])
    return status, err.getvalue()


def assert_clear(path: Path, status: int, err: str) -> None:
    assert status in (0, 2), err
    if status == 2:
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert err.startswith(f"ERROR {path}"), err


def test_the_valid_config_is_valid(tmp_path):
    assert outcome(tmp_path / "c.yaml", VALID) == (0, "")


@HYPOTHESIS
@given(data=st.binary(max_size=600))
def test_random_bytes(tmp_path, data):
    assert_clear(tmp_path / "c.yaml", *outcome(tmp_path / "c.yaml", data))


@HYPOTHESIS
@given(text=st.text(alphabet=st.sampled_from(list("domains:-[]{}&*!|>'\"#\n \t\r\\acme0.~%@?,")), max_size=300))
def test_yaml_punctuation_soup(tmp_path, text):
    assert_clear(tmp_path / "c.yaml", *outcome(tmp_path / "c.yaml", text))


@HYPOTHESIS
@given(cut=st.integers(min_value=0, max_value=len(VALID)))
def test_every_truncation_of_a_valid_config(tmp_path, cut):
    assert_clear(tmp_path / "c.yaml", *outcome(tmp_path / "c.yaml", VALID[:cut]))


@HYPOTHESIS
@given(tree=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6))
def test_random_structures_with_real_keys(tmp_path, tree):
    assert_clear(tmp_path / "c.yaml", *outcome(tmp_path / "c.yaml", yaml.safe_dump(tree)))


def _paths(node, prefix=()):
    """Every place in a loaded config where a value sits."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


PLACES = list(_paths(yaml.safe_load(VALID)))


@HYPOTHESIS
@given(place=st.sampled_from(PLACES), value=VALUES)
def test_one_wrong_value_anywhere(tmp_path, place, value):
    tree = yaml.safe_load(VALID)
    node = tree
    for key in place[:-1]:
        node = node[key]
    node[place[-1]] = value
    path = tmp_path / "c.yaml"
    status, err = outcome(path, yaml.safe_dump(tree))
    assert_clear(path, status, err)
    if status == 2:
        assert f"{path}:" in err and ": " in err  # and says where


def test_a_huge_config_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "c.yaml"
    status, err = outcome(path, "# padding\n" * 500_000)
    assert (status, err) == (2, f"ERROR {path}: is larger than 4 MiB; that is not a config file\n")


def test_deep_nesting_is_a_clear_error(tmp_path):
    path = tmp_path / "c.yaml"
    status, err = outcome(path, "domains: " + "[" * 5000 + "]" * 5000 + "\n")
    assert_one_line_error(status, err, path)


def test_huge_numbers_and_long_strings_are_refused_by_range(tmp_path):
    path = tmp_path / "c.yaml"
    status, err = outcome(path, VALID.replace("workers: 8", "workers: 1" + "0" * 400))
    assert (status, err) == (
        2,
        f"ERROR {path}:4: workers: expected a whole number from 1 to 256, got a number of over 30 digits\n",
    )
    status, err = outcome(path, VALID.replace("workers: 8", "workers: 1" + "0" * 5000))
    assert_one_line_error(status, err, path)
    status, err = outcome(path, VALID.replace("workers: 8", "workers: 1e400"))
    assert (status, err) == (2, f"ERROR {path}:4: workers: expected a whole number from 1 to 256, got '1e400'\n")
    status, err = outcome(path, VALID.replace("profile: build", "profile: 2024-13-45"))
    assert_one_line_error(status, err, path)
    status, err = outcome(path, VALID.replace("path: ~/.pypirc", "path: /" + "a" * 5000))
    assert (status, err) == (2, f"ERROR {path}:23: path: the path is 5001 characters long; at most 4096\n")


def test_a_directory_as_config(tmp_path, capsys):
    assert cli.main(["check", "--config", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"ERROR {tmp_path}: is a directory, not a config file\n"


def test_a_fifo_as_config_is_refused_without_hanging(tmp_path, capsys):
    """Opening a FIFO for reading waits for a writer: without O_NONBLOCK, check would hang."""
    os.mkfifo(tmp_path / "config.yaml")
    assert cli.main(["check", "--config", str(tmp_path / "config.yaml")]) == 2
    assert capsys.readouterr().err == f"ERROR {tmp_path / 'config.yaml'}: is a FIFO, not a config file\n"


def test_doctor_reads_a_fifo_in_place_of_a_users_file_without_hanging(tmp_path):
    from codeartifact_refresher.doctor.facts import read_path

    os.mkfifo(tmp_path / ".npmrc")
    found = read_path(tmp_path / ".npmrc")
    assert found.exists and found.text is None and found.error == "a FIFO, not a regular file"


# -- whose config is it? (stat-level; tests/faults/test_config_owners.py has real users) ----------

ROOT_DIR = os.stat_result((stat.S_IFDIR | 0o755, 0, 0, 0, 0, 0, 0, 0, 0, 0))
NOBODY = 65534  # uid and gid of nobody/nogroup: known to the system, no private group of anyone's


def stat_of(mode, uid=0, gid=0, kind=stat.S_IFREG):
    return os.stat_result((kind | mode, 0, 0, 0, uid, gid, 0, 0, 0, 0))


def name_of(uid):
    return pwd.getpwuid(uid).pw_name


def group_of(gid):
    return grp.getgrgid(gid).gr_name


@pytest.mark.parametrize(
    ("file", "parent", "problem", "fix"),
    [
        (stat_of(0o666), ROOT_DIR, "is writable by every user", "chmod o-w /etc/x/config.yaml"),
        # a group with members is judged by who is in it: test_config_owners and test_paths_other_users make one
        (stat_of(0o644, uid=NOBODY), ROOT_DIR, f"is owned by {name_of(NOBODY)}", "chown root: /etc/x/config.yaml"),
        (
            stat_of(0o644),
            stat_of(0o777, kind=stat.S_IFDIR),
            "its directory /etc/x is writable by every user",
            "chmod o-w /etc/x",
        ),
        (
            stat_of(0o644),
            stat_of(0o755, uid=NOBODY, kind=stat.S_IFDIR),
            f"its directory /etc/x is owned by {name_of(NOBODY)}",
            "chown root: /etc/x",
        ),
        (stat_of(0o644, uid=4242424), ROOT_DIR, "is owned by uid 4242424", "chown root: /etc/x/config.yaml"),
        (stat_of(0o664, gid=4242424), ROOT_DIR, "is writable by group gid 4242424", "chmod g-w /etc/x/config.yaml"),
    ],
)
def test_as_root_a_config_others_could_write_is_refused_like_ssh(file, parent, problem, fix):
    with pytest.raises(ConfigError) as e:
        yamlfile.check_owner(Path("/etc/x/config.yaml"), file, parent, euid=0)
    assert str(e.value) == (
        f"/etc/x/config.yaml: {problem}; running as root, the config must be writable by root alone ({fix})"
    )


@pytest.mark.parametrize(
    ("file", "parent", "problem", "fix"),
    [
        (stat_of(0o644, uid=0, gid=NOBODY), ROOT_DIR, None, None),  # root's, read-only for the group
        (stat_of(0o644, uid=NOBODY), ROOT_DIR, f"is owned by {name_of(NOBODY)}", "chown {me}: /etc/x/config.yaml"),
        (
            stat_of(0o664, uid=0, gid=NOBODY),
            ROOT_DIR,
            f"is writable by group {group_of(NOBODY)}",
            "chmod g-w /etc/x/config.yaml",
        ),
        (stat_of(0o600), stat_of(0o1777, kind=stat.S_IFDIR), None, None),  # /tmp: sticky
        (
            stat_of(0o600),
            stat_of(0o777, kind=stat.S_IFDIR),
            "its directory /etc/x is writable by every user",
            "chmod o-w /etc/x",
        ),
    ],
)
def test_as_an_ordinary_user_the_same_rule_holds_with_that_user_beside_root(file, parent, problem, fix):
    me = pwd.getpwnam("daemon").pw_uid  # a non-root user every Debian system has
    if problem is None:
        yamlfile.check_owner(Path("/etc/x/config.yaml"), file, parent, euid=me)
        return
    with pytest.raises(ConfigError) as e:
        yamlfile.check_owner(Path("/etc/x/config.yaml"), file, parent, euid=me)
    assert str(e.value) == (
        f"/etc/x/config.yaml: {problem}; running as daemon, the config must be writable by daemon or root alone "
        f"({fix.format(me='daemon')})"
    )


@pytest.mark.parametrize(
    ("file", "parent"),
    [
        (stat_of(0o644), ROOT_DIR),
        (stat_of(0o664, gid=0), ROOT_DIR),  # root's own group, as a umask of 002 makes it
        (stat_of(0o600), stat_of(0o1777, kind=stat.S_IFDIR)),  # a sticky directory such as /tmp
    ],
)
def test_as_root_a_config_only_root_can_write_is_accepted(file, parent):
    yamlfile.check_owner(Path("/etc/x/config.yaml"), file, parent, euid=0)


def test_on_a_read_only_file_system_the_mode_bits_are_not_held_against_it_but_the_owner_is():
    """A Kubernetes ConfigMap: a 0777 directory of root's, mounted read-only, so nobody can write it.
    A file another user owns is refused all the same: their own (FUSE) mount may say read-only
    while they change what it serves."""
    wide = stat_of(0o777, kind=stat.S_IFDIR)
    yamlfile.check_owner(Path("/etc/x/config.yaml"), stat_of(0o666), wide, euid=0, read_only=(True, True))
    with pytest.raises(ConfigError, match=r"/etc/x/config.yaml: is owned by nobody"):
        yamlfile.check_owner(
            Path("/etc/x/config.yaml"), stat_of(0o644, uid=NOBODY), wide, euid=0, read_only=(True, True)
        )
    theirs = stat_of(0o777, uid=NOBODY, gid=NOBODY, kind=stat.S_IFDIR)
    with pytest.raises(ConfigError, match="its directory /etc/x is owned by"):
        yamlfile.check_owner(Path("/etc/x/config.yaml"), stat_of(0o644), theirs, euid=0, read_only=(True, True))


def test_a_world_writable_config_file_on_disk(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(VALID)
    os.chmod(path, 0o666)
    with pytest.raises(ConfigError, match=f"is writable by every user; running as {name_of(os.geteuid())}"):
        config.load(path)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert cli.main(["check", "--config", str(path)]) == 2
    assert f"c.yaml: is writable by every user; running as {name_of(os.geteuid())}" in err.getvalue()
    os.chmod(path, 0o644)
    assert config.load(path).domains


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999",
        "http://[::1",
        "http://host:abc",
        "http://:80",
        "https://user:s3cret-pass@vpce.example.com/",
        "https://s3cret-token:@vpce.example.com/",
        "https://ghp_s3cret@vpce.example.com/",
        "user:s3cret@vpce.example.com:443",
    ],
)
@pytest.mark.parametrize("command", [["check"], ["refresh"], ["refresh", "--dry-run"], ["status"]])
def test_an_endpoint_url_botocore_cannot_use_or_that_holds_a_password_is_a_config_error(tmp_path, capsys, url, command):
    path = tmp_path / "c.yaml"
    path.write_text(
        f"domains:\n  - domain: acme\n    region: us-east-1\n    endpoint_url: '{url}'\n"
        "    targets: [{writer: pip, repository: store}]\n"
    )
    assert cli.main([*command, "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ERROR {path}:4: endpoint_url: ") and err.count("\n") == 1, err
    assert "s3cret" not in err


def alias_bomb(levels: int = 8) -> str:
    """A flow list of ``levels`` anchors, each nine aliases of the one before: 9**levels strings in
    a few hundred bytes (the value of one key, at any indentation: a flow collection)."""
    items = ['&a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    items += [f"&a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return f"[{', '.join(items)}]"


BOMBED = {  # a key whose value a message shows -> the config with the bomb there
    "mode": "domains:\n  - domain: acme\n    targets:\n      - {writer: pip, repository: store, mode: BOMB}\n",
    "index": "domains:\n  - domain: acme\n    targets:\n      - {writer: pip, repository: store, index: BOMB}\n",
    "duration": "domains:\n  - domain: acme\n    duration: BOMB\n    targets: [{writer: pip, repository: store}]\n",
    "owner": "domains:\n  - domain: acme\n    owner: BOMB\n    targets: [{writer: pip, repository: store}]\n",
    "workers": "workers: BOMB\ndomains:\n  - domain: acme\n    targets: [{writer: pip, repository: store}]\n",
    "key": "domains:\n  - domain: acme\n    ? BOMB\n    : 1\n    targets: [{writer: pip, repository: store}]\n",
}


@pytest.mark.timing
@pytest.mark.parametrize("where", sorted(BOMBED))
def test_an_alias_bomb_is_refused_at_once_wherever_it_is(tmp_path, where):
    path = tmp_path / "c.yaml"
    path.write_text(BOMBED[where].replace("BOMB", alias_bomb()))
    assert path.stat().st_size < 800
    started = time.monotonic()
    with pytest.raises(ConfigError) as e:
        config.load(path)
    assert time.monotonic() - started < 1.0  # it took 5 s (and GBs) with 8 levels, 40 s with 9
    assert len(str(e.value)) < 400 and "\n" not in str(e.value)


@pytest.mark.timing
def test_a_reload_of_an_alias_bomb_is_refused_without_stalling_the_daemon(tmp_path, standin, clock, caplog):
    from codeartifact_refresher.service.daemon import Daemon
    from codeartifact_refresher.state import State
    from codeartifact_refresher.writers.registry import Registry

    from ..conftest import ALL_TARGETS, write_config

    path = write_config(tmp_path / "config.yaml", standin, ALL_TARGETS)
    registry = Registry()
    daemon = Daemon(
        config.load(path, registry),
        State(tmp_path / "state.json"),
        registry,
        loader=lambda: config.load(path, registry),
    )
    before = dict(daemon.domains)
    path.write_text(path.read_text().replace("pypi-store\n", f"pypi-store\n        mode: {alias_bomb()}\n", 1))
    started = time.monotonic()
    daemon.reload()
    assert time.monotonic() - started < 1.0
    assert "reload refused, still running the previous config" in caplog.text
    assert daemon.domains == before


@pytest.mark.parametrize(("written", "advice"), [("644", "write 0644 or quote it"), ("600", "write 0600 or quote it")])
def test_a_mode_written_without_its_leading_zero_gets_the_fix_spelled_out(tmp_path, written, advice):
    path = tmp_path / "c.yaml"
    path.write_text(
        f"domains:\n  - domain: acme\n    targets:\n      - {{writer: pip, repository: store, mode: {written}}}\n"
    )
    with pytest.raises(ConfigError, match=f"mode: .*got {written}, a decimal number in YAML; {advice}"):
        config.load(path)
    path.write_text(path.read_text().replace(f"mode: {written}", f'mode: "0{written}"'))
    assert config.load(path).domains[0].targets[0].mode == int(written, 8)  # the advice works


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("domains:\n  - domain: acme\n    targets:\n      - writer: pip\n       repository: x\n", 5),
        ("domains:\n  - domain: acme\n    targets:\n      - writer: pip\n          repository: x\n", 5),
        ("domains:\n  - domain: acme\n    targets:\n    - writer: pip\n     repository: x\n", 5),
        ("domains:\n - domain: acme\n  targets: []\n", 3),
    ],
    ids=["key left of its item", "key right of its item", "list item key", "domain key"],
)
def test_an_indentation_mistake_says_what_to_fix_and_where(tmp_path, text, line):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        config.load(path)
    assert e.value.line == line
    assert f"check the indentation of line {line}" in str(e.value) and "\n" not in str(e.value)
