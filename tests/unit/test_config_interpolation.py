"""``${VAR}`` in config values (config/interpolation.py), as docker compose reads them."""

import pytest

from codeartifact_refresher import config
from codeartifact_refresher.config.interpolation import InterpolationError, interpolate
from codeartifact_refresher.errors import ConfigError

ENV = {"SET": "value", "EMPTY": "", "PORT": "9464"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${SET}", "value"),
        ("a/${SET}/b", "a/value/b"),
        ("${UNSET:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${UNSET-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${SET:-fallback}", "value"),
        ("${UNSET:-${SET}/x}", "value/x"),
        ("${EMPTY?why}", ""),
        ("$$", "$$"),  # a shell's pid in a hook: kept (compose would read "$")
        ("echo $$ > pid", "echo $$ > pid"),
        ("$${SET}", "${SET}"),
        ("sh -c 'echo $${HOME:-/}'", "sh -c 'echo ${HOME:-/}'"),
        ("cost: $5 and $HOME", "cost: $5 and $HOME"),
        ("no reference", "no reference"),
    ],
)
def test_references_resolve_as_compose_resolves_them(text, expected):
    assert interpolate(text, ENV) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${UNSET}", "${UNSET} is not set in the environment; set it, or give a default with ${UNSET:-DEFAULT}"),
        (
            "${EMPTY:?set EMPTY to your role}",
            "${EMPTY} is not set in the environment; set it, or set EMPTY to your role",
        ),
        ("${UNSET?needed}", "${UNSET} is not set in the environment; set it, or needed"),
        ("${SET", "${SET...: expected '}', ':-', '-', ':?' or '?' after the name"),
        ("${SET:-x", "a '${' without its closing '}'"),
        ("${1X}", "'${' must be followed by a variable name"),
    ],
)
def test_a_reference_that_cannot_be_resolved_says_which_and_what_to_do(text, message):
    with pytest.raises(InterpolationError) as raised:
        interpolate(text, ENV)
    assert str(raised.value).startswith(message)


def write(tmp_path, body):
    path = tmp_path / "c.yaml"
    path.write_text(body)
    return path


def test_ci_writes_the_env_file_path_and_numbers_from_the_environment(tmp_path):
    path = write(
        tmp_path,
        "domains:\n"
        "  - domain: ${DOMAIN:-acme}\n"
        "    duration: ${DURATION:-900}\n"
        "    targets:\n"
        "      - {writer: env, repository: pypi-store, path: '${GITHUB_ENV}'}\n"
        "health:\n  port: ${PORT}\n",
    )
    cfg = config.load(path, environ={"GITHUB_ENV": str(tmp_path / "github_env"), "PORT": "9464", "HOME": "/h"})
    (domain,) = cfg.domains
    assert (domain.domain, domain.duration, cfg.health.port) == ("acme", 900, 9464)
    assert domain.targets[0].path == tmp_path / "github_env"


def test_a_quoted_value_stays_a_string_and_keys_are_never_interpolated(tmp_path):
    path = write(
        tmp_path,
        "domains:\n  - domain: acme\n    duration: '${DURATION}'\n    targets: [{writer: pip, repository: r1}]\n",
    )
    with pytest.raises(ConfigError, match=r"c.yaml:3: duration: expected 0 .* got '900'"):
        config.load(path, environ={"DURATION": "900", "HOME": "/h"})
    path = write(tmp_path, "${KEY}: 1\ndomains: []\n")
    with pytest.raises(ConfigError, match=r"unknown key '\$\{KEY\}' in the config"):
        config.load(path, environ={"KEY": "domains", "HOME": "/h"})


def test_a_value_from_the_environment_is_checked_like_any_other(tmp_path):
    path = write(tmp_path, "domains:\n  - domain: ${D}\n    targets: [{writer: pip, repository: r1}]\n")
    with pytest.raises(ConfigError, match=r"c.yaml:2: domain: 'Not A Domain' is not valid"):
        config.load(path, environ={"D": "Not A Domain", "HOME": "/h"})
    with pytest.raises(ConfigError, match=r"c.yaml:2: domain: contains a control character"):
        config.load(path, environ={"D": "acme\nregion: x", "HOME": "/h"})
