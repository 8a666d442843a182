"""`doctor` as a command, in process, against the stand-in: each shadowing case and leftover makes
it exit 1 with the line that names it, and no token it saw is ever printed. (No pip or npm on PATH
here: tests/e2e/test_doctor.py asks the real ones.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from codeartifact_refresher import cli

from ..conftest import write_config

PIP = "      - writer: pip\n        repository: pypi-store\n"


@dataclass
class Case:
    name: str
    targets: str
    after: Callable[[Path, pytest.MonkeyPatch, str], None]  # (home, monkeypatch, the repository's index URL)
    line: str  # what the problem line says, {home} filled in


def venv(home, mp, index):
    (home / "venv").mkdir()
    (home / "venv" / "pip.conf").write_text("[global]\nindex-url = https://pypi.org/simple\n")
    mp.setenv("VIRTUAL_ENV", str(home / "venv"))


def pip_conf_elsewhere(home, mp, index):
    (home / "ci-pip.conf").write_text("[global]\n")
    mp.setenv("PIP_CONFIG_FILE", str(home / "ci-pip.conf"))


def old_token_as_extra(home, mp, index):
    with (home / ".config" / "pip" / "pip.conf").open("a") as conf:
        conf.write(f"extra-index-url = {index.replace('http://', 'http://aws:OLD-TOKEN-123@')}\n")


def broken_netrc(home, mp, index):
    with (home / ".netrc").open("a") as netrc:
        netrc.write("machine other.example login aws passwrd SECRET-WORD\n")


def setting(name, value):
    return lambda home, mp, index: mp.setenv(name, value)


CASES = [
    Case(
        "PIP_CONFIG_FILE elsewhere",
        PIP + "        path: ~/.config/pip/pip.conf\n",
        pip_conf_elsewhere,
        "PIP_CONFIG_FILE is set to {home}/ci-pip.conf",
    ),
    Case("virtualenv pip.conf", PIP, venv, "pip takes index-url from [global] index-url in {home}/venv/pip.conf"),
    Case("duplicate index entry", PIP, old_token_as_extra, "pip has this repository twice: as index-url"),
    Case(
        "PIP_EXTRA_INDEX_URL",
        PIP + "        index: extra\n",
        setting("PIP_EXTRA_INDEX_URL", "https://x.example/simple"),
        "PIP_EXTRA_INDEX_URL is set in",
    ),
    Case(
        "unparseable netrc",
        PIP + "        credentials: netrc\n",
        broken_netrc,
        "Python's netrc module cannot parse {home}/.netrc (line 2: bad follower token)",
    ),
    Case(
        "NETRC elsewhere",
        PIP + "        credentials: netrc\n        netrc: ~/.netrc\n",
        setting("NETRC", "/etc/ci-netrc"),
        "NETRC is set to /etc/ci-netrc",
    ),
    Case(
        "UV_INDEX_URL",
        "      - writer: uv\n        repository: pypi-store\n",
        setting("UV_INDEX_URL", "https://pypi.org/simple"),
        "UV_INDEX_URL is set (https://pypi.org/simple), and uv takes it as its default index",
    ),
    Case(
        "POETRY_HTTP_BASIC",
        "      - writer: poetry\n        repository: pypi-store\n",
        setting("POETRY_HTTP_BASIC_CODEARTIFACT_PASSWORD", "OLD-TOKEN-456"),
        "POETRY_HTTP_BASIC_CODEARTIFACT_PASSWORD is set",
    ),
    Case(
        "TWINE_PASSWORD",
        "      - writer: twine\n        repository: pypi-store\n",
        setting("TWINE_PASSWORD", "OLD-TOKEN-789"),
        "TWINE_PASSWORD is set",
    ),
    Case(
        "scoped npm registry variable",
        "      - writer: npm\n        repository: npm-store\n        scope: '@acme'\n",
        setting("npm_config_@acme:registry", "https://registry.npmjs.org/"),
        "npm_config_@acme:registry is set",
    ),
]


@pytest.fixture
def no_tools(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))


def doctor(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = cli.main(["doctor", *args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_exits_1_with_the_line_that_names_it(case, standin, home, monkeypatch, capsys, no_tools):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    config = write_config(home / "config.yaml", standin, case.targets)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    case.after(home, monkeypatch, f"{standin.url}/acme-{standin.account}/pypi/pypi-store/simple/")
    status, out = doctor(capsys, "--config", str(config))
    assert status == 1, out
    expected = case.line.format(home=home)
    assert any(line.startswith("problem: ") and expected in line for line in out.splitlines()), out
    assert not any(token in out for token in standin.issued_tokens())
    assert "OLD-TOKEN" not in out and "SECRET-WORD" not in out


def test_a_clean_setup_exits_0_and_a_skewed_clock_exits_1(standin, clock, home, monkeypatch, capsys, no_tools):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    config = write_config(home / "config.yaml", standin, PIP)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    status, out = doctor(capsys, "--config", str(config))
    assert status == 0, out
    clock.jump_wall(-420)  # AWS's clock, as its answers' Date says, seven minutes behind ours
    status, out = doctor(capsys, "--config", str(config))
    assert status == 1 and "problem: this machine's clock is 7 min ahead of AWS's" in out


def test_a_denied_token_exits_1_naming_the_permission(standin, home, monkeypatch, capsys, no_tools):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    config = write_config(home / "config.yaml", standin, PIP)
    standin.inject(
        "GetAuthorizationToken",
        "AccessDeniedException",
        403,
        message="User: arn:aws:iam::111122223333:user/dev is not authorized to perform: sts:GetServiceBearerToken",
    )
    status, out = doctor(capsys, "--config", str(config))
    assert status == 1
    assert (
        "problem: domain acme (111122223333): GetAuthorizationToken was denied; the caller lacks sts:GetServiceBearerToken"
        in out
    )


def test_as_without_root_or_for_no_such_user_is_a_usage_error(home, capsys, monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert doctor(capsys, "--as", "builder") == (
        2,
        "ERROR --as builder needs root: it becomes builder to look (run it with sudo)\n",
    )
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert doctor(capsys, "--as", "no-such-user-i15") == (2, "ERROR --as no-such-user-i15: there is no such user\n")


def test_a_target_without_path_whose_file_follows_a_variable_of_this_shell(
    standin, home, monkeypatch, capsys, no_tools
):
    """The service (without PIP_CONFIG_FILE) wrote ~/.config/pip/pip.conf; this shell's pip reads another file."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    config = write_config(home / "config.yaml", standin, PIP)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    pip_conf_elsewhere(home, monkeypatch, "")
    status, out = doctor(capsys, "--config", str(config))
    assert status == 1
    assert (
        f"note: the pip target (line 7 of {config}) writes {home}/ci-pip.conf, where PIP_CONFIG_FILE puts its tool's "
        f"file here; a process without them (the service?) writes {home}/.config/pip/pip.conf: give the "
        "target its `path:` to write one file"
    ) in out
    assert f"problem: {home}/ci-pip.conf has no index-url" in out


