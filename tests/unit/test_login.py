"""``login``: the AWS CLI's flags as a one-domain config, and ``--keep-fresh``'s edit of the user's
config (login.py, config/edit.py)."""

import pytest
import yaml

from codeartifact_refresher import cli, config, login
from codeartifact_refresher.config import edit
from codeartifact_refresher.errors import ConfigError
from codeartifact_refresher.writers.registry import Registry

OWNER = "111122223333"


def request(**kw) -> login.Request:
    values = {"tool": "pip", "domain": "acme", "repository": "pypi-store", "owner": OWNER, "region": "us-east-1"}
    return login.Request(**{**values, **kw})


@pytest.mark.parametrize(
    ("tool", "namespace", "scope"), [("npm", "acme", "@acme"), ("pnpm", "@acme", "@acme"), ("swift", "acme", "acme")]
)
def test_namespace_is_the_writers_scope_with_the_at_npm_needs(tool, namespace, scope):
    cfg = login.as_config(request(tool=tool, repository="r1", namespace=namespace), Registry())
    assert dict(cfg.domains[0].targets[0].options)["scope"] == scope


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"owner": "1111"}, "--domain-owner: '1111' is not valid: expected a 12-digit AWS account ID"),
        ({"domain": "Acme!"}, "--domain: 'Acme!' is not valid"),
        ({"duration": 60}, "--duration-seconds: expected 0 (as long as the AWS session) or 900..43200 seconds, got 60"),
        ({"tool": "pipp"}, "--tool: unknown writer 'pipp'"),
        ({"tool": "pip", "namespace": "acme"}, "--namespace is not supported for pip (as in the AWS CLI)"),
        ({"tool": "env"}, "the env target needs --path"),
        ({"endpoint_url": "http://user:pw@127.0.0.1"}, "--endpoint-url: holds a user name or password"),
    ],
)
def test_a_flags_mistake_is_reported_by_its_flag(kw, message):
    with pytest.raises(ConfigError) as raised:
        login.as_config(request(**kw), Registry())
    assert str(raised.value).startswith(message), str(raised.value)
    assert "the command line" not in str(raised.value)


