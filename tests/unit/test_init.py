"""init: a config from the repository URLs in the user's files: each writer's file kind, the
options it shows, the questions (answered by an injected function), --yes, and what is refused."""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
from pathlib import Path

import pytest
import yaml

from codeartifact_refresher import cli, config
from codeartifact_refresher.commands import init as init_command
from codeartifact_refresher.config.generator import scalar
from codeartifact_refresher.survey.answers import InitError
from codeartifact_refresher.writers.base import MAIN
from codeartifact_refresher.writers.registry import Registry

HOST = "acme-111122223333.d.codeartifact.us-east-1.amazonaws.com"
BUNDLER_HOST = HOST.upper().replace("-", "___").replace(".", "__")
TOKEN = secrets.token_urlsafe(96)  # like a CodeArtifact token: it must never leave the file it is in
NOW = 1_800_000_000.0

NUGET = f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><add key="corp" value="https://{HOST}/nuget/nu/v3/index.json" /></packageSources>
  <packageSourceCredentials><corp>
    <add key="Username" value="aws" /><add key="ClearTextPassword" value="{TOKEN}" />
  </corp></packageSourceCredentials>
</configuration>
"""
MAVEN = f"""<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <servers><server><id>corp</id><username>aws</username><password>{TOKEN}</password></server></servers>
  <mirrors><mirror><id>corp</id><mirrorOf>*</mirrorOf><url>https://{HOST}/maven/jv/</url></mirror></mirrors>
