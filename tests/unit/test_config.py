import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from codeartifact_refresher import config
from codeartifact_refresher.config import locations
from codeartifact_refresher.errors import ConfigError
from codeartifact_refresher.writers.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
BAD = sorted((ROOT / "tests" / "fixtures" / "bad-config").glob("*.yaml"))
EXAMPLES = sorted((ROOT / "configs").glob("*.yaml"))


def expected_error(path: Path) -> str:
    """The fixture's first line, ``# error: LINE: MESSAGE``; ``{writers}`` in the message stands
    for the installed writers' names, comma-separated, so that a new writer changes no fixture."""
    first = path.read_bytes().splitlines()[0].decode()
    line, message = re.match(r"# error: (\d+): (.*)$", first).groups()
    return f"{path}:{line}: {message.replace('{writers}', ', '.join(Registry().names()))}"


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_each_bad_config_gives_its_one_line_error(path):
    with pytest.raises(ConfigError) as e:
        config.load(path)
    assert str(e.value) == expected_error(path)
    assert "\n" not in str(e.value)


def test_there_is_one_fixture_per_message():
    messages = [expected_error(p).split(": ", 1)[1] for p in BAD]
    assert len(BAD) >= 30 and len(set(messages)) == len(messages)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_shipped_examples_are_valid(path):
    cfg = config.load(path)
    assert cfg.domains and all(d.targets for d in cfg.domains)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_shipped_examples_match_the_json_schema(path):
    schema = json.loads((ROOT / "configs" / "schema.json").read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_schema_refuses_what_check_refuses():
    schema = json.loads((ROOT / "configs" / "schema.json").read_text())
    for name in (
        "unknown-domain-key",
        "duration-range",
        "bad-scope",
        "no-domains",
        "dotdot-path",
        "control-character",
        "endpoint-userinfo",
    ):
        data = yaml.safe_load((ROOT / "tests" / "fixtures" / "bad-config" / f"{name}.yaml").read_text())
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(data, schema)


def load_text(tmp_path, text: str, **kw):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return config.load(path, **kw)


def test_defaults_apply_and_domains_override(tmp_path, home):
    cfg = load_text(
        tmp_path,
        """\
defaults: {region: eu-west-1, duration: 900, profile: build}
domains:
  - domain: acme
    targets: [{writer: pip, repository: store}]
  - domain: other
    region: us-east-2
    owner: 111122223333
    targets: [{writer: npm, repository: store, path: ~/custom/.npmrc}]
""",
    )
    acme, other = cfg.domains
    assert (acme.region, acme.duration, acme.profile, acme.owner) == ("eu-west-1", 900, "build", None)
    assert (other.region, other.owner) == ("us-east-2", "111122223333")
    assert acme.targets[0].path == home / ".config" / "pip" / "pip.conf"
    assert other.targets[0].path == home / "custom" / ".npmrc"
    assert acme.targets[0].mode == 0o600 and acme.targets[0].follow_symlinks is False


def test_duration_defaults_to_twelve_hours_and_accepts_zero(tmp_path):
    cfg = load_text(
        tmp_path,
        "domains:\n  - {domain: acme, targets: [{writer: pip, repository: store}]}\n"
        "  - {domain: zero, duration: 0, targets: [{writer: npm, repository: store}]}\n",
    )
    assert [d.duration for d in cfg.domains] == [43200, 0]


def test_mode_accepts_octal_string_and_yaml_octal(tmp_path):
    cfg = load_text(
        tmp_path,
        "domains:\n  - domain: acme\n    targets:\n"
        "      - {writer: pip, repository: store, mode: '0640'}\n"
        "      - {writer: npm, repository: store, mode: 0400}\n",
    )
    assert [t.mode for t in cfg.domains[0].targets] == [0o640, 0o400]


def test_writer_options_reach_the_target(tmp_path):
    cfg = load_text(
        tmp_path,
        "domains:\n  - domain: acme\n    targets:\n"
        "      - {writer: npm, repository: store, scope: '@acme'}\n"
        "      - {writer: twine, repository: store, name: prod}\n",
    )
    assert [t.options for t in cfg.domains[0].targets] == [(("scope", "@acme"),), (("name", "prod"),)]


def test_default_location_order(home, monkeypatch, tmp_path):
    monkeypatch.setattr(locations, "SYSTEM_PATH", tmp_path / "etc" / "config.yaml")
    user = home / ".config" / "codeartifact-refresher" / "config.yaml"
    assert locations.default_path() == user  # nothing exists: the user file is the one to create
    locations.SYSTEM_PATH.parent.mkdir()
    locations.SYSTEM_PATH.write_text("")
    assert locations.default_path() == locations.SYSTEM_PATH
    user.parent.mkdir(parents=True)
    user.write_text("")
    assert locations.default_path() == user
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_CONFIG", str(tmp_path / "env.yaml"))
    assert locations.default_path() == tmp_path / "env.yaml"


def test_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: no such file \(set --config"):
        config.load(tmp_path / "nope.yaml")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbfdomains:\n  - {domain: acme, targets: [{writer: pip, repository: store}]}\n")
    assert config.load(path).domains[0].domain == "acme"


def test_targets_sharing_a_file_without_sharing_an_entry_are_fine(tmp_path):
    cfg = load_text(
        tmp_path,
        """\
domains:
  - domain: acme
    targets:
      - {writer: pip, repository: ra, path: /tmp/p.conf}
      - {writer: pip, repository: rb, path: /tmp/p.conf, index: extra}
      - {writer: pip, repository: rc, path: /tmp/p.conf, index: extra}
      - {writer: npm, repository: ra, path: /tmp/npmrc}
      - {writer: npm, repository: rb, path: /tmp/npmrc, scope: "@b"}
      - {writer: twine, repository: ra, path: /tmp/pypirc}
      - {writer: twine, repository: rb, path: /tmp/pypirc, name: other}
""",
    )
    assert len(cfg.domains[0].targets) == 7


def test_the_package_ships_the_same_example_configs_and_schema_as_configs():
    """``configs/`` is the one source; the package carries copies (``codeartifact_refresher/examples``)
    so that an installed program, and a user with only the wheel, can find them. A copy that drifts
    fails here."""
    from importlib import resources

    shipped = resources.files("codeartifact_refresher") / "examples"
    sources = sorted(p.name for p in (ROOT / "configs").iterdir() if p.is_file())
    assert "schema.json" in sources and "laptop.yaml" in sources
    packaged = sorted(p.name for p in shipped.iterdir() if p.is_file())
    assert packaged == sources
    for name in sources:
        assert (shipped / name).read_bytes() == (ROOT / "configs" / name).read_bytes(), f"{name} differs from configs/"


def test_a_home_this_user_cannot_search_is_a_config_error_not_a_crash(tmp_path, monkeypatch):
    """`config.default_path()` stat'ed the user config through a home it could not enter, and every
    command exited 70 (found by the doctor work)."""
    from codeartifact_refresher.errors import ConfigError

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "exists", denied)
    path = locations.default_path({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / ".config")})
    assert path == tmp_path / ".config" / "codeartifact-refresher" / "config.yaml"
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="no such file"):
        config.load(path)
