"""Java's own ``Properties.load`` (Gradle's reader) reads back the token property that `refresh`
wrote into a gradle.properties with LF, CRLF and lone-CR line ends, each ending in a continued
value of the user's (``org.gradle.jvmargs=-Xmx2g \\``): our property stays its own entry, with the
token, and the user's value stays as Java read it before."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ..conftest import write_config
from .clients import client_env, refresher, run
from .tools import tool

pytestmark = pytest.mark.e2e

READER = Path(__file__).parent / "java" / "ReadProperties.java"


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def java_reads(home: Path, path: Path, *keys: str) -> dict[str, str]:
    """KEY -> SHA-256 of the value Java reads (or "null"), by a single-file Java program."""
    done = run([tool("java"), str(READER), str(path), *keys], client_env(home))
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.splitlines())


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_java_reads_our_property_and_the_users_continued_value(standin, tmp_path, home, monkeypatch, newline):
    standin.add_repository("acme", "maven-store", "maven", demo=False)
    user_home = home / ".gradle"
    user_home.mkdir()
    properties = user_home / "gradle.properties"
    user_text = f"# mine{newline}org.gradle.caching=true{newline}org.gradle.jvmargs=-Xmx2g \\{newline}"
    properties.write_bytes(user_text.encode())
    monkeypatch.setenv("GRADLE_USER_HOME", str(user_home))
    keys = ("org.gradle.jvmargs", "org.gradle.caching", "codeartifactToken")
    before = java_reads(home, properties, *keys)
    assert before["org.gradle.jvmargs"] == sha256("-Xmx2g ") and before["codeartifactToken"] == "null"

    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: gradle, repository: maven-store}\n")
    for _ in range(2):  # and a second refresh changes nothing around our line
        done = refresher(config)
        assert done.returncode == 0, done.stderr
    after = java_reads(home, properties, *keys)
    assert after["codeartifactToken"] == sha256(standin.issued_tokens()[-1])
    assert after["org.gradle.jvmargs"] == before["org.gradle.jvmargs"]
    assert after["org.gradle.caching"] == sha256("true")
    written = properties.read_bytes().decode()  # the user's bytes kept, our lines in the file's own ending
    assert written.startswith(user_text) and written.replace(user_text, "").count(newline) == 2
    assert written.count("\r") == user_text.count("\r") + (0 if newline == "\n" else 2)
