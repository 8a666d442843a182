"""``--system``: the shared build host's layout, installed and removed (see :mod:`.layout`).

Installing makes the service account, the root-owned config directory with the config (the shipped
example, only when there is none) and the AWS credentials' environment file (root's alone, 0600),
the state directory (0750, the service group may enter it), the unit and the login snippet; then
has systemd load, enable and start it, or prints those commands where systemd does not run. A
config that is still the untouched example is not started: it names an example domain.
"""

from __future__ import annotations

from pathlib import Path

from . import render
from .accounts import RemoveAccount, ServiceAccount, existing
from .layout import UNIT, Layout
from .managers import Systemd
from .program import changeable, unreachable_by_service
from .report import Report
from .steps import ROOT, MakeDirectory, Owner, Remove, Step, WriteFile


def manager(layout: Layout) -> Systemd:
    return Systemd(UNIT, user=False, marker=layout.systemd_marker)


def install(layout: Layout, program: tuple[str, ...], dry_run: bool) -> Report:
    report = Report(dry_run)
    unit = WriteFile(layout.unit, render.system_unit(program, layout), 0o644, ROOT)
    report.carry_out(
        [
            ServiceAccount(layout.user, layout.group, layout.state_dir),
            MakeDirectory(layout.config_dir, 0o755, ROOT),
            WriteFile(layout.config, render.system_config(layout), 0o644, ROOT, keep=True),
            WriteFile(layout.env_file, render.environment_file(layout), 0o600, ROOT, keep=True),
            MakeDirectory(layout.state_dir, 0o750, Owner(layout.user, layout.group)),
            unit,
            WriteFile(layout.profile, render.profile_snippet(layout), 0o644, ROOT),
        ]
    )
    example = not layout.config.exists() or layout.config.read_text() == render.system_config(layout)
    systemd = manager(layout)
    now = systemd.install(report.did(unit), start=not example) if systemd.available() else None
    report.manage(systemd, now, systemd.install_by_hand(start=not example))
    if example:
        report.notes.append(
            f"next: edit {layout.config} (it is the example: domain acme, account 111122223333), "
            f"then `sudo {' '.join(systemd.start_later())}`"
        )
    report.notes += _access(layout)
    report.warnings += [f"the service cannot start {program[0]}: {p}" for p in unreachable_by_service(program)]
    report.warnings += [f"the service would run code another user can change: {p}" for p in changeable(program)]
    if (layout.state_dir / ".aws").exists():
        report.warnings.append(
            f"{layout.state_dir / '.aws'} was the service user's ~/.aws, readable by group {layout.group}: "
            f"move its credentials into {layout.env_file}, rotate them, and remove it"
        )
    return report


def _access(layout: Layout) -> list[str]:
    state, group = layout.state_dir, layout.group
    return [
        f"AWS credentials: on EC2 the instance role (nothing to do); elsewhere uncomment one way in "
        f"{layout.env_file} (root's alone), or use LoadCredential= (docs/service.md)",
        f"build users: `sudo usermod -aG {group} USER`, then USER logs in again: a session started before "
        f"that cannot read {state}, and pip and npm then silently use the public registries",
        f"at login {layout.profile} sets PIP_CONFIG_FILE={state}/pip.conf and "
        f"NPM_CONFIG_USERCONFIG={state}/npmrc (twine: --config-file {state}/pypirc); a CI runner "
        "that does not log in needs them in its own environment",
        "then `codeartifact-refresher doctor --as USER` shows what USER's pip and npm will read",
    ]


def uninstall(layout: Layout, dry_run: bool, purge: bool) -> Report:
    report = Report(dry_run)
    systemd = manager(layout)
    available = systemd.available()
    if available:
        report.run(systemd.before_removal())
    steps: list[Step] = [Remove(layout.unit), *[Remove(p) for p in wanted_by(layout.unit)], Remove(layout.profile)]
    kept = [layout.config_dir, layout.state_dir]
    if purge:
        steps += [Remove(layout.config_dir), Remove(layout.state_dir), RemoveAccount(layout.user, layout.group)]
    report.carry_out(steps)
    if report.changed:  # something was removed: the manager forgets it (or a person tells it to)
        report.manage(systemd, systemd.after_removal() if available else None, systemd.removal_by_hand())
    if not purge:
        left = [str(p) for p in kept if p.exists()]
        if existing(layout.user, layout.group):
            left.append(f"user {layout.user} and group {layout.group}")
        if left:
            report.notes.append(f"kept: {', '.join(left)} (uninstall-service --system --purge removes them)")
    return report


def wanted_by(unit: Path) -> list[Path]:
    """The links ``systemctl enable`` made to ``unit`` (``*.wants/UNIT`` beside it)."""
    return sorted(p for p in unit.parent.glob(f"*.wants/{unit.name}") if p.is_symlink())
