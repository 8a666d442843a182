"""APScheduler wiring: run ``job(key)`` for a domain at a wall-clock time, on a bounded pool.

Each domain is one date-triggered job whose id is the domain's key; scheduling it again replaces
the pending run. Runs that come late (after a sleep, say) run once, as soon as possible
(``coalesce``, no misfire grace limit), never several times in a row. APScheduler is imported
here only, so commands other than ``run`` never load it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Protocol


class JobScheduler(Protocol):
    """What the daemon asks of a scheduler: :class:`Scheduler`, or a test's fake."""

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def at(self, key: str, when: float) -> None: ...

    def remove(self, key: str) -> None: ...

    def shutdown(self) -> None: ...


class _BackgroundScheduler(Protocol):
    """The part of APScheduler 3's ``BackgroundScheduler`` used here (APScheduler 3 has no type hints)."""

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def add_job(self, func: Callable[..., object], trigger: str, **options: object) -> object: ...

    def remove_job(self, job_id: str) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


class Scheduler:
    def __init__(self, job: Callable[[str], None], workers: int) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self._job = job
        self._aps: _BackgroundScheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(workers)},
            # A run may plan the next before it returns; the daemon itself keeps a domain's runs
            # from overlapping, so APScheduler must not drop a run for being "too many".
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 4},
            timezone=timezone.utc,
        )

    def start(self) -> None:
        self._aps.start()

    def at(self, key: str, when: float) -> None:
        """Run the job for ``key`` at ``when`` (seconds since the epoch), replacing a pending run."""
        run_date = datetime.fromtimestamp(when, timezone.utc)
        self._aps.add_job(self._job, "date", run_date=run_date, args=[key], id=key, name=key, replace_existing=True)

    def remove(self, key: str) -> None:
        from apscheduler.jobstores.base import JobLookupError

        with contextlib.suppress(JobLookupError):
            self._aps.remove_job(key)

    @property
    def running(self) -> bool:
        return self._aps.running

    def shutdown(self) -> None:
        """Start no more jobs; those running carry on (the daemon waits for them)."""
        if self._aps.running:
            self._aps.shutdown(wait=False)
