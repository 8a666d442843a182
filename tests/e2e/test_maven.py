"""The real Maven resolves through the stand-in with the settings.xml `refresh` wrote, and Maven's
own settings reader takes our server from amid foreign content.

Maven Central is out of reach here, so the project is one that ``mvn validate`` can build with no
plugin at all: its parent POM and a build extension (a jar) come from the stand-in. Maven takes
``~`` from Java's ``user.home`` (the password database, not ``$HOME``): ``-Duser.home`` points it
at the test's HOME.
"""

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from codeartifact_refresher.testing.writer_contract import is_subsequence
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.maven import Writer

from ..conftest import write_config
from .clients import client_env, refresher, run
from .tools import tool

pytestmark = pytest.mark.e2e

GROUP = "com.example.codeartifact"
USER_SETTINGS = """\
<?xml version="1.0" encoding="UTF-8"?>
<!-- my Maven settings: keep me -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <offline>false</offline>
  <servers>
    <!-- the team's release repository -->
    <server>
      <id>team-releases</id>
      <username>deployer</username>
      <password><![CDATA[p<a>ss&word]]></password>
    </server>
  </servers>
  <profiles>
    <profile>
      <id>team</id>
      <properties><team.name>R&amp;D</team.name></properties>
    </profile>
  </profiles>
</settings>
"""


def project(home: Path, endpoint: str, declare_repository: bool) -> Path:
    """A pom-packaged project whose parent and build extension only the stand-in holds; with
    ``declare_repository`` it names the repository itself (the server-only setup), else it
    relies on a mirror."""
    repos = ""
    if declare_repository:
        repo = f"<id>codeartifact</id><url>{endpoint}</url>"
        repos = (
            f"<repositories><repository>{repo}</repository></repositories>"
            f"<pluginRepositories><pluginRepository>{repo}</pluginRepository></pluginRepositories>"
        )
    path = home / "proj"
    path.mkdir(exist_ok=True)
    (path / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>\n'
        f"<parent><groupId>{GROUP}</groupId><artifactId>ca-demo-parent</artifactId><version>1.0.0</version>"
        "<relativePath/></parent>\n"
        f"<artifactId>app</artifactId><packaging>pom</packaging>{repos}\n"
        f"<build><extensions><extension><groupId>{GROUP}</groupId><artifactId>ca-demo-lib</artifactId>"
        "<version>1.0.0</version></extension></extensions></build>\n</project>\n"
    )
    return path


def mvn(home: Path, proj: Path) -> subprocess.CompletedProcess:
    env = client_env(home, MAVEN_OPTS=f"-Duser.home={home}", MAVEN_SKIP_RC="1")
    return run([tool("mvn"), "-B", "-ntp", "validate"], env, cwd=proj)


@pytest.fixture
def maven_repo(standin):
    repo = standin.add_repository("acme", "maven-store", "maven")
    repo.publish_maven(GROUP, "ca-demo-parent", "1.0.0", packaging="pom")
    repo.publish_maven(GROUP, "ca-demo-lib", "1.0.0")
    repo.publish_maven("org.codehaus.plexus", "plexus-utils", "1.1")  # every extension's implied dependency
    return repo


@pytest.mark.parametrize("mirror", [True, False], ids=["mirror", "server-only"])
def test_mvn_resolves_through_the_standin_then_refused_when_stale(standin, clock, tmp_path, home, maven_repo, mirror):
    settings = home / ".m2" / "settings.xml"
    settings.parent.mkdir()
    settings.write_text(USER_SETTINGS)
    option = ", mirror: true" if mirror else ""
    config = write_config(tmp_path / "c.yaml", standin, f"      - {{writer: maven, repository: maven-store{option}}}\n")
    proj = project(home, standin.endpoint(maven_repo), declare_repository=not mirror)
    local = home / ".m2" / "repository" / "com" / "example" / "codeartifact"

    done = refresher(config)
    assert done.returncode == 0, done.stderr
    assert is_subsequence(USER_SETTINGS.splitlines(), settings.read_text().splitlines())
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    done = mvn(home, proj)
    assert done.returncode == 0, done.stdout[-3000:]
    assert (local / "ca-demo-lib" / "1.0.0" / "ca-demo-lib-1.0.0.jar").exists()
    assert standin.calls["maven:authorized"] >= 4  # two poms, a jar, their checksums

    clock.advance(901)  # the token lapses; a fresh local repository makes Maven ask again
    shutil.rmtree(home / ".m2" / "repository")
    refused = standin.calls["maven:refused"]
    done = mvn(home, proj)
    assert done.returncode != 0 and "401" in done.stdout
    assert standin.calls["maven:refused"] > refused

    assert refresher(config).returncode == 0
    shutil.rmtree(home / ".m2" / "repository")
    done = mvn(home, proj)
    assert done.returncode == 0, done.stdout[-3000:]


