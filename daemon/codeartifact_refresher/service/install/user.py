"""``--user``: a user's own agent, a systemd user unit (or a launchd agent on macOS), installed and
removed. It runs the user's config; without one yet it is enabled but not started."""

from __future__ import annotations

import os

from . import render
from .layout import UNIT, UserLayout
from .managers import Launchd, Manager, Systemd
from .report import Report
from .steps import MakeDirectory, Remove, Step, WriteFile
from .system import wanted_by


def manager(layout: UserLayout) -> Manager:
    if layout.launchd:
        return Launchd(layout.unit, os.getuid())
    return Systemd(UNIT, user=True, marker=layout.systemd_marker)


def install(layout: UserLayout, program: tuple[str, ...], dry_run: bool) -> Report:
    report = Report(dry_run)
    text = render.launchd_plist(program, layout) if layout.launchd else render.user_unit(program, layout)
    unit = WriteFile(layout.unit, text, 0o644)
    report.carry_out([MakeDirectory(layout.unit_dir, 0o755, keep_mode=True), unit])
    start = layout.config.exists()
    service = manager(layout)
    now = service.install(report.did(unit), start) if service.available() else None
    report.manage(service, now, service.install_by_hand(start))
    if not start:
        report.notes.append(
            f"next: write the config {layout.config} (`codeartifact-refresher init`, or `login --keep-fresh`), "
            f"then `{' '.join(service.start_later())}`"
        )
    return report


def uninstall(layout: UserLayout, dry_run: bool, purge: bool) -> Report:
    report = Report(dry_run)
    service = manager(layout)
    available = service.available()
    if available:
        report.run(service.before_removal())
    steps: list[Step] = [Remove(layout.unit), *[Remove(p) for p in wanted_by(layout.unit)]]
    if purge:
        steps += [Remove(layout.config), Remove(layout.state_dir)]
    report.carry_out(steps)
    if report.changed:  # something was removed: the manager forgets it (or a person tells it to)
        report.manage(service, service.after_removal() if available else None, service.removal_by_hand())
    left = [str(p) for p in (layout.config, layout.state_dir) if p.exists()]
    if left and not purge:
        report.notes.append(f"kept: {', '.join(left)} (uninstall-service --user --purge removes them)")
    return report
