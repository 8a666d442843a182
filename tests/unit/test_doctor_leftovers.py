"""doctor's leftovers, from facts (and real netrc files, as Python's netrc module reads them):
always-auth, a repository named twice, a netrc requests would ignore whole."""

from pathlib import Path

from codeartifact_refresher.doctor import leftovers
from codeartifact_refresher.doctor.findings import render

from .doctor_facts import INDEX, NPM_ENDPOINT, make, problems, texts, view

NPMRC = "/home/u/.npmrc"
HOST = "//acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/npm/npm-store/"
PIP = "/home/u/.config/pip/pip.conf"


def test_always_auth_is_a_leftover_unless_a_yarn_classic_target_writes_it():
    text = f"registry={NPM_ENDPOINT}\nalways-auth=true\n{HOST}:always-auth=true\n{HOST}:_authToken=T\n"
    npm = view("npm", NPMRC, NPM_ENDPOINT)
    found = leftovers.check(npm, make({NPMRC: text}), [npm])
    assert problems(found) == [
        f'{NPMRC} has `{key}`, which npm 11 warns about on every run ("Unknown user config"): run '
        "`codeartifact-refresher refresh` (it drops it), or remove it"
        for key in ("always-auth", f"{HOST}:always-auth")
    ]
    other = leftovers.check(npm, make({NPMRC: "//registry.example/:always-auth=true\n"}), [npm])
    assert problems(other)[0].endswith('("Unknown user config"): remove it')  # a refresh leaves another registry's
    yarn1 = view("yarn-classic", NPMRC, NPM_ENDPOINT)
    assert [p.split("`")[1] for p in problems(leftovers.check(npm, make({NPMRC: text}), [npm, yarn1]))] == [
        "always-auth"
    ]


def test_an_auth_line_spelled_twice_with_another_token():
    text = f"{HOST}:_authToken=CURRENT\n//ACME-111122223333.d.codeartifact.us-east-1.amazonaws.com:443/npm/npm-store/:_authToken=OLD\n"
    npm = view("npm", NPMRC, NPM_ENDPOINT)
    found = leftovers.check(npm, make({NPMRC: text}), [npm])
    assert problems(found) == [
        f"{NPMRC} spells the auth line for this repository twice: //ACME-111122223333.d.codeartifact.us-east-1.amazonaws.com:443"
        f"/npm/npm-store/:_authToken holds another token than {HOST}:_authToken, which npm uses: remove "
        "//ACME-111122223333.d.codeartifact.us-east-1.amazonaws.com:443/npm/npm-store/:_authToken"
    ]
    same = text.replace("OLD", "CURRENT")  # pnpm's :443 line, kept current: not a leftover
    assert problems(leftovers.check(npm, make({NPMRC: same}), [npm])) == []


def test_the_repository_as_both_index_url_and_extra_index_url_with_an_old_token():
    old, new = (INDEX.replace("https://", f"https://aws:{t}@") for t in ("OLDTOKEN", "NEWTOKEN"))
    facts = make({PIP: f"[global]\nindex-url = {old}\nextra-index-url = {new}\n"})
    target = view("pip", PIP, index="extra")
    found = leftovers.check(target, facts, [target])
    assert problems(found) == [
        f"pip has this repository twice: as extra-index-url ([global] extra-index-url in {PIP}) and as index-url ([global] "
        f"index-url in {PIP}) with another token (an old one nobody renews), so pip tries it twice and warns about a 401: "
        f"run `codeartifact-refresher refresh` (it keeps one), or remove it from [global] index-url in {PIP}"
    ]
    assert not any("TOKEN" in line for line in render(found, facts.secrets))


def test_two_pypirc_sections_for_the_repository():
    endpoint = INDEX.removesuffix("simple/")
    text = (
        "[distutils]\nindex-servers = codeartifact acme\n"
        f"[codeartifact]\nrepository = {endpoint}\nusername = aws\npassword = OLD\n"
        f"[acme]\nrepository = {endpoint}\nusername = aws\npassword = NEW\n"
    )
    target = view("twine", "/home/u/.pypirc", name="acme")
    assert problems(leftovers.check(target, make({"/home/u/.pypirc": text}), [target])) == [
        "/home/u/.pypirc has two sections for this repository, [acme] and [codeartifact] (with another token, an old "
        "one): remove [codeartifact] and its name in index-servers (a refresh does, when the section holds nothing else)"
    ]


def test_a_netrc_pythons_module_cannot_parse_is_ignored_whole_by_requests(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine good.example login aws password SECRET1\nmachine bad.example login aws passwrd SECRET2\n")
    target = view("netrc", str(netrc))
    facts = make({str(netrc): netrc.read_text()}, environ={"NETRC": str(netrc)})
    found = leftovers.check(target, facts, [target])
    assert problems(found) == [
        f"Python's netrc module cannot parse {netrc} (line 2: bad follower token), and requests (pip, poetry) then ignores "
        "the WHOLE file, this repository's entry too: fix line 2"
    ]
    other = view("pip", PIP)  # its token is in the URL: the broken netrc is worth a note only
    assert texts(leftovers.check(other, facts, [other]))[0].startswith("note: Python's netrc module cannot parse")
    netrc.write_text("machine good.example login aws password SECRET1\n")
    assert leftovers.check(target, make({str(netrc): ""}, environ={"NETRC": str(netrc)}), [target]) == []
    assert Path(netrc).exists()
