import os
import stat

from codeartifact_refresher import config, refresh
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.writers import base
from codeartifact_refresher.writers.registry import Registry

from ..conftest import ALL_TARGETS, write_config


def run(path, clients=None, registry=None, dry_run=False):
    registry = registry or Registry()
    return refresh.refresh_all(config.load(path, registry), clients or Clients(), registry, dry_run)


def live_token(standin, home) -> str:
    text = (home / ".npmrc").read_text()
    return text.rsplit(":_authToken=", 1)[1].strip()


def test_one_token_call_per_domain_and_one_endpoint_call_per_repository_format(standin, tmp_path, home):
    [report] = run(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))
    assert report.ok and [t.outcome for t in report.targets] == ["written"] * 3
    assert standin.calls["GetAuthorizationToken"] == 1
    assert standin.calls["GetRepositoryEndpoint"] == 2  # pypi-store/pypi for pip and twine, npm-store/npm
    for path in (home / ".config/pip/pip.conf", home / ".npmrc", home / ".pypirc"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_second_round_gets_a_new_token_and_reuses_endpoints(standin, tmp_path, home):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    clients = Clients()
    run(path, clients)
    first = live_token(standin, home)
    [report] = run(path, clients)
    assert report.ok and live_token(standin, home) != first
    assert standin.calls["GetAuthorizationToken"] == 2 and standin.calls["GetRepositoryEndpoint"] == 2


def test_unparseable_file_is_left_byte_for_byte_and_the_others_are_written(standin, tmp_path, home):
    pip_conf = home / ".config" / "pip" / "pip.conf"
    pip_conf.parent.mkdir(parents=True)
    broken = b"index-url = before any section\n# mine\n"
    pip_conf.write_bytes(broken)
    os.chmod(pip_conf, 0o644)
    [report] = run(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))
    pip_result, npm_result, twine_result = report.targets
    assert pip_result.outcome == "failed" and not report.ok
    assert (
        pip_result.error
        == f"cannot parse {pip_conf} as a pip config: line 1: an option before any [section] header; left as it is"
    )
    assert pip_conf.read_bytes() == broken and stat.S_IMODE(os.stat(pip_conf).st_mode) == 0o644
    assert (npm_result.outcome, twine_result.outcome) == ("written", "written")


def test_a_file_with_a_bom_its_tool_cannot_read_is_refused_and_one_it_can_is_written(standin, tmp_path, home):
    """pip's and twine's configparser read a leading byte-order mark as text before any section
    and fail on every run ("File contains no section headers", "Malformed configuration"): writing
    our entries there and saying it worked helped no one (replay finding). npm reads past it."""
    bom = b"\xef\xbb\xbf"
    pip_conf, npmrc, pypirc = home / ".config/pip/pip.conf", home / ".npmrc", home / ".pypirc"
    pip_conf.parent.mkdir(parents=True)
    for path, text in ((pip_conf, b"[global]\ntimeout = 5\n"), (npmrc, b"save-exact=true\n"), (pypirc, b"[pypi]\n")):
        path.write_bytes(bom + text)
    [report] = run(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))
    pip_result, npm_result, twine_result = report.targets
    for result, path, tool in ((pip_result, pip_conf, "pip"), (twine_result, pypirc, "twine")):
        assert result.outcome == "failed" and result.error == (
            f"{path} begins with a UTF-8 byte-order mark, which {tool} cannot read: "
            "remove it (the file's first 3 bytes, EF BB BF); left as it is"
        )
    assert pip_conf.read_bytes() == bom + b"[global]\ntimeout = 5\n" and pypirc.read_bytes() == bom + b"[pypi]\n"
    assert npm_result.outcome == "written" and npmrc.read_bytes().startswith(bom + b"save-exact=true\n")
    [report] = run(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS), dry_run=True)
    assert [t.outcome for t in report.targets][::2] == ["failed", "failed"]  # --dry-run says so too


def test_an_unparseable_second_file_is_named_by_its_role_not_as_the_tools_config(standin, tmp_path, home):
    netrc = home / ".netrc"
    broken = b"machine a login b password c\nmacdef m\ncd /"  # a macro without its closing blank line
    netrc.write_bytes(broken)
    targets = "      - writer: pip\n        repository: pypi-store\n        credentials: netrc\n"
    [report] = run(write_config(tmp_path / "c.yaml", standin, targets))
    (result,) = report.targets
    assert result.outcome == "failed" and result.error.startswith(
        f"cannot parse {netrc} as the pip target's netrc file: "
    ), result.error
    assert netrc.read_bytes() == broken