</settings>
"""
SWIFT = json.dumps({"registries": {"acme": {"url": f"https://{HOST}/swift/sw/"}}, "version": 1})

#: (writer, its main file's text, the repository, the options the file shows)
FILES = [
    ("pip", f"[global]\nindex-url = https://aws:{TOKEN}@{HOST}/pypi/py/simple/\n", "py", {}),
    (
        "pip",
        f"[global]\nindex-url = https://pypi.org/simple\nextra-index-url =\n  https://aws:{TOKEN}@{HOST}/pypi/py/simple/\n",
        "py",
        {"index": "extra"},
    ),
    ("npm", f"registry=https://{HOST}/npm/js/\n//{HOST}/npm/js/:_authToken={TOKEN}\n", "js", {}),
    ("npm", f"@acme:registry=https://{HOST}/npm/js/\n//{HOST}/npm/js/:_authToken={TOKEN}\n", "js", {"scope": "@acme"}),
    (
        "twine",
        f"[distutils]\nindex-servers =\n    corp\n[corp]\nrepository = https://{HOST}/pypi/py/\nusername = aws\npassword = {TOKEN}\n",
        "py",
        {"name": "corp"},
    ),
    (
        "uv",
        f'[[index]]\nname = "corp"\nurl = "https://{HOST}/pypi/py/simple/"\ndefault = true\n',
        "py",
        {"name": "corp"},
    ),
    (
        "uv",
        f'[[index]]\nname = "corp"\nurl = "https://aws:{TOKEN}@{HOST}/pypi/py/simple/"\n',
        "py",
        {"name": "corp", "index": "extra", "credentials": "url"},
    ),
    ("poetry", f'[repositories.corp]\nurl = "https://{HOST}/pypi/py/"\n', "py", {"name": "corp"}),
    ("pdm", f'[pypi.corp]\nurl = "https://{HOST}/pypi/py/simple/"\npassword = "{TOKEN}"\n', "py", {"name": "corp"}),
    ("pdm", f'[pypi]\nurl = "https://{HOST}/pypi/py/simple/"\n', "py", {"index": "primary"}),
    (
        "cargo",
        f'[registry]\ndefault = "corp"\n[registries.corp]\nindex = "sparse+https://{HOST}/cargo/rs/"\n',
        "rs",
        {"name": "corp", "default": True},
    ),
    ("nuget", NUGET, "nu", {"name": "corp"}),
    ("gem", f":sources:\n- https://rubygems.org/\n- https://aws:{TOKEN}@{HOST}/ruby/rb/\n", "rb", {"source": "extra"}),
    ("bundler", f'---\nBUNDLE_HTTPS://{BUNDLER_HOST}/RUBY/RB/: "aws:{TOKEN}"\n', "rb", {"key": "url"}),
    ("swift", SWIFT, "sw", {"scope": "acme"}),
    (
        "yarn",
        f'npmScopes:\n  acme:\n    npmRegistryServer: "https://{HOST}/npm/js/"\n'
        f'npmRegistries:\n  "//{HOST}/npm/js/":\n    npmAuthToken: "{TOKEN}"\n',
        "js",
        {"scope": "@acme"},
    ),
    (
        "bun",
        f'[install.scopes]\nacme = {{ url = "https://{HOST}/npm/js/", token = "{TOKEN}" }}\n',
        "js",
        {"scope": "@acme"},
    ),
    ("maven", MAVEN, "jv", {"id": "corp", "mirror": True}),
    ("gradle", f"codeartifactUrl=https://{HOST}/maven/jv/\ncodeartifactToken={TOKEN}\n", "jv", {}),
]


def main_path(writer: str) -> Path:
    return Registry().get(writer)().default_paths(os.environ)[MAIN]


def seed(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(tmp_path, *flags: str) -> tuple[int, Path]:
    """``init --yes`` through the CLI, into a new file."""
    output = tmp_path / "out" / "config.yaml"
    return cli.main(["init", "--yes", "--output", str(output), *flags], clock=lambda: NOW), output


def run_asking(tmp_path, answers: list[str], *flags: str) -> tuple[Path, list[str]]:
    """``init`` at a "terminal": the prompts it put, answered in turn (EOFError when they run out)."""
    output, prompts = tmp_path / "out" / "config.yaml", []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        if not answers:
            raise EOFError
        return answers.pop(0)

    args = cli.build_parser().parse_args(["init", "--output", str(output), *flags])
    assert init_command.init(args, lambda: NOW, ask, os.environ) == 0
    return output, prompts


def targets(output: Path) -> list[tuple[str, str, dict]]:
    return [(t.writer, t.repository, dict(t.options)) for d in config.load(output).domains for t in d.targets]


@pytest.mark.parametrize(
    ("writer", "text", "repository", "options"), FILES, ids=[f"{f[0]}-{i}" for i, f in enumerate(FILES)]
)
def test_each_writers_file_gives_its_target_and_options(writer, text, repository, options, tmp_path, capsys):
    path = seed(main_path(writer), text)
    status, output = run(tmp_path)
    assert status == 0
    cfg = config.load(output)
    [domain] = cfg.domains
    assert (domain.domain, domain.owner, domain.region, domain.endpoint_url) == (
        "acme",
        "111122223333",
        "us-east-1",
        None,
    )
    [target] = [t for t in domain.targets if t.writer == writer]
    assert (target.repository, dict(target.options), target.path) == (repository, options, path)
    out = capsys.readouterr()
    assert TOKEN not in output.read_text() + out.out + out.err


def test_no_token_reaches_the_output_or_the_config_whatever_the_files(tmp_path, capsys):
    for writer, text, _, _ in FILES[::2]:
        seed(main_path(writer), text)
    seed(Path(os.environ["HOME"]) / ".netrc", f"machine {HOST} login aws password {TOKEN}\n")
    status, output = run(tmp_path)
    out = capsys.readouterr()
    assert status == 0 and len(targets(output)) >= 8
    assert TOKEN not in output.read_text() + out.out + out.err


def test_one_target_per_tool_and_one_domain_entry_for_the_same_repository(home, tmp_path):
    seed(main_path("pip"), f"[global]\nindex-url = https://aws:{TOKEN}@{HOST.upper()}:443/pypi/py/simple/\n")
    seed(home / ".pypirc", f"[codeartifact]\nrepository = https://{HOST}/pypi/py/\npassword = {TOKEN}\n")
    seed(home / ".npmrc", "registry=https://acme-111122223333.codeartifact.us-east-1.on.aws/npm/js/\n")
    seed(
        main_path("uv"),
        '[[index]]\nname = "x"\nurl = "https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/pypi/p2/simple/"\n',
    )
    status, output = run(tmp_path)
    assert status == 0
    cfg = config.load(output)
    assert [(d.domain, d.owner, d.region) for d in cfg.domains] == [
        ("acme", "111122223333", "us-east-1"),
        ("other", "444455556666", "eu-west-1"),
    ]
    assert sorted((t.writer, t.repository) for t in cfg.domains[0].targets) == [
        ("npm", "js"),
        ("pip", "py"),
        ("twine", "py"),
    ]
    assert cfg.domains[0].endpoint_type is None  # IPv4 and dualstack URLs: the default type


def test_a_domain_found_only_through_dualstack_urls_asks_for_dualstack_endpoints(tmp_path):
    seed(main_path("npm"), "registry=https://acme-111122223333.codeartifact.us-east-1.on.aws/npm/js/\n")
    status, output = run(tmp_path)
    assert status == 0 and config.load(output).domains[0].endpoint_type == "dualstack"


def test_a_literal_dollar_brace_in_a_path_stays_literal(home, tmp_path, monkeypatch):
    weird = home / "${NOT_A_VARIABLE}" / "pip.conf"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(weird))
    seed(weird, f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    status, output = run(tmp_path)
    assert status == 0 and config.load(output).domains[0].targets[0].path == weird


def test_pip_takes_credentials_netrc_when_its_url_has_no_token_and_netrc_holds_the_host(home, tmp_path):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    seed(home / ".netrc", f"machine {HOST}\n  login aws\n  password {TOKEN}\n")
    status, output = run(tmp_path)
    assert status == 0 and targets(output) == [("pip", "py", {"credentials": "netrc"})]  # pip keeps the netrc line


def test_two_domains_may_each_keep_their_own_netrc_line(home, tmp_path):
    other = "other-444455556666.d.codeartifact.eu-west-1.amazonaws.com"
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    seed(main_path("uv"), f'[[index]]\nname = "o"\nurl = "https://{other}/pypi/p2/simple/"\n')  # uv: netrc by default
    seed(home / ".netrc", f"machine {HOST} login aws password {TOKEN}\nmachine {other} login aws password {TOKEN}\n")
    status, output = run(tmp_path)
    expected = [("pip", "py", {"credentials": "netrc"}), ("uv", "p2", {"name": "o", "index": "extra"})]
    assert status == 0 and targets(output) == expected  # one netrc line each: no conflict between them


def test_without_a_netrc_entry_pip_keeps_the_token_in_its_url(tmp_path):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    assert run(tmp_path)[0] == 0
    assert targets(tmp_path / "out" / "config.yaml") == [("pip", "py", {})]


def test_a_netrc_machine_of_a_found_host_becomes_a_netrc_target_so_it_stays_fresh(home, tmp_path):
    seed(main_path("npm"), f"registry=https://{HOST}/npm/js/\n")
    seed(main_path("pip"), f"[global]\nindex-url = https://aws:{TOKEN}@{HOST}/pypi/py/simple/\n")
    seed(home / ".netrc", f"machine {HOST} login aws password {TOKEN}\n")
    status, output = run(tmp_path)
    assert status == 0 and ("netrc", "py", {}) in targets(output)  # the pypi repository, the netrc writer's format


def test_a_netrc_machine_alone_names_no_repository_and_is_reported(home, tmp_path, capsys):
    seed(home / ".netrc", f"machine {HOST} login aws password {TOKEN}\n")
    status, output = run(tmp_path)
    out = capsys.readouterr()
    assert status == 1 and not output.exists()
    assert f"Not used: ~/.netrc machine {HOST}: no repository URL names this host" in out.out


def test_a_symlinked_file_is_written_through_its_link(home, tmp_path):
    real = seed(home / "dotfiles" / "npmrc", f"registry=https://{HOST}/npm/js/\n")
    main_path("npm").symlink_to(real)
    status, output = run(tmp_path)
    [target] = config.load(output).domains[0].targets
    assert status == 0 and target.follow_symlinks and target.path == main_path("npm")
    assert "# ~/.npmrc: registry (a symlink: written through it)\n" in output.read_text()


def test_two_urls_for_one_setting_keep_the_first_and_say_why_the_other_is_not(tmp_path, capsys):
    seed(
        main_path("pip"),
        f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n[install]\nindex-url = https://{HOST}/pypi/other/simple/\n",
    )
    status, output = run(tmp_path)
    assert status == 0 and targets(output) == [("pip", "py", {})]
    assert "[install] index-url: another target has [global] index-url in that file" in capsys.readouterr().out


def test_an_npm_auth_line_that_no_registry_line_names_is_skipped(tmp_path, capsys):
    seed(main_path("npm"), f"registry=https://{HOST}/npm/js/\n//{HOST}/npm/other/:_authToken={TOKEN}\n")
    status, output = run(tmp_path)
    assert status == 0 and targets(output) == [("npm", "js", {})]
    assert f"//{HOST}/npm/other/:_authToken: no registry line names it" in capsys.readouterr().out


def test_a_file_its_reader_cannot_parse_is_scanned_line_by_line(tmp_path, capsys):
    path = seed(main_path("uv"), f'[[index]\nname = "corp"\nurl = "https://{HOST}/pypi/py/simple/"\n')
    status, output = run(tmp_path)
    assert status == 0 and targets(output) == [("uv", "py", {})]
    assert f"{path.name}: not valid TOML; looked for repository URLs in it line by line" in capsys.readouterr().out


def test_nothing_found_fails_naming_the_files_read_and_what_to_do(home, tmp_path, capsys):
    seed(home / ".npmrc", "registry=https://registry.npmjs.org/\n")
    status, output = run(tmp_path)
    assert status == 1 and not output.exists()
    message = capsys.readouterr().err
    assert "no CodeArtifact repository URL" in message and "~/.npmrc" in message
    assert "login --tool TOOL" in message and "--keep-fresh" in message
    example = Path(re.search(r"cp (\S+) ", message).group(1))
    assert example.name == "laptop.yaml" and config.load(example).domains  # an example that exists and loads


def test_an_existing_output_is_never_replaced(tmp_path, capsys):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    output = seed(tmp_path / "out" / "config.yaml", "# mine\n")
    assert run(tmp_path)[0] == 1
    assert output.read_text() == "# mine\n"
    assert f"{output} already exists: give --output FILE for a new file, or edit that one" in capsys.readouterr().err


def test_the_written_file_is_0644_with_a_header_naming_its_sources_and_the_aws_settings(tmp_path, capsys):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    status, output = run(tmp_path, "--profile", "build", "--duration-seconds", "3600")
    assert status == 0 and stat.S_IMODE(output.stat().st_mode) == 0o644
    text = output.read_text()
    assert text.startswith("# codeartifact-refresher config, made by `codeartifact-refresher init` on 2027-01-15\n")
    assert (
        "#   ~/.config/pip/pip.conf\n" in text
        and "# AWS settings for every domain (init's flags and answers): profile build, duration 3600\n" in text
    )
    [domain] = config.load(output).domains
    assert (domain.profile, domain.duration) == ("build", 3600)
    out = capsys.readouterr().out
    assert f"codeartifact-refresher refresh --dry-run --config {output}" in out and "install-service --user" in out


def test_the_default_output_is_the_users_config(home, capsys):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    assert cli.main(["init", "--yes"]) == 0
    assert config.load(home / ".config" / "codeartifact-refresher" / "config.yaml").domains
    assert "--config" not in capsys.readouterr().out  # the commands to run next find it themselves


@pytest.mark.parametrize(
    "flags", [["--duration-seconds", "600"], ["--region", "Mars"], ["--endpoint-url", "https://u:p@x/"]]
)
def test_a_bad_flag_is_a_usage_error(flags, tmp_path):
    with pytest.raises(SystemExit) as e:
        run(tmp_path, *flags)
    assert e.value.code == 2


STANDIN_PIP = "[global]\nindex-url = http://127.0.0.1:37609/acme-111122223333/pypi/py/simple/\n"


def test_yes_without_a_region_for_the_standin_shape_fails_saying_which_flag(tmp_path, capsys):
    seed(main_path("pip"), STANDIN_PIP)
    status, output = run(tmp_path)
    assert status == 1 and not output.exists()
    assert (
        "127.0.0.1:37609: the URL names no AWS region and the AWS default chain has none: give --region REGION"
        in capsys.readouterr().err
    )


def test_yes_takes_the_default_chains_region_and_writes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    seed(main_path("pip"), STANDIN_PIP)
    status, output = run(tmp_path)
    [domain] = config.load(output).domains
    assert status == 0 and (domain.region, domain.endpoint_url) == ("ap-south-1", "http://127.0.0.1:37609")


def test_region_flag_goes_to_defaults_and_a_hosts_own_region_wins(tmp_path):
    seed(main_path("pip"), STANDIN_PIP)
    seed(main_path("npm"), "registry=https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/npm/js/\n")
    status, output = run(tmp_path, "--region", "us-west-2")
    assert status == 0
    assert sorted((d.region, d.endpoint_url) for d in config.load(output).domains) == [
        ("eu-west-1", None),
        ("us-west-2", "http://127.0.0.1:37609"),
    ]


VPCE = "https://vpce-0abc-xyz.d.codeartifact.us-east-1.vpce.amazonaws.com/npm/d/acme-111122223333/js/"


def test_yes_with_a_vpc_endpoint_host_says_which_endpoint_url_to_give(tmp_path, capsys):
    seed(main_path("npm"), f"registry={VPCE}\n")
    assert run(tmp_path)[0] == 1
    assert (
        "a VPC endpoint; its API endpoint cannot be told from the repository host: give --endpoint-url"
        in capsys.readouterr().err
    )
    api = "https://vpce-1-a.api.codeartifact.us-east-1.vpce.amazonaws.com"
    status, output = run(tmp_path, "--endpoint-url", api)
    assert status == 0 and config.load(output).domains[0].endpoint_url == api


def test_asked_which_of_several_to_keep(tmp_path):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    seed(main_path("npm"), f"registry=https://{HOST}/npm/js/\n")
    seed(main_path("twine").parent / ".pypirc", f"[codeartifact]\nrepository = https://{HOST}/pypi/py/\n")
    output, prompts = run_asking(tmp_path, ["7", "1,3", ""])  # 7 is not offered: asked again
    assert targets(output) == [("npm", "js", {}), ("twine", "py", {})]
    assert prompts[0].startswith("Keep which?") and prompts[0].endswith("[all]: ") and prompts[1] == prompts[0]
    assert prompts[2].startswith("AWS profile") and "Enter for the AWS default credential chain" in prompts[2]


def test_asked_for_the_profile_among_those_defined_and_the_region_the_url_does_not_say(home, tmp_path, monkeypatch):
    seed(home / ".aws" / "config", "[profile dev]\nregion = eu-central-1\n[default]\nregion = us-east-2\n")
    seed(main_path("pip"), STANDIN_PIP)
    output, prompts = run_asking(tmp_path, ["nope", "dev", "no region", ""])
    assert "(one of: default, dev)" in prompts[0] and prompts[1] == prompts[0]
    assert prompts[2] == "AWS region of domain acme (owner 111122223333) at 127.0.0.1:37609 [eu-central-1]: "
    [domain] = config.load(output).domains
    assert (domain.profile, domain.region) == ("dev", "eu-central-1")  # Enter took the profile's region


def test_asked_for_the_api_endpoint_of_a_vpc_endpoint_host(tmp_path):
    seed(main_path("npm"), f"registry={VPCE}\n")
    api = "https://vpce-1-a.api.codeartifact.us-east-1.vpce.amazonaws.com"
    output, prompts = run_asking(tmp_path, ["", "not a url", api])
    assert prompts[1].startswith("API endpoint for domain acme") and prompts[2] == prompts[1]
    assert config.load(output).domains[0].endpoint_url == api


def test_at_a_terminal_the_command_asks_with_input_and_not_otherwise(tmp_path, monkeypatch, capsys):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    seed(main_path("npm"), f"registry=https://{HOST}/npm/js/\n")
    output = tmp_path / "out" / "config.yaml"
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or ("2" if len(prompts) == 1 else ""))
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli.main(["init", "--output", str(output)]) == 0 and not prompts  # not a terminal: like --yes
    assert len(targets(output)) == 2
    output.unlink()
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert cli.main(["init", "--output", str(output)]) == 0
    assert targets(output) == [("pip", "py", {})] and prompts[0].startswith("Keep which?")


def test_no_answer_stops_without_writing(tmp_path):
    seed(main_path("pip"), f"[global]\nindex-url = https://{HOST}/pypi/py/simple/\n")
    seed(main_path("npm"), f"registry=https://{HOST}/npm/js/\n")
    with pytest.raises(InitError, match="no answer to: Keep which"):
        run_asking(tmp_path, [])
    assert not (tmp_path / "out" / "config.yaml").exists()


@pytest.mark.parametrize(
    "value", ["111122223333", "@acme", "yes", "null", "1.0", "~", "a b", "~/x y/pip.conf", "x: y", "#c"]
)
def test_a_generated_scalar_reads_back_as_the_same_string(value):
    assert yaml.safe_load(f"k: {scalar(value)}") == {"k": value}