def test_the_moved_file_note_names_only_the_variable_that_moves_that_tools_file(
    standin, home, monkeypatch, capsys, no_tools
):
    """With both PIP_CONFIG_FILE and NPM_CONFIG_USERCONFIG set, the pip target's note names the first only."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    config = write_config(home / "config.yaml", standin, PIP)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    pip_conf_elsewhere(home, monkeypatch, "")
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(home / "ci-npmrc"))
    _status, out = doctor(capsys, "--config", str(config))
    assert f"writes {home}/ci-pip.conf, where PIP_CONFIG_FILE puts its tool's file here;" in out
    assert "NPM_CONFIG_USERCONFIG" not in out


def test_a_target_whose_path_the_config_names_gets_no_moved_file_note(standin, home, monkeypatch, capsys, no_tools):
    """A build host: the login snippet sets PIP_CONFIG_FILE and NPM_CONFIG_USERCONFIG to the very paths
    the system config names, and the service writes those paths whatever its environment."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    shared = home / "state"
    shared.mkdir()
    targets = (
        f"{PIP}        path: {shared}/pip.conf\n"
        f"      - writer: npm\n        repository: npm-store\n        path: {shared}/npmrc\n"
    )
    config = write_config(home / "config.yaml", standin, targets)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    monkeypatch.setenv("PIP_CONFIG_FILE", str(shared / "pip.conf"))
    monkeypatch.setenv("NPM_CONFIG_USERCONFIG", str(shared / "npmrc"))
    status, out = doctor(capsys, "--config", str(config))
    assert "a process without them" not in out
    assert f"ok: pip takes index-url from {shared}/pip.conf" in out and status == 0, out


