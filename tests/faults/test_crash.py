"""Crash consistency: a writer killed with SIGKILL at random moments, many times over. Every target
file afterwards is whole: the old version or the new one, never a mix, and it parses."""

import configparser
import contextlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.registry import Registry

from ..conftest import ALL_TARGETS, write_config

KILLS = 30
PLACEHOLDER = "TOKEN-PLACEHOLDER"
BULK = "".join(f"# a user's comment line {i}, kept byte for byte\n" for i in range(3000))  # ~150 KB per file

# A zygote: it loads the config and botocore once, then forks a fresh writer for each line on its
# stdin, prints the writer's pid, and "dead" once the test has killed it; the writer says "wrote"
# after its first round. Each writer starts from the same point a newly started process would reach
# after start-up (the client made, no call yet, nothing written), at a fraction of the cost of a new
# interpreter.
ZYGOTE = textwrap.dedent("""
    import os, sys
    from codeartifact_refresher import config, refresh
    from codeartifact_refresher.writers.registry import Registry
    from codeartifact_refresher.aws.tokens import Clients
    registry = Registry()
    cfg = config.load(sys.argv[1], registry)
    clients = Clients()
    clients.client(cfg.domains[0])  # botocore loaded before the fork: the kills land among writes
    for _ in sys.stdin:
        pid = os.fork()
        if pid == 0:
            refresh.refresh_all(cfg, clients, registry)
            print("wrote", flush=True)  # one round done: the kill lands among later writes, however slow the host
            while True:
                refresh.refresh_all(cfg, clients, registry)
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("dead", flush=True)
""")


def originals(home):
    return {
        home / ".config" / "pip" / "pip.conf": "[global]\ntimeout = 30\n" + BULK,
        home / ".npmrc": "fund=false\n" + BULK,
        home / ".pypirc": "[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\n" + BULK,
    }


def expected_after_a_write(standin, path, original):
    """The file as a refresh writes it, with the token replaced by a placeholder."""
    writer = {"pip.conf": "pip", ".npmrc": "npm", ".pypirc": "twine"}[path.name]
    cls = Registry().get(writer)
    fmt = cls.format
    repo = next(r for k, r in standin.repositories.items() if k[2] == fmt)
    return cls().render(original, Credentials(standin.endpoint(repo), PLACEHOLDER, repo.name))


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_half_written_file(standin, tmp_path, home):
    config = write_config(tmp_path / "config.yaml", standin, ALL_TARGETS)
    targets = originals(home)
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    rendered = {p: expected_after_a_write(standin, p, t) for p, t in targets.items()}
    rng = random.Random(4)
    seen_versions: set[str] = set()
    zygote = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, str(config)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    child = None
    try:
        for _ in range(KILLS):
            zygote.stdin.write("go\n")
            zygote.stdin.flush()
            # the pid (from the zygote) and "wrote" (from the writer), in whichever order they came
            lines = {zygote.stdout.readline().strip() for _ in range(2)}
            assert "wrote" in lines, lines
            child = int((lines - {"wrote"}).pop())
            time.sleep(rng.uniform(0.0, 0.4))  # let it write for a random while, then kill it mid-stride
            os.kill(child, signal.SIGKILL)
            assert zygote.stdout.readline() == "dead\n"
            child = None
            check(standin, targets, rendered, seen_versions)
    finally:
        if child is not None:  # the test failed between the fork and the kill
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        zygote.kill()
        zygote.wait()
        zygote.stdin.close()
        zygote.stdout.close()
    assert len(seen_versions) > KILLS // 2, "the kills should land between many different writes"
    # a normal run afterwards cleans up what the kills left behind
    assert cli.main(["refresh", "--config", str(config)]) == 0
    leftovers = [p.name for p in home.rglob("*.tmp")]
    assert leftovers == []


def check(standin, targets, rendered, seen_versions):
    """Every target is the old or the new version, whole, and parses."""
    tokens = standin.issued_tokens()
    for path, original in targets.items():
        text = path.read_text()
        found = [t for t in tokens if t in text]
        normal = text.replace(found[0], PLACEHOLDER) if found else text
        assert normal in (original, rendered[path]), f"{path} is neither the old nor the new version"
        assert len(found) <= 1
        if path.name != ".npmrc":
            configparser.ConfigParser(interpolation=None).read_string(text)
        seen_versions.add(found[0] if found else None)