def test_the_cli_exits_2_with_one_line_naming_the_flag(capsys):
    assert cli.main(["login", "--tool", "pip", "--domain", "acme", "--domain-owner", "12", "--repository", "r1"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "ERROR --domain-owner: '12' is not valid: expected a 12-digit AWS account ID, quoted (\"011122223333\")"
    ]


def test_effective_writes_down_what_the_shell_chose():
    chosen = login.effective(
        request(region=None), "eu-west-1", {"AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_CODEARTIFACT": "http://127.0.0.1:9"}
    )
    assert (chosen.region, chosen.profile, chosen.endpoint_url) == ("eu-west-1", "dev", "http://127.0.0.1:9")
    assert login.effective(request(profile="p"), "eu-west-1", {"AWS_PROFILE": "dev"}).profile == "p"


USER_CONFIG = """\
# mine: keep this comment
defaults:
  region: us-east-1   # and this one
domains:
  - domain: acme
    owner: "111122223333"
    targets:
      - writer: npm
        repository: npm-store

  - domain: other
    targets: [{writer: twine, repository: r1, name: other}]
# the end
"""


def keep(config_path, **kw) -> str:
    return login.keep_fresh(config_path, request(**kw), Registry(), {"HOME": str(config_path.parent)})


def loaded(path):
    return config.load(path, environ={"HOME": str(path.parent)})


def test_keep_fresh_creates_a_config_that_loads(tmp_path):
    path = tmp_path / "cfg" / "config.yaml"
    assert keep(path) == "created"
    (domain,) = loaded(path).domains
    assert (domain.domain, domain.owner, domain.region, domain.targets[0].writer) == ("acme", OWNER, "us-east-1", "pip")
    assert path.read_text().startswith("# codeartifact-refresher config")
    assert keep(path) == "already"


def test_keep_fresh_joins_the_entry_whose_settings_match_with_defaults_applied_keeping_every_byte(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(USER_CONFIG)
    assert keep(path, region=None) == "added"  # no --region: the defaults' region, so acme's entry
    text = path.read_text()
    old_lines = USER_CONFIG.splitlines()
    assert [line for line in text.splitlines() if line in old_lines] == old_lines  # nothing lost, order kept
    (acme, other) = loaded(path).domains
    assert [t.writer for t in acme.targets] == ["npm", "pip"] and len(other.targets) == 1
    assert keep(path) == "already" and path.read_text() == text


def test_keep_fresh_adds_an_entry_for_other_settings_and_joins_a_flow_list(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(USER_CONFIG)
    assert keep(path, profile="dev") == "added"
    assert [d.profile for d in loaded(path).domains] == [None, None, "dev"]
    path.write_text(USER_CONFIG)
    assert keep(path, domain="other", owner=None, tool="pip", repository="r1") == "added"
    assert "targets: [{writer: twine, repository: r1, name: other}, {writer: pip, repository: r1}]" in path.read_text()


def test_keep_fresh_refuses_a_target_the_config_would_refuse_and_leaves_the_file(tmp_path):
    """A second pip target owning [global] index-url in the same file: check refuses it, so the
    config is left as it was and the error says why."""
    path = tmp_path / "config.yaml"
    path.write_text(
        USER_CONFIG.replace(
            "writer: npm\n        repository: npm-store", "writer: pip\n        repository: other-store"
        )
    )
    before = path.read_text()
    with pytest.raises(ConfigError, match=r"would both write \[global\] index-url"):
        keep(path)
    assert path.read_text() == before


@pytest.mark.parametrize(
    "text",
    [
        "domains:\n-   domain: acme\n    owner: '111122223333'\n    targets:\n    -   writer: npm\n        repository: r1\n"
    ],
)
def test_a_file_that_indents_its_own_way_keeps_its_way(text, tmp_path):
    new = edit.add_target(text, 0, {"domain": "acme"}, {"writer": "pip", "repository": "pypi-store"})
    assert new.startswith(text) and new.endswith("    -   writer: pip\n        repository: pypi-store\n")
    assert yaml.safe_load(new)["domains"][0]["targets"][1] == {"writer": "pip", "repository": "pypi-store"}


def test_a_value_with_a_literal_interpolation_is_written_so_it_reads_back(tmp_path):
    path = tmp_path / "config.yaml"
    keep(path, tool="env", repository="pypi-store", path=str(tmp_path / "a${b}.env"))
    assert loaded(path).domains[0].targets[0].path == tmp_path / "a${b}.env"


def test_a_config_without_a_domains_list_is_refused_without_a_change(tmp_path):
    with pytest.raises(ConfigError, match="it has no 'domains:' list"):
        edit.add_target("workers: 3\n", None, {"domain": "acme"}, {"writer": "pip", "repository": "r1"})


def test_keep_fresh_says_when_the_shells_credentials_are_variables_the_agent_will_not_have(
    standin, home, capsys, monkeypatch
):
    """A laptop with exported keys (or `aws-vault exec`): login works, the agent would get no credentials."""
    from codeartifact_refresher import cli

    def login(tool: str, repository: str) -> int:
        flags = ["--tool", tool, "--domain", "acme", "--domain-owner", standin.account, "--repository", repository]
        return cli.main(["login", *flags, "--endpoint-url", standin.url, "--region", "us-east-1", "--keep-fresh"])

    assert login("pip", "pypi-store") == 0
    out = capsys.readouterr().out
    assert "Note: this shell's AWS credentials are environment variables (AWS_ACCESS_KEY_ID...)" in out
    assert "log in with --profile PROFILE" in out

    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = AKIDTEST\naws_secret_access_key = x\n")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert login("npm", "npm-store") == 0
    out = capsys.readouterr().out
    assert "Added the target to" in out and "environment variables" not in out, "a file the agent reads too"


def test_login_quiets_refreshs_lines_only_while_it_runs(standin):
    """login prints what it wrote itself, so refresh's per-target lines are held back while it runs;
    afterwards the logger is as it was (a later refresh in the same process logged no info or debug)."""
    import logging

    before = logging.getLogger("codeartifact_refresher.refresh").level
    argv = ["login", "--tool", "pip", "--domain", "acme", "--domain-owner", standin.account]
    assert cli.main([*argv, "--repository", "pypi-store", "--endpoint-url", standin.url, "--region", "us-east-1"]) == 0
    assert logging.getLogger("codeartifact_refresher.refresh").level == before
