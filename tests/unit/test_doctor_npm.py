"""doctor's npm-family and Yarn checks, from facts: which .npmrc (or .yarnrc.yml) the tool reads
for the reader, and what a project file or a variable puts over it."""

from pathlib import Path

from codeartifact_refresher.doctor.facts import Answer
from codeartifact_refresher.doctor.findings import render
from codeartifact_refresher.doctor.tools import npm, yarn

from .doctor_facts import HOME, NPM_ENDPOINT, make, problems, texts, view

NPMRC = "/home/u/.npmrc"
HOST = "//acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/"
OURS = f"registry={NPM_ENDPOINT}\n{HOST}:_authToken=CURRENT\n"
PROJECT = HOME / "proj"


def answered(value: str) -> dict:
    return {
        ("npm", "config", "get", "registry"): Answer("/usr/bin/npm", "npm config get registry", output=value + "\n")
    }


def check(files=None, target=None, **kw):
    kw.setdefault("answers", answered(NPM_ENDPOINT))
    return npm.check(target or view("npm", NPMRC, NPM_ENDPOINT), make({NPMRC: OURS, **(files or {})}, **kw))


def test_a_clean_user_file_is_read_and_npm_answers_the_repository():
    found = check()
    assert problems(found) == []
    assert texts(found) == [
        f"ok: npm reads {NPMRC} for u",
        f"ok: `npm config get registry` in {HOME} answers {NPM_ENDPOINT}, this repository",
    ]


def test_a_project_npmrc_in_the_project_root_above_the_current_folder_wins():
    files = {f"{PROJECT}/package.json": "{}", f"{PROJECT}/.npmrc": "registry=https://registry.npmjs.org/\n"}
    found = check(files, cwd=PROJECT / "src", answers=answered("https://registry.npmjs.org/"))
    assert problems(found) == [
        f"{PROJECT}/.npmrc, a project .npmrc read in {PROJECT}/src, sets registry=https://registry.npmjs.org/, which npm "
        f"uses instead of {NPMRC}'s: remove it, or point it at this repository"
    ]
    assert (
        texts(found)[-1]
        == f"note: `npm config get registry` in {PROJECT}/src answers https://registry.npmjs.org/ (see above)"
    )


def test_a_project_npmrc_with_its_own_token_for_the_repository_is_a_token_nobody_renews():
    found = check(
        {f"{HOME}/.npmrc.d": "", f"{HOME}/x/.npmrc": f"{HOST.upper()[:2]}{HOST[2:]}:_authToken=OLD\n"}, cwd=HOME / "x"
    )
    assert problems(found) == [
        f"{HOME}/x/.npmrc, a project .npmrc read in {HOME}/x, holds its own token for this repository ({HOST}:_authToken), "
        f"which nobody renews and npm uses instead of {NPMRC}'s: remove that line"
    ]


def test_npm_config_registry_is_read_without_case():
    for name in ("NPM_CONFIG_REGISTRY", "npm_config_registry", "Npm_Config_Registry"):
        found = check(environ={name: "https://registry.npmjs.org/"}, answers=answered("https://registry.npmjs.org/"))
        assert problems(found) == [
            f"{name} is set in u's environment (https://registry.npmjs.org/), and npm uses it instead of {NPMRC}'s "
            "registry: unset it (look in the shell's startup files and /etc/profile.d/)"
        ]


def test_a_scoped_target_is_judged_by_its_scopes_registry():
    target = view("npm", NPMRC, NPM_ENDPOINT, scope="@acme")
    answers = {
        ("npm", "config", "get", "@acme:registry"): Answer(
            "/usr/bin/npm", "npm config get @acme:registry", output="undefined\n"
        )
    }
    found = check(target=target, answers=answers, environ={"NPM_CONFIG_REGISTRY": "https://registry.npmjs.org/"})
    assert problems(found) == [
        f"`npm config get @acme:registry` in {HOME} answers undefined, not this repository: run `npm config ls -l` there "
        "to see which file or variable sets it"
    ]


def test_npm_config_userconfig_naming_another_file():
    found = check(
        environ={"NPM_CONFIG_USERCONFIG": "/etc/npmrc-build"}, answers=answered("https://registry.npmjs.org/")
    )
    assert problems(found)[0] == (
        f"NPM_CONFIG_USERCONFIG is set to /etc/npmrc-build in u's environment, and npm reads that file instead of {NPMRC}: "
        "unset it, or give the npm target (line 9) `path: /etc/npmrc-build`"
    )
    assert problems(check(environ={"npm_config_userconfig": NPMRC})) == []


