"""Every built-in writer through the real CLI: the promises of
SECURITY.md and the file-safety rules hold for each one, not only for pip, npm and twine.

The writers are taken from the installed entry points, so a new writer is covered here the day it
is added; a writer that needs an option to work at all names it in :data:`REQUIRED`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from codeartifact_refresher import cli
from codeartifact_refresher.config import load, schema
from codeartifact_refresher.writers.registry import Registry

from ..leaks import assert_no_token

#: options a writer cannot run without (a template file...), or that keep it from claiming an
#: entry another writer claims in a shared file, as YAML lines of the target
REQUIRED: dict[str, str] = {
    # npm, pnpm and Yarn 1 read one .npmrc: a second default registry there would be refused
    "pnpm": '        scope: "@pnpm"',
    "yarn-classic": "        path: {tmp}/yarn1/.npmrc",
    "env": "        path: {tmp}/app.env\n        variables: [token, endpoint, pip, uv, poetry, twine]",
    "template": "        template: {tmp}/in.tmpl\n        format: generic\n        path: {tmp}/out.txt",
}


def shares_entries(cls) -> bool:
    """Whether the writer's default target holds an entry that depends only on the host (a
    netrc ``machine`` line): such writers go in one domain entry, which may share it."""
    try:
        return any(claim.shared for claim in cls().all_claims())
    except (TypeError, ValueError):  # a writer that needs options to be made at all
        return False


def every_writer_config(standin, tmp_path: Path) -> Path:
    """One domain entry per built-in writer (so that writers sharing a file never meet), except
    the writers of host entries, which share one domain entry as its targets may. Every domain
    is on the stand-in's one host, as several domains behind one VPC endpoint would be."""
    domains: dict[str, list[str]] = {}
    for name, cls in sorted(schema.built_in().items()):
        domain = "w-shared" if shares_entries(cls) else f"w-{name}"
        if (domain, standin.account, cls.format, "store") not in standin.repositories:
            standin.add_repository(domain, "store", cls.format, demo=False)
        domains.setdefault(domain, []).extend(
            [
                f"      - writer: {name}",
                "        repository: store",
                *REQUIRED.get(name, "").format(tmp=tmp_path).splitlines(),
            ]
        )
    lines = []
    for domain, targets in domains.items():
        lines += [
            f"  - domain: {domain}",
            f'    owner: "{standin.account}"',
            "    region: us-east-1",
            f"    endpoint_url: {standin.url}",
            "    targets:",
            *targets,
        ]
    assert len(domains["w-shared"]) >= 3 * 2, "the netrc writers share a domain entry"
    (tmp_path / "in.tmpl").write_text("# a template\nurl = {{ endpoint }}\ntoken = {{ token }}\n")
    path = tmp_path / "every-writer.yaml"
    path.write_text("domains:\n" + "\n".join(lines) + "\n")
    return path


def written_files(config: Path) -> dict[str, list[Path]]:
    """Each writer's files, as the config resolves them."""
    found: dict[str, list[Path]] = {}
    for domain in load(config, Registry()).domains:
        for target in domain.targets:
            found.setdefault(target.writer, []).extend(out.path for _, out in target.outputs)  # type: ignore[attr-defined]
    return found


def snapshot(paths) -> dict[Path, bytes | None]:
    return {p: p.read_bytes() if p.exists() else None for p in paths}


@pytest.fixture
def config(standin, tmp_path) -> Path:
    return every_writer_config(standin, tmp_path)


def test_every_writer_writes_its_files_0600_and_keeps_the_token_out_of_every_output(config, standin, home, capsys):
    files = written_files(config)
    assert set(files) == set(schema.built_in())
    every = [p for paths in files.values() for p in paths]
    out = {}

    def run(name, *args):
        status = cli.main(["-v", *args, "--config", str(config)])
        captured = capsys.readouterr()
        out[f"{name}: stdout"], out[f"{name}: stderr"] = captured.out, captured.err
        return status

    assert run("check", "check") == 0
    assert run("dry run", "refresh", "--dry-run") == 0
    assert snapshot(every) == dict.fromkeys(every), "--dry-run wrote a file"
    assert run("refresh", "refresh") == 0, out
    tokens = standin.issued_tokens()
    for writer, paths in files.items():
        for path in paths:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, f"{writer}: {path} is not 0600"
        assert any(t in p.read_text() for p in paths for t in tokens), f"{writer} wrote no token"
    state = next((home / ".local" / "state").rglob("state.json")).read_text()
    assert_no_token(tokens, {**out, "state file": state})


def test_every_writer_changes_nothing_on_a_second_refresh_and_redacts_its_dry_run(config, standin, capsys):
    every = [p for paths in written_files(config).values() for p in paths]
    assert cli.main(["refresh", "--config", str(config)]) == 0
    first = snapshot(every)
    assert cli.main(["refresh", "--config", str(config)]) == 0  # new tokens, same entries
    second = snapshot(every)
    assert {p for p in every if first[p] != second[p]} == set(every) - {
        p for p in every if not any(t in (second[p] or b"").decode() for t in standin.issued_tokens())
    }, "a file without a token changed on the second refresh"
    capsys.readouterr()
    standin.expire_tokens()
    assert cli.main(["-v", "refresh", "--dry-run", "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert_no_token(standin.issued_tokens(), {"dry run stdout": captured.out, "dry run stderr": captured.err})
    assert snapshot(every) == second
