"""A build user (a real throw-away user, our CLI in a forked child that has become that user) who
runs ``refresh``, ``run`` or ``status`` with the system service's config is told in one line that
it is the service's and what to run instead, not a ``Permission denied`` per file; ``check`` stays
allowed, and the service user itself is not stopped. The system layout is a temporary one, put in
place of the real one (``layout.SYSTEM``, ``locations.SYSTEM_PATH``) in this process, which the
children inherit."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

# imported here, so that the children (who cannot read our Python's library under /root) have them
import codeartifact_refresher.aws.tokens  # noqa: F401
import codeartifact_refresher.commands.refresh  # noqa: F401
import codeartifact_refresher.commands.run  # noqa: F401
import codeartifact_refresher.commands.status  # noqa: F401
import codeartifact_refresher.refresh  # noqa: F401
import codeartifact_refresher.service.daemon  # noqa: F401
from codeartifact_refresher import cli
from codeartifact_refresher.config import locations
from codeartifact_refresher.service.install import layout as layouts
from codeartifact_refresher.service.install.layout import Layout

from ..users import outcome_as, skip_unless_root, users

pytestmark = skip_unless_root()


@pytest.fixture
def system(shared, monkeypatch, standin):
    """A system layout under ``shared``: a root-owned config (for the stand-in) whose state file
    root alone may read. Root runs each command once first, so the children find every module loaded."""
    moved = Layout(config_dir=shared / "etc", state_dir=shared / "state", user="i15-no-such-service-user")
    moved.config_dir.mkdir()
    moved.state_dir.mkdir(mode=0o700)
    (moved.state_dir / "state.json").write_text("{}\n")
    moved.config.write_text(
        f"state_file: {moved.state_dir}/state.json\n"
        f'domains:\n  - domain: acme\n    owner: "111122223333"\n    region: eu-west-1\n    endpoint_url: {standin.url}\n'
        "    targets:\n"
        f"      - {{writer: pip, repository: pypi-store, path: {moved.state_dir}/pip.conf, mode: 0640}}\n"
    )
    monkeypatch.setattr(layouts, "SYSTEM", moved)
    monkeypatch.setattr(locations, "SYSTEM_PATH", moved.config)
    for command in ("refresh --dry-run", "status", "check"):
        cli.main([*command.split(), "--config", str(moved.config)])
    return moved


def cli_as(uid: int, gid: int, argv: list[str], home: Path) -> tuple[int, str]:
    """The CLI's exit status and stderr, as ``uid``, with an empty HOME (no config of its own)."""

    def main() -> str:
        os.environ["HOME"] = os.environ["XDG_CONFIG_HOME"] = str(home)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            status = cli.main(argv)
        return f"{status}\n{err.getvalue()}"

    status, err = outcome_as(uid, gid, main).split("\n", 1)
    return int(status), err


HINT = (
    "the system service's config (it runs as i15-no-such-service-user), not for `{command}` by a build user: "
    "`sudo systemctl kill -s USR1 codeartifact-refresher` refreshes now, `sudo systemctl reload codeartifact-refresher` "
    "after an edit, `systemctl status codeartifact-refresher` shows the service, `sudo codeartifact-refresher status "
    "--config {config}` its tokens"
)


@pytest.mark.parametrize(
    "argv", [["refresh", "--config", "CONFIG"], ["refresh"], ["refresh", "--dry-run"], ["run", "--config", "CONFIG"]]
)
def test_refresh_or_run_by_a_build_user_is_told_what_to_run_instead(system, shared, argv):
    """``refresh`` without ``--config`` finds the system config too (the build user has none)."""
    with users(("i15-build", ())) as (builder,):
        argv = [str(system.config) if a == "CONFIG" else a for a in argv]
        status, err = cli_as(builder.uid, builder.gid, argv, shared / "empty-home")
    expected = HINT.format(command=argv[0], config=system.config)
    err = re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", err)  # `run` stamps its log lines
    assert (status, err) == (2, f"ERROR {system.config}: {expected}\n")


def test_status_by_a_build_user_who_cannot_read_the_state_adds_where_to_look(system, shared):
    with users(("i15-build", ())) as (builder,):
        status, err = cli_as(builder.uid, builder.gid, ["status", "--config", str(system.config)], shared / "h")
        checked, said = cli_as(builder.uid, builder.gid, ["check", "--config", str(system.config)], shared / "h")
    assert status == 1 and err.count("\n") == 1
    assert err.startswith(f"ERROR cannot read the state file {system.state_dir}/state.json as {builder.name}: ")
    assert err.endswith(
        "; it is the system service's (it runs as i15-no-such-service-user): `systemctl status codeartifact-refresher` "
        f"shows the service, `sudo codeartifact-refresher status --config {system.config}` its tokens\n"
    )
    assert (checked, said) == (0, ""), "check stays allowed for everyone"


def test_the_service_user_and_root_are_not_stopped(system, shared, monkeypatch):
    with users(("i15-svc", ())) as (service,):
        monkeypatch.setattr(layouts, "SYSTEM", Layout(config_dir=system.config_dir, user=service.name))
        for path in (system.state_dir, system.state_dir / "state.json"):
            os.chown(path, service.uid, service.gid)  # its state directory, as StateDirectory= makes it
        status, err = cli_as(service.uid, service.gid, ["refresh", "--dry-run", "--config", str(system.config)], shared)
    assert status == 0 and "ERROR" not in err and "pip.conf: would write" in err, "the service user refreshes"
    assert not layouts.foreign_system_config(system.config, euid=0)
