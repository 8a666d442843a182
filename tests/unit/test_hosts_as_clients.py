"""An international host name is spelled as each client spells it when it looks its credentials
up: UTS 46, non-transitional (``straße.de`` is ``xn--strae-oqa.de``; IDNA 2003, Python's ``idna``
codec, made it ``strasse.de``, a host neither npm nor pip asks for). Each client's own code says
what it looks up: npm's ``nerfDart`` (the ``//host/path/`` of its ``_authToken`` keys) run by node,
and pip's vendored requests (the URL it sends and the netrc ``machine`` it reads)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codeartifact_refresher.errors import WriterError
from codeartifact_refresher.testing.writer_contract import TOKEN_1
from codeartifact_refresher.writers import netrc, npm
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.formats import urls

from ..e2e.tools import tool

#: names whose IDNA 2003 and UTS 46 non-transitional spellings differ (ß, final ς), and a plain one
#: with a port. (A capital final Σ is left out: npm's WHATWG URL maps it to σ, pip's urllib3  # noqa: RUF003
#: lower-cases the label first, to ς; the two clients disagree, and we spell it as npm does.)
HOSTS = ["straße.de", "Faß.Example", "χαρακτήρες.gr", "bücher.example:8443"]


def endpoint(name: str) -> str:
    return f"https://{name}/npm/store/"


def npm_nerf_darts(urls_: list[str]) -> list[str]:
    """npm's own ``nerfDart`` (``@npmcli/config``, the module npm builds its auth keys with)."""
    cli = Path(tool("npm")).resolve()  # .../npm/bin/npm-cli.js
    module = cli.parents[1] / "node_modules" / "@npmcli" / "config" / "lib" / "nerf-dart.js"
    script = (
        f"const nerf = require({json.dumps(str(module))}); console.log(JSON.stringify(process.argv.slice(1).map(nerf)))"
    )
    done = subprocess.run([tool("node"), "-e", script, *urls_], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def pip_lookups(url: str, netrc_text: str, tmp_path: Path) -> tuple[str, list[str]]:
    """The URL pip's requests sends for ``url``, and the netrc credentials it finds for it."""
    (tmp_path / "netrc").write_text(netrc_text)
    script = (
        "import json, sys\n"
        "from pip._vendor.requests import PreparedRequest\n"
        "from pip._vendor.requests.utils import get_netrc_auth\n"
        "request = PreparedRequest()\n"
        "request.prepare_url(sys.argv[1], None)\n"
        "print(json.dumps([request.url, get_netrc_auth(request.url)]))\n"
    )
    env = {"NETRC": str(tmp_path / "netrc"), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    sent, auth = json.loads(done.stdout)
    return sent, auth


def test_the_npm_key_is_the_one_npm_looks_up():
    wanted = npm_nerf_darts([endpoint(h) for h in HOSTS])
    for name, nerf in zip(HOSTS, wanted, strict=True):
        text = npm.Writer().render(None, Credentials(endpoint(name), TOKEN_1))
        keys = [line.split("=")[0].strip() for line in text.splitlines() if ":_authToken" in line]
        assert keys == [f"{nerf}:_authToken"], name
    assert wanted[0] == "//xn--strae-oqa.de/npm/store/"  # not IDNA 2003's strasse.de


def test_node_and_urls_agree_on_the_host():
    script = "console.log(JSON.stringify(process.argv.slice(1).map((u) => new URL(u).host)))"
    done = subprocess.run(
        [tool("node"), "-e", script, *[endpoint(h) for h in HOSTS]], capture_output=True, text=True, timeout=60
    )
    assert json.loads(done.stdout) == [urls.host(endpoint(h)) for h in HOSTS]


@pytest.mark.parametrize("name", HOSTS)
def test_pip_sends_our_host_and_finds_our_netrc_machine(name, tmp_path):
    creds = Credentials(f"https://{name}/pypi/store/", TOKEN_1)
    sent, auth = pip_lookups(f"https://{name}/pypi/store/simple/", netrc.Writer().render(None, creds), tmp_path)
    assert urls.host(sent) == creds.host == urls.host(f"https://{name}/")
    assert auth == ["aws", TOKEN_1]


@pytest.mark.parametrize("name", ["☃.example", "-bücher.example", "a_ü.example"])
def test_a_host_uts46_refuses_is_one_clear_writer_error(name):
    with pytest.raises(WriterError) as e:
        npm.Writer().render(None, Credentials(endpoint(name), TOKEN_1))
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"the host name {name!r} is not a valid international domain name (UTS 46: ")
    assert TOKEN_1 not in message


def test_a_refused_host_in_a_users_entry_is_kept_as_written():
    """Hosts of foreign entries are only compared with ours: one UTS 46 refuses is not an error."""
    assert urls.host("https://☃.example/x") == "☃.example"
    assert urls.host_name("Bücher.Example:8443") == "xn--bcher-kva.example:8443"
