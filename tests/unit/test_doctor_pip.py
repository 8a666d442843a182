"""doctor's pip checks, from facts: which file pip reads for the reader, and where each command
takes its index from."""

from pathlib import Path

from codeartifact_refresher.doctor.facts import Answer
from codeartifact_refresher.doctor.findings import render
from codeartifact_refresher.doctor.targets import TargetView
from codeartifact_refresher.doctor.tools import pip

from .doctor_facts import INDEX, make, problems, texts, view

USER_FILE = "/home/u/.config/pip/pip.conf"
OURS = f"[global]\nindex-url = {INDEX.replace('https://', 'https://aws:CURRENT@')}\n"


def check(files=None, target=None, **kw):
    return pip.check(target or view("pip", USER_FILE), make({USER_FILE: OURS, **(files or {})}, **kw))


def test_a_clean_user_file_is_read_and_every_command_takes_its_index_url():
    found = check()
    assert problems(found) == []
    assert f"ok: pip reads {USER_FILE} for u (no pip on u's PATH; worked out from the environment)" in texts(found)
    assert f"ok: pip takes index-url from {USER_FILE} for every command" in texts(found)


def test_pip_index_url_in_the_environment_wins_and_is_shown_redacted():
    facts = make({USER_FILE: OURS}, environ={"PIP_INDEX_URL": "https://me:SECRET@pypi.example/simple/"})
    found = pip.check(view("pip", USER_FILE), facts)
    assert problems(found) == [
        "PIP_INDEX_URL is set in u's environment (https://me:<redacted>@pypi.example/simple/: another index), and pip "
        f"uses it instead of {USER_FILE}'s index-url: unset it (look in the shell's startup files and /etc/profile.d/)"
    ]
    assert "SECRET" not in "".join(render(found, facts.secrets))


def test_pip_config_file_naming_another_file_hides_the_user_file():
    found = check({"/etc/build/pip.conf": "[global]\n"}, environ={"PIP_CONFIG_FILE": "/etc/build/pip.conf"})
    assert problems(found) == [
        f"PIP_CONFIG_FILE is set to /etc/build/pip.conf in u's environment, and pip reads that file instead of {USER_FILE}: "
        "unset it, or give the pip target (line 9) `path: /etc/build/pip.conf`"
    ]


def test_pip_config_file_at_dev_null_means_no_file_at_all():
    found = check(environ={"PIP_CONFIG_FILE": "/dev/null"})
    assert problems(found) == [
        f"PIP_CONFIG_FILE=/dev/null in u's environment: pip reads no config file, not {USER_FILE}: unset it, or set "
        f"PIP_CONFIG_FILE={USER_FILE}"
    ]


def test_pip_config_file_naming_the_targets_file_is_fine():
    found = check(
        {"/srv/ca/pip.conf": OURS},
        target=view("pip", "/srv/ca/pip.conf"),
        environ={"PIP_CONFIG_FILE": "/srv/ca/pip.conf"},
    )
    assert problems(found) == [] and "ok: pip reads /srv/ca/pip.conf for u" in texts(found)[0]


def test_a_file_pip_does_not_read_for_this_user_says_how_to_make_it_read():
    found = check({"/srv/ca/pip.conf": OURS}, target=view("pip", "/srv/ca/pip.conf"))
    assert problems(found) == [
        f"pip does not read /srv/ca/pip.conf for u (it reads: {USER_FILE}): set PIP_CONFIG_FILE=/srv/ca/pip.conf in u's "
        "login environment (a file in /etc/profile.d/ on a build host), or give the pip target (line 9) the path pip reads"
    ]


def test_a_virtualenvs_own_pip_conf_overrides_the_user_file():
    venv = "/home/u/venv"
    found = check(
        {f"{venv}/pip.conf": "[global]\nindex-url = https://pypi.org/simple\n"}, environ={"VIRTUAL_ENV": venv}
    )
    assert problems(found) == [
        f"pip takes index-url from [global] index-url in {venv}/pip.conf (https://pypi.org/simple: another index) instead "
        f"of {USER_FILE}: remove [global] index-url from that virtualenv's own pip.conf (it overrides the user's), or give "
        f"the pip target (line 9) `path: {venv}/pip.conf`"
    ]