# the team's settings saved in ISO 8859-1, as their declaration says: a comment and a value not in ASCII
LATIN1_SETTINGS = (
    USER_SETTINGS.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    .replace("my Maven settings: keep me", "réglages Maven de l'équipe: gardez-moi")
    .replace("R&amp;D", "Équipe R&amp;D")
    .encode("latin-1")
)


def test_mvn_authenticates_with_an_iso_8859_1_settings_xml_we_wrote_in_its_encoding(
    standin, tmp_path, home, maven_repo
):
    settings = home / ".m2" / "settings.xml"
    settings.parent.mkdir()
    settings.write_bytes(LATIN1_SETTINGS)
    config = write_config(
        tmp_path / "c.yaml", standin, "      - {writer: maven, repository: maven-store, mirror: true}\n"
    )
    proj = project(home, standin.endpoint(maven_repo), declare_repository=False)

    done = refresher(config)
    assert done.returncode == 0, done.stderr  # before: "is not UTF-8 text", refused
    written = settings.read_bytes()
    assert written.decode("latin-1").count("\n") > LATIN1_SETTINGS.decode("latin-1").count("\n")
    # every byte of the user's lines (ISO 8859-1 maps each byte to one character and back)
    assert is_subsequence(LATIN1_SETTINGS.decode("latin-1").split("\n"), written.decode("latin-1").split("\n"))
    assert b"\xe9quipe" in written and "équipe".encode() not in written  # still ISO 8859-1, no UTF-8 crept in
    done = mvn(home, proj)
    assert done.returncode == 0, done.stdout[-3000:]
    assert standin.calls["maven:authorized"] >= 4


# -- Maven's own settings reader ------------------------------------------------------------------


@pytest.fixture(scope="module")
def maven_reader(tmp_path_factory):
    """Runs ``tests/e2e/maven/SettingsDump.java``, compiled against the installed Maven's jars."""
    lib = Path(tool("mvn")).resolve().parents[1] / "lib"
    classes = tmp_path_factory.mktemp("settings-dump")
    source = Path(__file__).with_name("maven") / "SettingsDump.java"
    subprocess.run([tool("javac"), "-d", str(classes), "-cp", f"{lib}/*", str(source)], check=True)

    def read(path: Path) -> subprocess.CompletedProcess:
        cmd = [tool("java"), "-cp", f"{classes}:{lib}/*", "SettingsDump", str(path)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    return read


def entries(done: subprocess.CompletedProcess) -> list[list[str]]:
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines()]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_mavens_reader_takes_our_server_and_mirror_and_keeps_the_users(maven_reader, tmp_path, newline):
    user = USER_SETTINGS.replace(
        "  <profiles>",
        "  <mirrors>\n    <mirror><id>corp</id><mirrorOf>central</mirrorOf><url>https://corp/</url></mirror>\n  </mirrors>\n  <profiles>",
    ).replace("\n", newline)
    endpoint = "https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/maven/store/"
    writer = Writer(mirror=True)
    first = writer.render(user, Credentials(endpoint, "first&<token>"))
    path = tmp_path / "settings.xml"
    path.write_bytes(writer.render(first, Credentials(endpoint, "second-token")).encode())
    assert entries(maven_reader(path)) == [
        ["server", "team-releases", "deployer", "p<a>ss&word"],
        ["server", "codeartifact", "aws", "second-token"],
        ["mirror", "codeartifact", "*", endpoint],
        ["mirror", "corp", "central", "https://corp/"],
    ]


def test_what_the_writer_refuses_maven_refuses_too(maven_reader, tmp_path):
    """A second <servers> is refused by both (Maven: "Duplicated tag"), so refusing loses nothing."""
    text = "<settings><servers/><servers/></settings>\n"
    path = tmp_path / "settings.xml"
    path.write_text(text)
    assert maven_reader(path).returncode != 0
    with pytest.raises(Exception, match="line 1: a second <servers>"):
        Writer().render(text, Credentials("https://h/maven/r/", "t"))
