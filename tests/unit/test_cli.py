import logging
import subprocess
import sys

import pytest

from codeartifact_refresher import __version__, cli, log

from ..conftest import ALL_TARGETS, write_config


def test_check_prints_what_it_will_write(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["check", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{path}: OK: 1 domain(s), 3 target(s)"
    assert f"acme ({standin.account}): npm npm-store -> {home / '.npmrc'}" in out
    assert standin.calls["GetAuthorizationToken"] == 0


def test_check_names_the_other_files_of_a_several_file_writer(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, "      - {writer: uv, repository: pypi-store}\n")
    assert cli.main(["check", "--config", str(path)]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    assert line.endswith(f"uv pypi-store -> {home / '.config' / 'uv' / 'uv.toml'} (+ netrc: {home / '.netrc'})")


def test_bad_config_is_one_line_on_stderr_and_exit_2(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text("domains:\n  - domain: acme\n    duraton: 5\n")
    assert cli.main(["check", "--config", str(path)]) == 2
    assert cli.main(["refresh", "--config", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"ERROR {path}:3: unknown key 'duraton' in a domain; did you mean 'duration'?"] * 2


def test_config_from_the_environment_variable(standin, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CODEARTIFACT_REFRESHER_CONFIG", str(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)))
    assert cli.main(["check"]) == 0


def test_refresh_exit_codes(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path)]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == "INFO 1 domain(s): 3 written"
    (home / ".pypirc").write_text("[a]\n[a]\n")
    assert cli.main(["refresh", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"ERROR acme ({standin.account}): twine pypi-store {home / '.pypirc'}: cannot parse" in err
    assert err.splitlines()[-1] == "ERROR 1 domain(s): 2 written, 1 failed; 1 of 1 domains had failures"
    assert "Traceback" not in err


def test_aws_failure_exits_1_with_advice(standin, tmp_path, capsys):
    standin.inject("GetAuthorizationToken", "AccessDeniedException", 403, times=5)
    assert cli.main(["refresh", "--config", str(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))]) == 1
    assert "needs codeartifact:GetAuthorizationToken and sts:GetServiceBearerToken" in capsys.readouterr().err


def test_dry_run_prints_redacted_diffs_to_stdout(standin, tmp_path, home, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["-v", "refresh", "--dry-run", "--config", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("+++ ") == 3 and "<redacted>" in captured.out
    assert not (home / ".npmrc").exists()


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["frobnicate"])
    assert e.value.code == 2


def test_a_bug_gets_a_traceback_with_tokens_redacted(standin, tmp_path, monkeypatch, capsys):
    def boom(report, *_):
        raise RuntimeError(f"something held {standin.issued_tokens()[-1]}")

    monkeypatch.setattr("codeartifact_refresher.refresh._run_hooks", boom)
    assert cli.main(["refresh", "--config", str(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: something held <redacted>" in err
    assert standin.issued_tokens() and not any(t in err for t in standin.issued_tokens())
    assert not log._secrets  # and the token is forgotten once its refresh is over


def test_an_escaping_bug_exits_70_with_a_traceback(tmp_path, monkeypatch, capsys, standin):
    def boom(*a, **kw):
        raise RuntimeError("unexpected")

    monkeypatch.setattr("codeartifact_refresher.refresh.refresh_all", boom)
    assert cli.main(["refresh", "--config", str(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))]) == 70
    assert "Traceback" in capsys.readouterr().err


def test_python_dash_m_works():
    done = subprocess.run([sys.executable, "-m", "codeartifact_refresher", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"codeartifact-refresher {__version__}"


def test_redact_handles_url_quoted_forms_while_the_secret_is_in_use():
    with log.secret("a/b+c"), log.secret("a/b+c"):
        assert log.redact("x a%2Fb%2Bc y a/b+c") == "x <redacted> y <redacted>"
    assert log.redact("a/b+c") == "a/b+c" and not log._secrets


def test_the_daemon_protects_its_memory_from_core_files_and_debuggers():
    """No core files anywhere; on Linux not dumpable either (prctl is Linux's: elsewhere only the core limit)."""
    dumpable = "ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)" if sys.platform.startswith("linux") else "0"  # PR_GET_DUMPABLE
    script = (
        "import ctypes, resource; from codeartifact_refresher.platform.linux import protect_memory; protect_memory(); "
        f"print(resource.getrlimit(resource.RLIMIT_CORE), {dumpable})"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "(0, 0) 0", done.stderr


HEAVY = ("botocore", "boto3", "apscheduler", "tomlkit", "ruamel")


def test_check_and_help_load_neither_botocore_nor_apscheduler_nor_a_format_library(standin, tmp_path):
    """The commands that need no AWS call stay quick: the heavy libraries load only where used.
    ``check`` loads every writer class a config names; this loads every installed one."""
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    script = (
        "import sys; from codeartifact_refresher import cli; status = cli.main(['check', '--config', sys.argv[1]]); "
        "from codeartifact_refresher.writers.registry import Registry; r = Registry(); [r.get(n) for n in r.names()]; "
        f"print(status, len(r.names()), sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    status, writers, heavy = done.stdout.splitlines()[-1].split(" ", 2)
    assert (status, heavy) == ("0", "[]"), done.stdout + done.stderr
    assert int(writers) >= 3


@pytest.mark.parametrize(
    ("argv", "level", "fmt"),
    [
        (["refresh", "-v"], logging.DEBUG, "text"),
        (["-v", "refresh"], logging.DEBUG, "text"),
        (["status", "-q"], logging.WARNING, "text"),
        (["run", "--log-format", "json"], logging.INFO, "json"),
        (["--log-format", "json", "check", "--verbose"], logging.DEBUG, "json"),
        (["check"], logging.INFO, "text"),
    ],
)
def test_global_options_work_before_and_after_the_command(argv, level, fmt):
    args = cli.build_parser().parse_args(argv)
    assert (args.log_level, args.log_format) == (level, fmt)


def test_verbose_after_the_command_logs_debug(standin, tmp_path, capsys):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    assert cli.main(["refresh", "--config", str(path), "-v"]) == 0
    assert "DEBUG " in capsys.readouterr().err


def test_irsa_variables_without_their_token_file_exit_1_with_one_line_not_a_bug(standin, tmp_path, monkeypatch, capsys):
    """Issue 15: with AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE set but the file missing, every
    command exited 70 with a 60-line traceback."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/build")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "token"))
    assert cli.main(["refresh", "--config", str(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    assert f"the web identity token file {tmp_path / 'token'} (from AWS_WEB_IDENTITY_TOKEN_FILE) does not exist" in err
