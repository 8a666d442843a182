"""A file as an output: :mod:`.files`' locked, atomic update behind the :class:`.base.Output` seam."""

from __future__ import annotations

import contextlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .base import Guard, Output, Render, Snapshot


@dataclass(frozen=True)
class FileOutput(Output):
    """A file written atomically under its directory's lock, created with ``mode`` (an existing
    file's mode is kept when narrower; None: the default mode policy of :func:`.files.target_mode`,
    which keeps a group's read access given on purpose); a symlink is written through only with ``follow_symlinks``.
    ``bom_breaks`` names the tool that cannot read the file when it begins with a byte-order mark:
    such a file is then refused, left as it is. ``encoding`` tells the file's encoding from its
    bytes (:data:`.files.Encoding`; None: UTF-8)."""

    path: Path
    mode: int | None = files.DEFAULT_MODE
    follow_symlinks: bool = False
    bom_breaks: str = ""
    encoding: files.Encoding | None = field(default=None, compare=False)

    def describe(self) -> str:
        return str(self.path)

    @property
    def key(self) -> Hashable:
        return ("file", self.path)

    def preview(self, render: Render) -> tuple[Snapshot, Snapshot]:
        files.check_path(self.path)  # --dry-run says what the write would refuse
        current = files.read(self.path, self.follow_symlinks, self.encoding)
        files.check_recipient(current.path, current.uid)
        files.check_bom(current, self.bom_breaks)
        new = render(current.text)
        files.encode(current, new)  # --dry-run says what an encoding could not hold
        before = Snapshot(str(current.path), current.text, current.mode)
        return before, Snapshot(before.name, new, files.target_mode(current, self.mode))

    def update(self, render: Render, guard: Guard = contextlib.nullcontext) -> bool:
        return files.update(
            self.path,
            render,
            self.mode,
            self.follow_symlinks,
            guard=guard,
            bom_breaks=self.bom_breaks,
            encoding=self.encoding,
        )