def test_a_failing_domain_does_not_stop_the_next(standin, tmp_path, home):
    path = tmp_path / "c.yaml"
    path.write_text(f"""\
defaults: {{region: us-east-1, endpoint_url: "{standin.url}", owner: "{standin.account}"}}
domains:
  - domain: missing
    targets: [{{writer: pip, repository: pypi-store, path: {tmp_path}/missing.conf}}]
  - domain: acme
    targets: [{{writer: npm, repository: npm-store}}]
""")
    missing, acme = run(path)
    assert not missing.ok and "domain not found" in missing.error and missing.targets[0].outcome == "failed"
    assert not (tmp_path / "missing.conf").exists()
    assert acme.ok and (home / ".npmrc").exists()


def test_dry_run_writes_nothing_and_shows_no_token_old_or_new(standin, tmp_path, home):
    path = write_config(tmp_path / "c.yaml", standin, ALL_TARGETS)
    run(path)
    old_token = live_token(standin, home)
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    [report] = run(path, dry_run=True)
    assert {p: p.read_bytes() for p in home.rglob("*") if p.is_file()} == before
    diffs = "".join(t.diff for t in report.targets)
    assert [t.outcome for t in report.targets] == ["would write"] * 3
    assert diffs.count("<redacted>") >= 6 and old_token not in diffs
    assert standin.live_tokens() == 2
    assert "-index-url = http://aws:<redacted>@" in diffs and "+password = <redacted>" in diffs


def test_dry_run_of_a_new_file_shows_its_mode(standin, tmp_path, home):
    [report] = run(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS), dry_run=True)
    assert report.targets[1].diff.startswith(f"# mode none -> 0600: {home / '.npmrc'}\n--- /dev/null\n")
    assert not (home / ".npmrc").exists()


def test_unchanged_content_is_not_rewritten(standin, tmp_path, home):
    class Fixed(base.Writer):
        format = "npm"

        def default_path(self, environ=os.environ):
            return home / "fixed"

        def render(self, current, creds):
            return "constant\n"

        def find_secrets(self, text):
            return []

    registry = Registry()
    registry._classes["npm"] = Fixed
    path = write_config(tmp_path / "c.yaml", standin, "      - {writer: npm, repository: npm-store}\n")
    [first] = run(path, registry=registry)
    inode = os.stat(home / "fixed").st_ino
    [second] = run(path, registry=registry)
    assert (first.targets[0].outcome, second.targets[0].outcome) == ("written", "unchanged")
    assert os.stat(home / "fixed").st_ino == inode


def test_a_buggy_writer_fails_its_target_only(standin, tmp_path, home, caplog):
    class Buggy(base.Writer):
        format = "pypi"

        def default_path(self, environ=os.environ):
            return home / "buggy"

        def render(self, current, creds):
            raise KeyError(creds.token)  # a bug that would put the token in an exception

        def find_secrets(self, text):
            return []

    registry = Registry()
    registry._classes["twine"] = Buggy
    [report] = run(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS), registry=registry)
    assert [t.outcome for t in report.targets] == ["written", "written", "failed"]
    assert report.targets[2].error == "internal error: KeyError"


def test_summary_counts_outcomes(standin, tmp_path):
    reports = run(write_config(tmp_path / "c.yaml", standin, ALL_TARGETS))
    assert refresh.summary(reports) == "1 domain(s): 3 written"


def test_two_targets_in_one_file_both_land(standin, tmp_path, home):
    path = write_config(
        tmp_path / "c.yaml",
        standin,
        (
            "      - {writer: npm, repository: npm-store}\n"
            "      - {writer: npm, repository: npm-store, scope: '@acme'}\n"
        ),
    )
    [report] = run(path)
    text = (home / ".npmrc").read_text()
    assert report.ok and "\nregistry=" in "\n" + text and "@acme:registry=" in text
    assert text.count(":_authToken=") == 1  # same repository: one auth line, not two


def many_domains(standin, n: int, workers: int) -> str:
    lines = [
        f"workers: {workers}",
        f'defaults: {{region: us-east-1, endpoint_url: "{standin.url}", owner: "{standin.account}"}}',
        "domains:",
    ]
    for i in range(n):
        standin.add_repository(f"d{i}", "pypi-store", "pypi", demo=False)
        lines += [
            f"  - domain: d{i}",
            "    targets:",
            f"      - {{writer: pip, repository: pypi-store, path: /tmp/unused/{i}}}",
        ]
    return "\n".join(lines) + "\n"


def test_domains_are_refreshed_in_parallel_on_a_bounded_pool(tmp_path, home, monkeypatch):
    import time

    from codeartifact_refresher.testing import StandIn

    with StandIn(latency=0.25) as slow:
        path = tmp_path / "c.yaml"
        path.write_text(many_domains(slow, 12, workers=12).replace("/tmp/unused", str(tmp_path / "out")))
        started = time.monotonic()
        reports = run(path, Clients(connections=12))
        parallel = time.monotonic() - started
    assert all(r.ok for r in reports) and [r.domain.domain for r in reports] == [f"d{i}" for i in range(12)]
    sequential = 12 * 2 * 0.25  # a token and an endpoint per domain
    assert parallel < sequential / 3, f"a round of 12 domains took {parallel:.2f}s"
