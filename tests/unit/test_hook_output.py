"""What a hook printed: a bounded tail, and a last line with every credential redacted, whoever's."""

import json
import secrets
import sys

from codeartifact_refresher import config, refresh
from codeartifact_refresher.aws.tokens import Clients
from codeartifact_refresher.hooks.output import LiveTokens, Tail, redact, shown_line
from codeartifact_refresher.writers.registry import Registry

from ..leaks import assert_no_token

PY = sys.executable
# prints every password of pip.conf's URLs bare, on one line: no key or URL around them to spot
PRINT_BARE = r"""
import pathlib, re, sys
text = (pathlib.Path.home() / ".config/pip/pip.conf").read_text()
print("tokens:", " ".join(re.findall(r"://aws:([^@]+)@", text)))
sys.exit(2)
"""


def test_another_domains_token_in_a_failing_hooks_output_is_redacted(standin, tmp_path, home, caplog):
    """Two domains share one pip.conf; the second one's hook prints both tokens, bare. The first
    domain's refresh is over by then: only the digest of its live token recognises it."""
    standin.add_repository("beta", "pypi-store", "pypi")
    hook = tmp_path / "print.py"
    hook.write_text(PRINT_BARE)
    path = tmp_path / "c.yaml"
    common = f'    owner: "{standin.account}"\n    region: us-east-1\n    endpoint_url: {standin.url}\n'
    path.write_text(
        "workers: 1\ndomains:\n"  # one after the other: beta's refresh has ended when acme's hook runs
        f"  - domain: beta\n{common}    targets:\n"
        "      - {writer: pip, repository: pypi-store, index: extra}\n"
        f"  - domain: acme\n{common}    on_change: [{PY}, {hook}]\n    targets:\n"
        "      - {writer: pip, repository: pypi-store}\n"
    )
    registry = Registry()
    reports = refresh.refresh_all(config.load(path, registry), Clients(), registry)
    [failure] = reports[1].hooks_failed
    assert failure.endswith("exited with status 2: tokens: <redacted> <redacted>"), failure
    assert len(standin.issued_tokens()) == 2
    assert_no_token(standin.issued_tokens(), {"log": caplog.text, "report": json.dumps(reports[1].hooks_failed)})


def test_every_credential_a_format_or_a_url_shows_is_redacted():
    lines = {
        "https-proxy=http://user:hunter2@proxy.example:3128/": "https-proxy=http://user:<redacted>@proxy.example:3128/",
        "extra-index-url = https://ghp_abcdef123456@git.example/simple/": "extra-index-url = https://<redacted>@git.example/simple/",
        "//registry.example/:_authToken=npm_secret1": "//registry.example/:_authToken=<redacted>",
        "password = s3cret!": "password = <redacted>",
        '{"token": "abc.def"}': '{"token": "<redacted>"}',
    }
    for line, shown in lines.items():
        assert redact(line) == shown
    # a format only its writer knows: the finder sees the whole output, and the line is redacted
    netrc = "machine host.example login aws passphrase opensesame"
    assert redact(netrc, [lambda text: text.split()[-1:]], context="x\n" + netrc) == netrc.replace(
        "opensesame", "<redacted>"
    )
    assert redact(netrc, [lambda text: [str(1 / 0)]]) == netrc  # a finder that fails finds nothing


def test_a_live_token_is_recognised_by_its_digest_until_it_expires():
    now = [1000.0]
    live, token = LiveTokens(clock=lambda: now[0]), secrets.token_urlsafe(96) + "=="
    live.remember(token, expires_at=2000.0)
    assert token not in repr(vars(live))  # digests only
    for around in ("{}", "x{}y", "_authToken={}", "%s", "quoted: {}"):
        text = around.format(token) if "{}" in around else f"quoted: {token.replace('=', '%3D')}"
        assert token[:20] not in live.redact(text) and "<redacted>" in live.redact(text)
    assert live.redact(token[:-5]) == token[:-5]  # a part of it is not it
    now[0] = 2000.0
    assert live.redact(token) == token and not len(live)  # expired: forgotten


def test_the_tail_keeps_the_end_and_never_a_cut_secrets_remainder():
    tail = Tail(limit=100)
    tail.add(b"a" * 150 + b"SECRETTOKEN-continues " + b"b" * 60)
    tail.add(b"c" * 100)  # past twice the limit: the front is dropped
    assert tail.cut and len(tail.text()) <= 100 and not tail.text().startswith("c" * 10 + "SECRET")
    tail = Tail(limit=16)
    tail.add(b"xxxxxxxxxxxxxxxxxxxxxxxx-TOKENPART tail\nlast line\n")
    assert shown_line(tail) == "last line"
    tail = Tail(limit=16)
    tail.add(b"x" * 40 + b"PARTOFATOKEN end")
    assert shown_line(tail) == "end"


def test_the_shown_line_is_printable_and_bounded():
    tail = Tail()
    tail.add(b"ok\n\x1b[31mERROR\x07 forged " + b"z" * 500 + b"\n\n")
    line = shown_line(tail)
    assert line.startswith("?[31mERROR? forged zz") and len(line) == 200 and line.endswith("...")
