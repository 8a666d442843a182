"""Carrying out a list of steps and manager commands, and the *report* of what was (or, in a dry
run, would be) done: each step with its change, the commands run, the commands left for a person
to run where the service manager does not run here, notes for the next steps, and warnings."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from .managers import Command, Manager
from .steps import InstallError, Step, run


@dataclass
class Report:
    dry_run: bool
    steps: list[tuple[Step, str | None]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)  # run, or (dry run) to be run
    by_hand: list[Command] = field(default_factory=list)
    by_hand_why: str = ""
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(change for _, change in self.steps) or bool(self.commands)

    def did(self, step: Step) -> bool:
        return any(s is step and change for s, change in self.steps)

    def carry_out(self, steps: list[Step]) -> None:
        """Each step in order: what it changes, done unless this is a dry run (a later step may
        need an earlier one done, as the state directory needs the service user)."""
        for step in steps:
            change = None
            try:
                change = step.change()
                if change and not self.dry_run:
                    step.apply()
            except OSError as e:  # one line naming the thing, not a traceback
                raise InstallError(f"cannot {change or 'look at'} {step.what}: {e.strerror or e}") from None
            self.steps.append((step, change))

    def run(self, commands: list[Command]) -> None:
        for argv in commands:
            if not self.dry_run:
                run(argv)
            self.commands.append(argv)

    def manage(self, manager: Manager, now: list[Command] | None, by_hand: list[Command]) -> None:
        """Run ``now`` where the manager runs (None: it does not), else leave ``by_hand`` to a person."""
        if now is not None:
            self.run(now)
        else:
            self.by_hand, self.by_hand_why = by_hand, manager.why_not()

    def text(self, nothing: str) -> str:
        """For a person: one line per step and command; ``nothing`` when a real run changed nothing."""
        would = "would " if self.dry_run else ""
        lines = []
        for step, change in self.steps:
            lines.append(f"{would}{change}: {step.what}" if change else f"{step.as_is}: {step.what}")
            if change and self.dry_run and step.shown:
                lines += [f"    {line}".rstrip() for line in step.shown.splitlines()]
        lines += [f"{'would run' if self.dry_run else 'ran'}: {shlex.join(argv)}" for argv in self.commands]
        if not self.changed and not self.dry_run:
            lines.append(nothing)
        if self.by_hand:
            lines.append(f"{self.by_hand_why}; run these where it runs:")
            lines += [f"    {shlex.join(argv)}" for argv in self.by_hand]
        lines += self.notes
        return "\n".join(lines) + "\n"
