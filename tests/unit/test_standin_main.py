"""What ``python -m codeartifact_refresher.testing`` makes: a repository of every format, each
found through botocore's ``GetRepositoryEndpoint`` and serving its demo package to a live token,
so that every writer page's example can be tried against it (README, "The local CodeArtifact
stand-in")."""

import json
import time

import pytest

from codeartifact_refresher import config
from codeartifact_refresher.aws import tokens
from codeartifact_refresher.testing import __main__ as standin_main
from codeartifact_refresher.testing import cargo_repo, maven_repo, packages
from tests.unit.test_standin import get

GROUP, ARTIFACT, VERSION = maven_repo.DEMO
#: format -> (the demo package's path below the endpoint, how its clients send the token)
DEMO_PATHS = {
    "pypi": (f"simple/{packages.DEMO_NAME}/", "Basic"),
    "npm": (packages.DEMO_NAME, "Bearer"),
    "maven": (maven_repo.path_of(GROUP, ARTIFACT, VERSION, "jar"), "Basic"),
    "cargo": (f"{cargo_repo.prefix_path(cargo_repo.DEMO_CRATE)}", "Bearer"),
    "ruby": (f"info/{packages.DEMO_NAME}", "Basic"),
}


@pytest.fixture
def built(home):
    with standin_main.build("demo", lifetime=900) as standin:
        yield standin


def lookup(standin, fmt):
    domain = config.Domain("demo", (), owner=standin.account, region="us-east-1", endpoint_url=standin.url)
    clients = tokens.Clients()
    return clients.token(domain).value, clients.endpoint(domain, f"{fmt}-store", fmt)


def test_one_repository_per_format_named_as_the_writer_pages_name_them(built):
    assert sorted(key[2:] for key in built.repositories) == sorted(
        (fmt, f"{fmt}-store") for fmt in ("pypi", "npm", "maven", "cargo", "ruby", "nuget", "swift", "generic")
    )


@pytest.mark.parametrize("fmt", sorted(DEMO_PATHS))
def test_each_served_format_holds_its_demo_package_behind_the_token(built, fmt):
    token, endpoint = lookup(built, fmt)
    path, scheme = DEMO_PATHS[fmt]
    status, body = get(endpoint + path, token, scheme)
    assert status == 200 and body
    assert get(endpoint + path)[0] == 401
    assert built.calls[f"{fmt}:authorized"] == 1 and built.calls[f"{fmt}:refused"] == 1


def test_the_npm_and_cargo_demo_packages_are_the_ones_named(built):
    token, endpoint = lookup(built, "npm")
    assert json.loads(get(endpoint + packages.DEMO_NAME, token, "Bearer")[1])["dist-tags"] == {"latest": "1.0.0"}
    token, endpoint = lookup(built, "cargo")
    line = json.loads(get(endpoint + cargo_repo.prefix_path(cargo_repo.DEMO_CRATE), token, "Bearer")[1])
    assert (line["name"], line["vers"]) == (cargo_repo.DEMO_CRATE, cargo_repo.DEMO_CRATE_VERSION)


def test_maven_holds_what_a_build_extension_needs_so_mvn_validate_can_use_only_the_stand_in(built):
    token, endpoint = lookup(built, "maven")
    for group, artifact, version in standin_main.MAVEN_ARTIFACTS:
        for ext in ("pom", "jar"):
            assert get(endpoint + maven_repo.path_of(group, artifact, version, ext), token)[0] == 200


@pytest.mark.parametrize("fmt", ["nuget", "swift", "generic"])
def test_formats_without_packages_still_answer_the_endpoint_lookup(built, fmt):
    token, endpoint = lookup(built, fmt)
    assert endpoint == f"{built.url}/demo-{built.account}/{fmt}/{fmt}-store/"
    status, body = get(endpoint + "anything", token, "Bearer")
    assert status == 404 and f"serves no {fmt} packages" in body.decode()


def test_the_banner_names_every_repository_its_endpoint_and_what_it_holds(built):
    lines = standin_main.describe(built, "demo")
    assert lines[0].startswith(f"CodeArtifact stand-in at {built.url}: domain 'demo'")
    for fmt in standin_main.FORMATS:
        (line,) = [line for line in lines if f" {fmt}-store " in line]
        assert f"{built.url}/demo-{built.account}/{fmt}/{fmt}-store/" in line
    assert f"{GROUP}:{ARTIFACT}:{VERSION}" in "\n".join(lines)
    assert f"endpoint_url: {built.url}" in lines[-2]
    assert f"AWS_ENDPOINT_URL_CODEARTIFACT={built.url} AWS_ENDPOINT_URL_STS={built.url}" in lines[-1]


def test_the_standin_command_is_the_module_s_program(capsys, monkeypatch):
    """`codeartifact-refresher standin` serves what `python -m codeartifact_refresher.testing`
    serves (a pipx install has no `python -m` for its venv), until Ctrl-C."""
    from codeartifact_refresher import cli

    def interrupted(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupted)  # the module the stand-in sleeps through
    assert cli.main(["standin", "--domain", "shop", "--lifetime", "60"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("CodeArtifact stand-in at http://127.0.0.1:") and "domain 'shop'" in out[0]
    assert sum("repository:" in line for line in out) == len(standin_main.FORMATS)
    assert "AWS_ENDPOINT_URL_STS=" in out[-1]