def test_a_file_npm_does_not_read_for_this_user():
    found = check({"/srv/ca/npmrc": OURS}, target=view("pnpm", "/srv/ca/npmrc", NPM_ENDPOINT))
    assert problems(found) == [
        f"pnpm does not read /srv/ca/npmrc for u (its user file is {NPMRC}): set NPM_CONFIG_USERCONFIG=/srv/ca/npmrc in "
        "u's login environment (a file in /etc/profile.d/ on a build host), or give the pnpm target (line 9) `path: ~/.npmrc`"
    ]


def test_an_auth_variable_for_the_repository_is_a_token_nobody_renews():
    facts = make({NPMRC: OURS}, environ={f"npm_config_{HOST}:_authToken": "ENVTOKEN"}, answers=answered(NPM_ENDPOINT))
    found = npm.check(view("npm", NPMRC, NPM_ENDPOINT), facts)
    assert problems(found) == [
        f"npm_config_{HOST}:_authToken in u's environment holds a token for this repository that nobody renews, and npm "
        f"uses it instead of {NPMRC}'s: unset it"
    ]
    assert "ENVTOKEN" not in "".join(render(found, facts.secrets))


def test_yarn_classic_reads_every_parent_folders_npmrc():
    files = {
        f"{HOME}/a/package.json": "{}",
        f"{HOME}/.npmrc-other": "",
        f"{HOME}/a/b/.npmrc": "x=1\n",
        f"{HOME}/.npmrc": OURS,
    }
    files["/.npmrc"] = "registry=https://registry.yarnpkg.com/\n"
    found = check(files, target=view("yarn-classic", NPMRC, NPM_ENDPOINT), cwd=HOME / "a" / "b")
    assert [p.split(",")[0] for p in problems(found)] == ["/.npmrc"]
    # npm itself stops at the project root (a/), and reads a/.npmrc only
    assert problems(check(files, cwd=HOME / "a" / "b")) == []


YARNRC = "/home/u/.yarnrc.yml"
YARN_OURS = f'npmRegistryServer: "{NPM_ENDPOINT[:-1]}"\n'


def yarn_check(files=None, **kw):
    return yarn.check(view("yarn", YARNRC, NPM_ENDPOINT), make({YARNRC: YARN_OURS, **(files or {})}, **kw))


def test_yarn_reads_the_home_rc_file_and_a_project_rc_file_wins():
    assert texts(yarn_check()) == [f"ok: Yarn reads {YARNRC} for u"]
    found = yarn_check({f"{PROJECT}/.yarnrc.yml": "npmRegistryServer: https://registry.yarnpkg.com\n"}, cwd=PROJECT)
    assert problems(found) == [
        f"{PROJECT}/.yarnrc.yml, read in {PROJECT}, sets the registry server to https://registry.yarnpkg.com, which Yarn "
        f"uses instead of {YARNRC}'s: remove it, or point it at this repository"
    ]


def test_yarn_project_rc_with_a_token_for_the_repository_and_the_registry_variable():
    rc = f'npmRegistries:\n  "{HOST}":\n    npmAuthToken: OLDTOKEN\n'
    facts = make(
        {YARNRC: YARN_OURS, f"{PROJECT}/.yarnrc.yml": rc},
        cwd=PROJECT,
        environ={"YARN_NPM_REGISTRY_SERVER": "https://r.example"},
    )
    found = yarn.check(view("yarn", YARNRC, NPM_ENDPOINT), facts)
    assert problems(found) == [
        f"YARN_NPM_REGISTRY_SERVER is set (https://r.example), and Yarn uses it instead of {YARNRC}'s: unset it",
        f"{PROJECT}/.yarnrc.yml, read in {PROJECT}, holds its own token for this repository, which nobody renews: remove npmRegistries.{HOST}",
    ]
    assert "OLDTOKEN" in facts.secrets


def test_yarn_rc_filename_moves_the_home_file():
    found = yarn.check(
        view("yarn", YARNRC, NPM_ENDPOINT), make({YARNRC: YARN_OURS}, environ={"YARN_RC_FILENAME": ".yarnrc.ci.yml"})
    )
    assert problems(found) == [
        f"Yarn does not read {YARNRC} for u (it reads {HOME}/.yarnrc.ci.yml and each .yarnrc.ci.yml from {HOME} up): "
        f"give the yarn target (line 9) `path: {HOME}/.yarnrc.ci.yml`"
    ]
    assert Path(YARNRC).name == ".yarnrc.yml"