def test_on_the_system_services_config_the_aws_checks_use_the_services_environment_file(
    standin, home, monkeypatch, capsys, no_tools
):
    """A build host off EC2: root's shell has no AWS credentials, the service has them in its
    environment file (EnvironmentFile=); `doctor --as alice` must not call the host broken."""
    import os

    from codeartifact_refresher.service.install import layout

    system = layout.Layout(config_dir=home / "etc", env_file=home / "etc" / "environment", state_dir=home / "state")
    monkeypatch.setattr(layout, "SYSTEM", system)
    system.config_dir.mkdir()
    write_config(system.config, standin, f"{PIP}        path: {home}/state/pip.conf\n")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    _status, out = doctor(capsys, "--config", str(system.config))
    assert "problem: domain acme (111122223333): no AWS credentials found" in out, "root's own shell has none"

    system.env_file.write_text(
        "# the admin's edit\nAWS_ACCESS_KEY_ID=AKIDSERVICE\nAWS_SECRET_ACCESS_KEY='service-secret'\n"
    )
    _status, out = doctor(capsys, "--config", str(system.config))
    assert (
        f"ok: the AWS checks below use the service's environment file {system.env_file} "
        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), as systemd gives it"
    ) in out
    assert "ok: domain acme (111122223333): may call codeartifact:GetAuthorizationToken" in out
    assert "no AWS credentials" not in out and "service-secret" not in out
    assert "AWS_ACCESS_KEY_ID" not in os.environ, "the file's variables are gone once the AWS checks end"

    other = write_config(home / "mine.yaml", standin, PIP)
    _status, out = doctor(capsys, "--config", str(other))
    assert "environment file" not in out and "no AWS credentials found" in out, "only for the service's config"


def test_without_working_credentials_the_file_checks_use_the_endpoints_an_earlier_refresh_recorded(
    standin, home, monkeypatch, capsys, no_tools
):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", standin.url)
    config = write_config(home / "config.yaml", standin, PIP)
    assert cli.main(["refresh", "--config", str(config)]) == 0
    standin.key_errors["AKIDTEST"] = "UnrecognizedClientException"
    status, out = doctor(capsys, "--config", str(config))
    assert status == 1
    assert "AWS does not accept these credentials (UnrecognizedClientException)" in out
    assert (
        f"note: the pip target (line 7 of {config}): the file checks use the repository URL an earlier refresh recorded"
        in out
    )
    assert f"ok: pip takes index-url from {home}/.config/pip/pip.conf for every command" in out


def test_a_build_user_on_the_system_services_config_is_told_the_aws_checks_are_roots(
    standin, home, monkeypatch, capsys, no_tools
):
    """Its credentials are the service's (root's environment file): a build user has none, and that
    is no problem of theirs; the file checks still run."""
    from codeartifact_refresher.service.install import layout

    config = write_config(home / "config.yaml", standin, PIP)
    monkeypatch.setattr(layout, "foreign_system_config", lambda path, euid=None: Path(path) == config)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    _status, out = doctor(capsys, "--config", str(config))
    assert f"note: the AWS checks were skipped: {config} is the system service's config" in out
    assert "`sudo codeartifact-refresher doctor --as root` runs them" in out  # the tests run as root
    assert "no AWS credentials" not in out and "cannot read the state file" not in out
    assert f"problem: {home}/.config/pip/pip.conf does not exist" in out, "the file checks ran"


def test_the_environment_file_is_read_as_systemd_reads_it():
    from codeartifact_refresher.doctor.service_env import parse

    text = (
        "# comment\n; also a comment\n\nAWS_PROFILE=build\n AWS_CONFIG_FILE = '/etc/x y'\nA=\"q\"\nnot a line\n1BAD=x\n"
    )
    assert parse(text) == {"AWS_PROFILE": "build", "AWS_CONFIG_FILE": "/etc/x y", "A": "q"}
