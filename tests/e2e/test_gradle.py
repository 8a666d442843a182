"""The real Gradle (Debian's 4.4.1) reads the token property that `refresh` wrote into
gradle.properties, next to a continued value of the user's, and the new token after a refresh;
and resolves a dependency from the stand-in's Maven repository with that property as the
password, is refused once the token lapses, and resolves again after a refresh."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from codeartifact_refresher.testing.writer_contract import is_subsequence

from ..conftest import write_config
from .clients import client_env, refresher, run
from .tools import tool

pytestmark = pytest.mark.e2e

USER_PROPERTIES = """\
# my Gradle settings
org.gradle.caching=false
greeting = hello \\
    world
"""
# prints a digest of the property, not the token itself, and the user's continued value
BUILD = """\
import java.security.MessageDigest
task show {
    doLast {
        def token = project.property('codeartifactToken')
        println "SHA256=" + MessageDigest.getInstance('SHA-256').digest(token.getBytes('UTF-8')).encodeHex()
        println "GREETING=" + project.property('greeting')
    }
}
"""


def gradle_show(home, project, user_home) -> str:
    env = client_env(home, GRADLE_USER_HOME=str(user_home), GRADLE_OPTS="-Xmx256m")
    done = run([tool("gradle"), "-q", "--offline", "--no-daemon", "show"], env, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_gradle_reads_the_token_property_and_the_new_one_after_refresh(standin, clock, tmp_path, home, monkeypatch):
    standin.add_repository("acme", "maven-store", "maven", demo=False)
    user_home = home / ".gradle"
    user_home.mkdir()
    (user_home / "gradle.properties").write_text(USER_PROPERTIES)
    monkeypatch.setenv("GRADLE_USER_HOME", str(user_home))
    project = tmp_path / "proj"
    project.mkdir()
    (project / "settings.gradle").write_text("")
    (project / "build.gradle").write_text(BUILD)
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: gradle, repository: maven-store}\n")

    assert refresher(config).returncode == 0
    written = (user_home / "gradle.properties").read_text()
    assert is_subsequence(USER_PROPERTIES.splitlines(), written.splitlines())
    first = standin.issued_tokens()[-1]
    out = gradle_show(home, project, user_home)
    assert f"SHA256={sha256(first)}" in out and "GREETING=hello world" in out

    clock.advance(901)
    assert refresher(config).returncode == 0
    second = standin.issued_tokens()[-1]
    assert second != first
    assert f"SHA256={sha256(second)}" in gradle_show(home, project, user_home)


RESOLVE = """\
repositories {
    maven {
        url "%s"
        credentials {
            username "aws"
            password codeartifactToken
        }
    }
}
configurations { fetched }
dependencies { fetched "com.example.demo:demo-lib:1.0.0" }
task fetch {
    doLast { configurations.fetched.files.each { println "FETCHED=" + it.name } }
}
"""


def gradle_fetch(home, project, user_home, *extra: str):
    env = client_env(home, GRADLE_USER_HOME=str(user_home), GRADLE_OPTS="-Xmx256m")
    return run([tool("gradle"), "-q", "--no-daemon", *extra, "fetch"], env, cwd=project)


def test_gradle_resolves_with_the_property_then_refused_when_stale_then_again(
    standin, clock, tmp_path, home, monkeypatch
):
    repo = standin.add_repository("acme", "maven-store", "maven", demo=False)
    repo.publish_maven("com.example.demo", "demo-lib", "1.0.0")
    user_home = home / ".gradle"
    project = tmp_path / "proj"
    project.mkdir()
    (project / "settings.gradle").write_text("")
    (project / "build.gradle").write_text(RESOLVE % standin.endpoint(repo))
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: gradle, repository: maven-store}\n")
    monkeypatch.setenv("GRADLE_USER_HOME", str(user_home))
    assert refresher(config).returncode == 0

    done = gradle_fetch(home, project, user_home)
    assert done.returncode == 0 and "FETCHED=demo-lib-1.0.0.jar" in done.stdout, done.stdout + done.stderr
    authorized = standin.calls["maven:authorized"]
    assert authorized >= 2  # the pom and the jar, with the token from gradle.properties

    clock.advance(901)  # the token lapses; --refresh-dependencies makes Gradle ask again
    done = gradle_fetch(home, project, user_home, "--refresh-dependencies")
    assert done.returncode != 0 and standin.calls["maven:refused"] >= 1

    assert refresher(config).returncode == 0
    done = gradle_fetch(home, project, user_home, "--refresh-dependencies")
    assert done.returncode == 0 and "FETCHED=demo-lib-1.0.0.jar" in done.stdout, done.stdout + done.stderr
    assert standin.calls["maven:authorized"] > authorized


# a file saved in ISO 8859-1 (IntelliJ's default for .properties): é and ü are single bytes, and the
# last line has no line end
LATIN1_PROPERTIES = "# Réglages de l'équipe\ngreeting=h\xe9llo\nname=J\xfcrgen".encode("latin-1")


def java_load(path) -> list[list[str]]:
    """What ``Properties.load(InputStream)`` (Gradle's reader) takes from ``path``: tests/e2e/java/Load.java."""
    program = Path(__file__).with_name("java") / "Load.java"
    done = subprocess.run([tool("java"), str(program), str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()]


def test_java_reads_an_iso_8859_1_gradle_properties_we_wrote_with_the_users_values_intact(standin, tmp_path, home):
    standin.add_repository("acme", "maven-store", "maven", demo=False)
    properties = home / ".gradle" / "gradle.properties"
    properties.parent.mkdir()
    properties.write_bytes(LATIN1_PROPERTIES)
    config = write_config(tmp_path / "c.yaml", standin, "      - {writer: gradle, repository: maven-store}\n")

    done = refresher(config)
    assert done.returncode == 0, done.stderr  # before: "is not UTF-8 text (byte 3)", refused
    token = standin.issued_tokens()[-1]
    assert properties.read_bytes() == LATIN1_PROPERTIES + f"\ncodeartifactToken={token}\n".encode()
    assert java_load(properties) == [
        ["codeartifactToken", token],
        ["greeting", "h\\u00E9llo"],
        ["name", "J\\u00FCrgen"],
    ]
