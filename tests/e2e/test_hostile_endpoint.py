"""A server's endpoint must not choose npm's key (issue 16, item 11).

The stand-in is told to answer GetRepositoryEndpoint with paths holding what npm's ``ini`` reads
as the end of a key (``;``, ``#``, ``=``), a blank, a line end, or its percent-encoding. The
refresh refuses the endpoint in one line naming the repository and the character, writes nothing,
and after several refreshes the user's own ``//registry.npmjs.org/:_authToken`` line is still
the one the real npm reads, with no line of ours added. A second test checks that our reader of
``.npmrc`` (:func:`~codeartifact_refresher.writers.formats.npmrc.read`) agrees with npm's own
``ini`` on lines built to confuse it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from codeartifact_refresher.writers.formats import npmrc

from ..conftest import write_config
from .clients import client_env, npm, refresher, run
from .tools import tool

pytestmark = pytest.mark.e2e

USER_NPMRC = "//registry.npmjs.org/:_authToken=npm_USERS0WNTOKEN\nsave-exact=true\n"
NPMJS_KEY = "//registry.npmjs.org/:_authToken"
CRAFTED = {
    "semicolon": ("x;//registry.npmjs.org/", "';'"),
    "hash": ("x#//registry.npmjs.org/", "'#'"),
    "equals": ("x=y/", "'='"),
    "space": ("x //registry.npmjs.org/", "' '"),
    "newline": ("x\n//registry.npmjs.org/", "'\\n'"),
    "percent-encoded newline": ("x%0a//registry.npmjs.org/", "'%'"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_endpoint_path_is_refused_and_the_users_npmjs_token_survives(standin, tmp_path, home, name):
    tool("npm")
    crafted, character = CRAFTED[name]
    npmrc_path = home / ".npmrc"
    npmrc_path.write_text(USER_NPMRC)
    standin.inject_answer("GetRepositoryEndpoint", {"repositoryEndpoint": f"{standin.url}/npm/{crafted}"}, times=3)
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: npm, repository: npm-store}\n")
    for _ in range(3):
        done = refresher(config)
        assert done.returncode == 1
        [refused] = [line for line in done.stderr.splitlines() if "GetRepositoryEndpoint returned" in line]
        assert f"an endpoint for npm-store whose path holds the character {character} (" in refused
        assert npmrc_path.read_text() == USER_NPMRC  # untouched: no line of ours, no duplicate
    assert standin.issued_tokens() and not any(t in done.stderr for t in standin.issued_tokens())
    assert npm_config_get(home, NPMJS_KEY) == "npm_USERS0WNTOKEN"

    done = refresher(config)  # the server answers as CodeArtifact does again: written, the user's line kept
    assert done.returncode == 0, done.stderr
    assert npmrc_path.read_text().startswith(USER_NPMRC)
    assert npm_config_get(home, NPMJS_KEY) == "npm_USERS0WNTOKEN"
    registry = npm(home, "config", "get", "registry").stdout.strip()
    assert registry.endswith("/npm/npm-store/") and npm_config_get(home, f"{registry[5:]}:_authToken")


def npm_root(home: Path) -> Path:
    """The npm package the ``npm`` command runs (its bundled ``ini`` and ``@npmcli/config``)."""
    return Path(tool("npm")).resolve().parents[1]


#: what ``npm config get KEY`` prints, had npm 11 not refused auth keys ("protected"): npm's own
#: config loader (``@npmcli/config``, which reads .npmrc with ``ini``) asked for the value
CONFIG_GET = """
const [root, key] = process.argv.slice(1);
const Config = require(root + '/node_modules/@npmcli/config');
const { definitions, flatten, shorthands } = require(root + '/node_modules/@npmcli/config/lib/definitions');
const conf = new Config({ npmPath: root, definitions, shorthands, flatten, argv: [process.argv[0], 'npm'] });
conf.load().then(() => { const v = conf.get(key); console.log(JSON.stringify(v === undefined ? null : v)); });
"""


def npm_config_get(home: Path, key: str) -> str | None:
    done = run([tool("node"), "-e", CONFIG_GET, str(npm_root(home)), key], client_env(home))
    assert done.returncode == 0, done.stderr
    value = json.loads(done.stdout)
    return None if value is None else str(value)


TRICKY_NPMRC = """\
//h.example/npm/x;//registry.npmjs.org/:_authToken=TOKEN-A
//h.example/npm/a=b/:_authToken=TOKEN-B
  key with spaces  =  "quoted ; value"  \t
k2 = 'single # quoted'
k3 = escaped \\; semicolon \\# hash ; comment
   ; a comment
  # another
flag
=nokey
registry=https://one.example/\r//two.example/:_authToken=TOKEN-C\r\r
dup=1
dup=2
[section]
inside=1
"""


def test_our_npmrc_reader_agrees_with_npms_own_ini(home):
    ini = npm_root(home) / "node_modules" / "ini"
    script = (
        "const ini = require(process.argv[1]); const out = ini.parse(require('fs').readFileSync(0, 'utf8'));"
        "const top = {}; for (const [k, v] of Object.entries(out)) if (typeof v !== 'object') top[k] = String(v);"
        "console.log(JSON.stringify(top));"
    )
    done = subprocess.run(
        [tool("node"), "-e", script, str(ini)], input=TRICKY_NPMRC, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert npmrc.read(TRICKY_NPMRC) == json.loads(done.stdout)
