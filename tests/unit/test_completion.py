"""``completion bash|zsh|fish``: each script is run by its real shell and asked to complete.

bash: the script is sourced and its completion function called with ``COMP_WORDS`` set, as bash
does on Tab. zsh: a Tab typed into an interactive zsh in a pseudo-terminal (``zsh_capture.zsh``),
the script autoloaded from ``$fpath`` or sourced. fish: ``complete -C``. What each should offer is
read from the real parser here (the ``COMMANDS`` table, each subparser's option strings and
choices, the writer registry), never listed by hand, so new commands and options are covered.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from codeartifact_refresher import cli, commands, completion
from codeartifact_refresher.commands import completion as completion_command
from codeartifact_refresher.writers.registry import Registry

from ..e2e.tools import tool

PROG = "codeartifact-refresher"
CAPTURE = Path(__file__).with_name("zsh_capture.zsh")


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for flag, action in parser._option_string_actions.items() if action.help != argparse.SUPPRESS}


#: a USER option's values: the user names (`compgen -u`), which other tests' throw-away users
#: change meanwhile; "root" is among them
USERS = {"root"}


def expected_values(action: argparse.Action) -> set[str] | None:
    """What an option's value should complete to, by the rule the docs state (None: files)."""
    if action.choices is not None:
        return {str(c) for c in action.choices}
    names = {action.dest.lower(), str(action.metavar or "").lower()}
    if names & {"tool", "writer"}:
        return set(Registry().names())
    if names & {"file", "path"}:
        return None
    if "user" in names:
        return USERS
    return set()


def bash_words(line: str) -> list[str]:
    """The words bash gives a completion function for ``line`` (it splits ``--opt=value`` at ``=``)."""
    words = [part for word in line.split() for part in re.split(r"(=)", word) if part]
    return [*words, ""] if line.endswith((" ", "=")) else words


