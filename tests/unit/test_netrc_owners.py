"""Two domain entries whose repository endpoints share one host, which ``check`` could not tell
(their endpoint_url names do not resolve): at refresh, the first to write the host's netrc entry
keeps it, and the second is refused every time with one line naming both, the file and the host,
instead of the two overwriting each other's token (issue 16, item 13)."""

from __future__ import annotations

import netrc
from pathlib import Path

import pytest

from codeartifact_refresher import cli, config, refresh
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.config import hosts
from codeartifact_refresher.writers.registry import Registry


@pytest.fixture
def unresolved(monkeypatch):
    """A process of its own for the owners, and lookups that find nothing (as a name that only
    a VPC's DNS knows, from a build host outside it): check compares names only."""
    monkeypatch.setattr(hosts, "OWNERS", hosts.Owners())
    monkeypatch.setattr(hosts, "addresses", lambda names, timeout=0.0: {n: frozenset() for n in names})


def two_spellings(tmp_path, standin):
    standin.add_repository("beta", "pypi-store", "pypi")
    path = tmp_path / "config.yaml"
    path.write_text(
        "domains:\n"
        + "".join(
            f'  - domain: {name}\n    owner: "{standin.account}"\n    region: us-east-1\n'
            f"    endpoint_url: http://{host}:{standin.port}\n"
            "    targets: [{writer: netrc, repository: pypi-store}]\n"
            for name, host in (("acme", "127.0.0.1"), ("beta", "localhost"))
        )
    )
    return path


def password(home, host: str) -> str:
    found = netrc.netrc(str(home / ".netrc")).authenticators(host)
    assert found is not None
    return str(found[2])


def whose(standin, token: str) -> str:
    """The domain the stand-in issued ``token`` for (its own record: token -> ((domain, owner), expiry))."""
    return str(standin._tokens[token][0][0])


def test_the_first_owner_keeps_the_host_and_the_second_is_refused_at_every_refresh(tmp_path, standin, home, unresolved):
    registry = Registry()
    acme, beta = config.load(two_spellings(tmp_path, standin), registry).domains  # check cannot tell
    clients, host = Clients(attempts=1), standin.host
    assert refresh.refresh_domain(acme, clients, registry).ok
    acme_token = password(home, host)
    for _ in range(3):  # either order, several rounds: never a flip-flop
        issued = set(standin.issued_tokens())
        report = refresh.refresh_domain(beta, clients, registry)
        beta_tokens = set(standin.issued_tokens()) - issued
        [result] = report.targets
        assert not report.ok and result.error == (
            f"{home / '.netrc'}: domains acme ({standin.account}) and beta ({standin.account}) both reach host "
            f"{host}, and this file has one entry per host; acme ({standin.account}) keeps it, this target is "
            "refused (give it another path)"
        )
        assert password(home, host) not in beta_tokens and whose(standin, password(home, host)) == "acme"
        assert refresh.refresh_domain(acme, clients, registry).ok
        assert whose(standin, password(home, host)) == "acme"
        standin.clock.run(800)  # new tokens each round
    assert password(home, host) != acme_token  # acme still refreshes its own entry


def test_refresh_says_it_in_one_line_and_exits_1(tmp_path, standin, home, unresolved, capsys):
    assert cli.main(["refresh", "--config", str(two_spellings(tmp_path, standin))]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("ERROR")]
    refused = [line for line in errors if "both reach host" in line]
    assert len(refused) == 1 and str(home / ".netrc") in refused[0], errors
    assert not any(token in "\n".join(errors) for token in standin.issued_tokens())


def test_a_reload_that_removes_the_owner_frees_its_hosts(standin, unresolved):
    from codeartifact_refresher.config.model import Domain
    from codeartifact_refresher.outputs import FileOutput
    from codeartifact_refresher.writers import netrc as netrc_writer

    out = {"main": FileOutput(Path("/nonexistent/.netrc"))}
    first, second = Domain("acme", ()), Domain("beta", ())
    hosts.OWNERS.claim(first, [netrc_writer.claim()], out, "h.example")
    with pytest.raises(Exception, match=r"acme and beta both reach host H.example"):
        hosts.OWNERS.claim(second, [netrc_writer.claim()], out, "H.example")
    hosts.OWNERS.release([first.key])
    hosts.OWNERS.claim(second, [netrc_writer.claim()], out, "h.example")


def test_the_next_run_keeps_the_owner_whichever_domain_refreshes_first(
    tmp_path, standin, home, unresolved, monkeypatch, capsys
):
    """A new process each run (the one-shot refresh from cron): the endpoints earlier runs found
    decide, in the config's order, before any refresh ends."""
    import dataclasses

    path = two_spellings(tmp_path, standin)
    assert cli.main(["refresh", "--config", str(path)]) == 1  # acme first: acme owns the host
    capsys.readouterr()
    real = refresh.refresh_all

    def beta_first(cfg, *args, **kwargs):  # beta's refresh ends first this time
        backwards = dataclasses.replace(cfg, domains=cfg.domains[::-1])
        return real(backwards, *args, **kwargs)[::-1]

    monkeypatch.setattr(refresh, "refresh_all", beta_first)
    for _ in range(2):
        monkeypatch.setattr(hosts, "OWNERS", hosts.Owners())  # a new process
        issued = set(standin.issued_tokens())
        assert cli.main(["refresh", "--config", str(path)]) == 1
        refused = [line for line in capsys.readouterr().err.splitlines() if "both reach host" in line]
        assert len(refused) == 1 and refused[0].startswith(f"ERROR beta ({standin.account})"), refused
        token = password(home, standin.host)
        assert token not in issued and whose(standin, token) == "acme"  # acme's, from this run


def test_a_reload_that_moves_the_owners_target_away_frees_the_host(tmp_path, standin, home, clock, unresolved):
    """The owner gives the host entry up (its netrc target removed, as the refusal's advice
    leads to) while it stays in the config: after the reload the second domain gets the entry,
    without a restart."""
    from codeartifact_refresher.service.daemon import Daemon
    from codeartifact_refresher.state import State

    from .test_daemon import FakeNotifier, FakeScheduler

    standin.token_lifetime = 3600
    path, registry = two_spellings(tmp_path, standin), Registry()
    daemon = Daemon(
        config.load(path, registry),
        State.load(tmp_path / "state.json"),
        registry,
        Clients(clock=clock.utcnow, attempts=1),
        loader=lambda: config.load(path, registry),
        clock=clock,
        notifier=FakeNotifier(),
        scheduler=FakeScheduler(),
    )
    daemon.start()
    acme, beta = (next(k for k, d in daemon.domains.items() if d.domain == name) for name in ("acme", "beta"))
    daemon.refresh_job(acme)
    daemon.refresh_job(beta)
    assert whose(standin, password(home, standin.host)) == "acme"
    # acme now writes pip's config, not the netrc: beta's target is the host entry's only one
    path.write_text(path.read_text().replace("writer: netrc", "writer: pip", 1))
    daemon.reload()
    daemon.refresh_job(acme)
    issued = set(standin.issued_tokens())
    daemon.refresh_job(beta)
    assert daemon.state.get(daemon.domains[beta]).last_error is None
    token = password(home, standin.host)
    assert token not in issued and whose(standin, token) == "beta"