def test_an_install_section_in_the_global_file_beats_the_users_global_section_for_pip_install_only():
    found = check({"/etc/pip.conf": "[install]\nindex-url = https://mirror.example/simple\n"})
    assert problems(found) == [
        "pip install takes index-url from [install] index-url in /etc/pip.conf (https://mirror.example/simple: another "
        f"index) instead of {USER_FILE}: remove [install] index-url from /etc/pip.conf, or point it at this repository"
    ]


def test_pip_config_debug_is_asked_and_its_files_are_the_ones_checked():
    debug = (
        "env_var:\nenv:\nglobal:\n  /etc/pip.conf, exists: False\nsite:\n  /opt/tool/pip.conf, exists: True\n"
        f"    global.index-url: https://pypi.org/simple\nuser:\n  /home/u/.pip/pip.conf, exists: False\n  {USER_FILE}, exists: True\n"
    )
    answers = {("pip", "config", "debug"): Answer("/usr/bin/pip", "pip config debug", output=debug)}
    found = check({"/opt/tool/pip.conf": "[global]\nindex-url = https://pypi.org/simple\n"}, answers=answers)
    assert f"ok: pip reads {USER_FILE} for u (asked `pip config debug` (/usr/bin/pip))" in texts(found)
    assert [p.split(" (")[0] for p in problems(found)] == [
        "pip takes index-url from [global] index-url in /opt/tool/pip.conf"
    ]


def test_the_same_repository_with_an_old_token_from_elsewhere_is_a_token_nobody_renews():
    old = INDEX.replace("https://", "https://aws:OLD@")
    found = check(environ={"PIP_INDEX_URL": old})
    assert "this repository with credentials of its own, which nobody renews" in problems(found)[0]


def test_with_credentials_in_netrc_a_clean_url_of_the_repository_elsewhere_is_fine():
    target = view("pip", USER_FILE, credentials="netrc", files={"netrc": "/home/u/.netrc"})
    found = check({USER_FILE: f"[global]\nindex-url = {INDEX}\n"}, target=target, environ={"PIP_INDEX_URL": INDEX})
    assert problems(found) == []


def test_an_extra_target_is_hidden_by_pip_extra_index_url_without_it():
    target = view("pip", USER_FILE, index="extra")
    files = {USER_FILE: f"[global]\nextra-index-url = {INDEX}\n"}
    found = check(files, target=target, environ={"PIP_EXTRA_INDEX_URL": "https://other.example/simple"})
    assert (
        "PIP_EXTRA_INDEX_URL is set in u's environment (https://other.example/simple: a list without this repository)"
        in problems(found)[0]
    )
    # pip then has this repository's URL only from the variable: without credentials, unless they are in netrc
    listed = {"PIP_EXTRA_INDEX_URL": f"https://x.example/simple {INDEX}"}
    assert (
        "(https://x.example/simple https://acme-111122223333.d.codeartifact.us-east-1.amazonaws.com/pypi/pypi-store/simple/: this repository without the token)"
        in problems(check(files, target=target, environ=listed))[0]
    )
    netrc = view("pip", USER_FILE, index="extra", credentials="netrc", files={"netrc": "/home/u/.netrc"})
    assert problems(check(files, target=netrc, environ=listed)) == []


def test_no_index_makes_pip_ignore_every_index():
    found = check(environ={"PIP_NO_INDEX": "1"})
    assert problems(found) == ["pip ignores every index: no-index is set (PIP_NO_INDEX in the environment): remove it"]


def test_a_pip_conf_pip_cannot_parse_stops_every_command():
    found = check({"/etc/pip.conf": "index-url = no section\n"})
    assert problems(found) == [
        "pip cannot parse /etc/pip.conf (MissingSectionHeaderError) and stops every command: fix it"
    ]


def test_a_file_without_the_key_yet_asks_for_a_refresh():
    found = check({USER_FILE: "[global]\ntimeout = 60\n"})
    assert problems(found) == [
        f"{USER_FILE} has no index-url, so pip takes none from it: run `codeartifact-refresher refresh`"
    ]


def test_without_a_config_the_variables_are_notes():
    default = TargetView("pip", (("main", Path(USER_FILE)),), where="pip's default file")
    found = pip.check(default, make({}, environ={"PIP_INDEX_URL": "https://x.example/"}))
    assert texts(found)[1:] == [
        "note: PIP_INDEX_URL is set (https://x.example/): pip uses it instead of any file's index-url"
    ]