def complete_bash(script: str, lines: list[str], cwd: Path, prog: str = PROG) -> list[set[str]]:
    """What the script's completion function puts in COMPREPLY for each line, in one real bash."""
    driver = [
        f"source {shlex.quote(script)}",
        f"fn=$(complete -p {prog} | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')",
        'c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); "$fn"; printf "%s\\n" "${COMPREPLY[@]}" "<<END>>"; }',
        *("c " + " ".join(shlex.quote(w) for w in bash_words(line)) for line in lines),
    ]
    done = subprocess.run(
        [tool("bash"), "--norc", "--noprofile", "-c", "\n".join(driver)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    replies = done.stdout.split("<<END>>\n")[:-1]
    assert len(replies) == len(lines)
    return [set(reply.split("\n")) - {""} for reply in replies]


def complete_zsh(script: Path, line: str, cwd: Path, sourced: bool = False) -> set[str]:
    fpath = script.parent / "fpath"
    fpath.mkdir(exist_ok=True)
    if not sourced:
        (fpath / f"_{line.split()[0]}").write_text(script.read_text())
    argv = [tool("zsh"), "-f", str(CAPTURE), str(fpath), line, *([str(script)] if sourced else [])]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.splitlines())


def complete_fish(script: Path, line: str, cwd: Path) -> set[str]:
    command = f"source {shlex.quote(str(script))}; complete -C {shlex.quote(line)}"
    done = subprocess.run(
        [tool("fish"), "--no-config", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return {entry.split("\t")[0] for entry in done.stdout.splitlines()}


@pytest.fixture
def scripts(tmp_path, capsys) -> dict[str, Path]:
    """The scripts as ``codeartifact-refresher completion SHELL`` prints them, in files."""
    paths = {}
    for shell in completion.SHELLS:
        assert cli.main(["completion", shell]) == 0
        paths[shell] = tmp_path / f"{PROG}.{shell}"
        paths[shell].write_text(capsys.readouterr().out)
    return paths


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A current directory with a config file and a directory to complete."""
    work = tmp_path / "work"
    (work / "configs").mkdir(parents=True)
    (work / "config.yaml").write_text("domains: []\n")
    return work


def test_the_command_offers_one_script_per_shell():
    parser = subparsers(cli.build_parser())["completion"]
    shell = next(a for a in parser._actions if a.dest == "shell")
    assert tuple(shell.choices or ()) == completion.SHELLS == completion_command.SHELLS


def test_bash_completes_commands_options_and_values(scripts, workdir):
    parser = cli.build_parser()
    names = set(commands.COMMANDS)
    lines = [f"{PROG} ", *(f"{PROG} {name[:2]}" for name in names), f"{PROG} -", f"{PROG} --log-format json --verbose "]
    lines += [f"{PROG} {name} -" for name in names]
    got = complete_bash(str(scripts["bash"]), lines, workdir)
    assert got[0] == names == got[-1 - len(names)]
    assert all(name in reply for name, reply in zip(names, got[1:], strict=False))
    assert got[len(names) + 1] == options(parser)
    for name, reply in zip(names, got[-len(names) :], strict=True):
        assert reply == options(subparsers(parser)[name]), name


def test_bash_completes_every_options_value_as_the_parser_says(scripts, workdir):
    """choices, the writers' names for a writer option (``login --tool``), files for FILE options."""
    cases = []
    for name, sub in subparsers(cli.build_parser()).items():
        for flag, action in sub._option_string_actions.items():
            if action.nargs != 0 and action.help != argparse.SUPPRESS:
                cases.append((f"{PROG} {name} {flag} ", expected_values(action)))
    assert any(values for _, values in cases) and any(values is None for _, values in cases)
    got = complete_bash(str(scripts["bash"]), [line for line, _ in cases], workdir)
    for (line, values), reply in zip(cases, got, strict=True):
        if values is USERS:
            assert reply >= USERS, line
            continue
        assert reply == ({"config.yaml", "configs"} if values is None else values), line


def test_bash_completes_option_values_in_every_spelling(scripts, workdir):
    choices = set(next(a for a in cli.build_parser()._actions if a.dest == "log_format").choices or ())
    lines = [
        f"{PROG} --log-format ",
        f"{PROG} check --log-format=",
        f"{PROG} check --log-format=j",
        f"{PROG} check --config conf",
    ]
    got = complete_bash(str(scripts["bash"]), lines, workdir)
    assert got == [choices, choices, {c for c in choices if c.startswith("j")}, {"config.yaml", "configs"}]


def test_bash_completes_positionals_from_their_choices(scripts, workdir):
    cases = [
        (name, action)
        for name, sub in subparsers(cli.build_parser()).items()
        for action in sub._actions
        if not action.option_strings and action.choices
    ]
    assert cases  # `completion SHELL` at least
    got = complete_bash(str(scripts["bash"]), [f"{PROG} {name} " for name, _ in cases], workdir)
    assert got == [set(action.choices or ()) for _, action in cases]
    assert complete_bash(str(scripts["bash"]), [f"{PROG} completion bash "], workdir) == [set()]


def fake_parser(prog: str) -> argparse.ArgumentParser:
    """A program with a writer option and help text full of characters each shell quotes."""
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command").add_parser("login", help='it\'s [odd]: $HOME `x` \\ "q"')
    sub.add_argument("--tool", metavar="TOOL", help="what's written: [a] $(b) c:d")
    sub.add_argument("--writer", help="the same, by dest")
    sub.add_argument("--as", dest="user", metavar="USER", help="a user")
    sub.add_argument("--where", metavar="DIR", help="a directory")
    completion.complete_with(sub.add_argument("--store", metavar="X", help="a file, by hand"), completion.spec.FILE)
    return parser


def test_a_writer_option_completes_with_the_installed_writers_in_every_shell(tmp_path, workdir):
    writers = set(Registry().names())
    assert len(writers) >= 3
    files = {}
    for shell in completion.SHELLS:
        files[shell] = tmp_path / f"fake.{shell}"
        files[shell].write_text(completion.script(shell, fake_parser("fake-refresher")))
    lines = ["fake-refresher login --tool ", "fake-refresher login --writer ", "fake-refresher login --store conf"]
    expected = [writers, writers, {"config.yaml", "configs"}]
    assert complete_bash(str(files["bash"]), lines, workdir, prog="fake-refresher") == expected
    assert [complete_zsh(files["zsh"], line, workdir) for line in lines] == expected
    fish = [complete_fish(files["fish"], line, workdir) for line in lines]
    assert fish[:2] == expected[:2] and {"config.yaml", "configs/"} == fish[2]
    assert complete_bash(str(files["bash"]), ["fake-refresher login --where conf"], workdir, prog="fake-refresher") == [
        {"configs"}
    ]
    assert (
        "root" in complete_bash(str(files["bash"]), ["fake-refresher login --as ro"], workdir, prog="fake-refresher")[0]
    )


def test_zsh_and_fish_read_the_scripts(scripts, tmp_path):
    for shell, path in (("zsh", scripts["zsh"]), ("fish", scripts["fish"])):
        done = subprocess.run([tool(shell), "-n", str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and not done.stderr, f"{shell}: {done.stderr}"
    fake = tmp_path / "fake.zsh"
    fake.write_text(completion.script("zsh", fake_parser("fake-refresher")))
    assert subprocess.run([tool("zsh"), "-n", str(fake)], capture_output=True, timeout=60).returncode == 0


def test_zsh_completes_commands_options_and_values_autoloaded_and_sourced(scripts, workdir):
    parser = cli.build_parser()
    name = next(iter(commands.COMMANDS))
    choices = set(next(a for a in parser._actions if a.dest == "log_format").choices or ())
    long_options = {o for o in options(subparsers(parser)["check"]) if o.startswith("--")}
    for sourced in (False, True):
        assert complete_zsh(scripts["zsh"], f"{PROG} ", workdir, sourced) == set(commands.COMMANDS)
        assert name in complete_zsh(scripts["zsh"], f"{PROG} {name[:2]}", workdir, sourced)
    assert complete_zsh(scripts["zsh"], f"{PROG} check --", workdir) == long_options
    assert complete_zsh(scripts["zsh"], f"{PROG} -v --log-format json check --log-format=", workdir) == choices
    assert complete_zsh(scripts["zsh"], f"{PROG} check --config conf", workdir) == {"config.yaml", "configs"}
    assert complete_zsh(scripts["zsh"], f"{PROG} completion ", workdir) == set(completion.SHELLS)


def test_fish_completes_commands_options_and_values(scripts, workdir):
    parser = cli.build_parser()
    choices = set(next(a for a in parser._actions if a.dest == "log_format").choices or ())
    long_options = {o for o in options(subparsers(parser)["check"]) if o.startswith("--")}
    assert complete_fish(scripts["fish"], f"{PROG} ", workdir) == set(commands.COMMANDS)
    assert complete_fish(scripts["fish"], f"{PROG} check --", workdir) == long_options
    assert complete_fish(scripts["fish"], f"{PROG} check --log-format ", workdir) == choices
    assert complete_fish(scripts["fish"], f"{PROG} check --config conf", workdir) == {"config.yaml", "configs/"}
    assert complete_fish(scripts["fish"], f"{PROG} completion ", workdir) == set(completion.SHELLS)
