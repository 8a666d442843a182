"""doctor's uv, poetry, twine and netrc checks, from facts: the variables and files that win over
what a target writes."""

from codeartifact_refresher.doctor.tools import netrc, poetry, twine, uv

from .doctor_facts import HOME, INDEX, make, problems, texts, view

UV = "/home/u/.config/uv/uv.toml"
NETRC = "/home/u/.netrc"
UV_FILES = {"netrc": NETRC}


def test_uv_reads_the_user_file_and_the_default_index_variables_replace_a_primary_index():
    target = view("uv", UV, files=UV_FILES)
    assert texts(uv.check(target, make({UV: ""}))) == [f"ok: uv reads {UV} for u"]
    for variable in ("UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        found = uv.check(target, make({UV: ""}, environ={variable: "https://pypi.org/simple"}))
        assert problems(found) == [
            f"{variable} is set (https://pypi.org/simple), and uv takes it as its default index instead of {UV}'s: unset it"
        ]
    assert (
        problems(uv.check(view("uv", UV, index="extra"), make({UV: ""}, environ={"UV_INDEX_URL": "https://x/"}))) == []
    )


def test_uv_index_is_searched_first_and_a_token_for_the_repository_in_it_is_nobody_renews():
    target = view("uv", UV, files=UV_FILES)
    found = uv.check(target, make({UV: ""}, environ={"UV_INDEX": "internal=https://pkgs.example/simple"}))
    assert texts(found)[1:] == [
        f"note: UV_INDEX is set (internal=https://pkgs.example/simple): uv searches it before {UV}'s index"
    ]
    stale = INDEX.replace("https://", "https://aws:OLD@")
    found = uv.check(target, make({UV: ""}, environ={"UV_INDEX": f"ca={stale}"}))
    assert problems(found) == [
        "UV_INDEX holds a token for this repository that nobody renews, and uv uses it: unset it"
    ]


def test_uv_config_file_and_no_config():
    target = view("uv", UV)
    found = uv.check(target, make({UV: ""}, environ={"UV_CONFIG_FILE": "/etc/ci/uv.toml"}))
    assert problems(found) == [
        f"UV_CONFIG_FILE is set to /etc/ci/uv.toml in u's environment, and uv reads that file instead of {UV}: unset it, "
        "or give the uv target (line 9) `path: /etc/ci/uv.toml`"
    ]
    found = uv.check(target, make({UV: ""}, environ={"UV_NO_CONFIG": "1"}))
    assert problems(found) == [f"UV_NO_CONFIG is set in u's environment: uv reads no config file, not {UV}: unset it"]


POETRY = "/home/u/.config/pypoetry/config.toml"
POETRY_FILES = {"auth": "/home/u/.config/pypoetry/auth.toml"}


def test_poetry_config_dir_and_its_variables():
    target = view("poetry", POETRY, files=POETRY_FILES)
    assert problems(poetry.check(target, make({POETRY: ""}))) == []
    found = poetry.check(target, make({POETRY: ""}, environ={"POETRY_CONFIG_DIR": "/opt/poetry"}))
    assert problems(found) == [
        f"poetry reads its config from /opt/poetry for u, not from {HOME}/.config/pypoetry: set "
        f"POETRY_CONFIG_DIR={HOME}/.config/pypoetry in u's login environment, or move the poetry target (line 9) to /opt/poetry"
    ]
    environ = {
        "POETRY_HTTP_BASIC_CODEARTIFACT_PASSWORD": "OLD",
        "POETRY_HTTP_BASIC_CODEARTIFACT_USERNAME": "aws",
        "POETRY_REPOSITORIES_CODEARTIFACT_URL": "https://other.example/",
    }
    found = poetry.check(target, make({POETRY: ""}, environ=environ))
    assert problems(found) == [
        "POETRY_HTTP_BASIC_CODEARTIFACT_PASSWORD is set in u's environment, and poetry uses it instead of the password in "
        "auth.toml, which nobody renews: unset it",
        f"POETRY_REPOSITORIES_CODEARTIFACT_URL is set (https://other.example/), and poetry uses it instead of {POETRY}'s: unset it",
    ]


PYPIRC = "/home/u/.pypirc"


def test_twine_variables_win_over_the_pypirc():
    target = view("twine", PYPIRC)
    assert texts(twine.check(target, make({PYPIRC: ""}))) == [
        f"ok: twine reads {PYPIRC} for u: `twine upload -r codeartifact`"
    ]
    environ = {"TWINE_PASSWORD": "x", "TWINE_USERNAME": "me", "TWINE_REPOSITORY_URL": "https://upload.pypi.org/legacy/"}
    found = twine.check(target, make({PYPIRC: ""}, environ=environ))
    assert problems(found) == [
        "TWINE_PASSWORD is set in u's environment, and twine uses it instead of [codeartifact]'s password, which nobody "
        "renews: unset it",
        "TWINE_USERNAME is set to me, and CodeArtifact takes only aws: unset it",
        f"TWINE_REPOSITORY_URL is set (https://upload.pypi.org/legacy/): twine uploads there and takes no credentials from "
        f"{PYPIRC}: unset it, and upload with `twine upload -r codeartifact`",
    ]
    other = twine.check(view("twine", "/srv/pypirc"), make({}, environ={"TWINE_REPOSITORY": "pypi"}))
    assert [f.level for f in other] == ["note", "note"]


def test_netrc_follows_the_netrc_variable():
    target = view("pip", "/home/u/.config/pip/pip.conf", credentials="netrc", files={"netrc": NETRC})
    assert texts(netrc.check(target, make())) == [f"ok: pip, poetry and uv read {NETRC} for u (netrc)"]
    found = netrc.check(target, make(environ={"NETRC": "/etc/ci-netrc"}))
    assert problems(found) == [
        f"NETRC is set to /etc/ci-netrc in u's environment, so pip, poetry and uv read that file, not {NETRC}: unset it, "
        "or give the pip target (line 9) that netrc path"
    ]
    moved = view("netrc", "/srv/netrc")
    assert problems(netrc.check(moved, make()))[0].startswith(
        f"pip, poetry and uv read {NETRC} for u, not /srv/netrc: set NETRC=/srv/netrc"
    )
    assert netrc.check(view("pip", "/home/u/.config/pip/pip.conf"), make()) == []  # its token is in the URL
