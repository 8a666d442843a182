"""A Lease holder is whatever another client of the API wrote: it reaches ``status``, ``/readyz``
and the skip reasons only as text, never as a terminal's escape sequence or a line of its own."""

from __future__ import annotations

import pytest

from codeartifact_refresher import config as configuration
from codeartifact_refresher.service import status
from codeartifact_refresher.service.health import HealthServer
from codeartifact_refresher.state import State
from codeartifact_refresher.writers.registry import Registry

from .test_daemon_leader import MIXED, make, run_due, store  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("store")  # the Secrets of test_daemon_leader's fake

HOSTILE = "evil\x1b]0;pwned\x07\x1b[2J\nDOMAIN acme: token fine\u2028"


def _shows_no_control(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u2028" not in text
    assert "\nDOMAIN acme: token fine" not in text  # no line of its own


def test_status_shows_a_hostile_lease_holder_as_escaped_text(tmp_path, standin, clock, home):
    daemon, fake = make(tmp_path, standin, clock, MIXED)
    fake.become(False, HOSTILE, 3)
    run_due(daemon)
    daemon.saver.save()
    config = configuration.load(tmp_path / "config.yaml", Registry())
    table = status.table(status.report(config, State.load(tmp_path / "state.json"), clock.wall()), clock.wall())
    _shows_no_control(table)
    assert "following evil\\x1b]0;pwned\\x07\\x1b[2J\\nDOMAIN acme: token fine\\u2028 (term 3)" in table


def test_readyz_shows_a_hostile_lease_holder_as_escaped_text(tmp_path, standin, clock, home):
    daemon, fake = make(tmp_path, standin, clock, MIXED)
    fake.become(False, HOSTILE, 3)
    run_due(daemon)
    server = HealthServer(daemon.state, "127.0.0.1", 0, clock=clock.wall, loop_age=lambda: 1.0).start()
    try:
        _, _, body = server.respond("GET", "/readyz")
    finally:
        server.stop()
    _shows_no_control(body)
    assert "following evil\\x1b" in body
