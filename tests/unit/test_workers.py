"""``workers`` bounds the refreshes that run at once, in the daemon (APScheduler's pool) and in a
one-shot ``refresh`` (``refresh_all``'s pool): counted with refreshes that block until released."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from codeartifact_refresher import refresh
from codeartifact_refresher.config import Config, Domain
from codeartifact_refresher.service.scheduler import Scheduler

WORKERS, JOBS = 2, 6


class Blocking:
    """A refresh that blocks until released, counting how many run at once."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.active = self.peak = self.done = 0
        self.released = False

    def __call__(self, *args, **kwargs) -> None:
        with self.cond:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.released, 30)
            self.active -= 1
            self.done += 1
            self.cond.notify_all()

    def assert_bounded(self, workers: int, jobs: int) -> None:
        """The pool fills up to ``workers`` and no further, then runs every job."""
        with self.cond:
            assert self.cond.wait_for(lambda: self.active >= workers, 30), "fewer refreshes at once than workers"
            # Full: one more start would break the bound, and an unbounded pool starts the rest at once.
            over = self.cond.wait_for(lambda: self.active > workers, 0.5)
            self.released = True
            self.cond.notify_all()
            assert self.cond.wait_for(lambda: self.done == jobs, 30), "not every refresh ran"
        assert not over and self.peak == workers, f"{self.peak} refreshes ran at once; workers is {workers}"


def test_the_daemons_scheduler_runs_at_most_workers_refreshes_at_once():
    job = Blocking()
    scheduler = Scheduler(job, WORKERS)
    scheduler.start()
    try:
        now = time.time()
        for i in range(JOBS):
            scheduler.at(f"domain{i}", now)
        job.assert_bounded(WORKERS, JOBS)
    finally:
        with job.cond:
            job.released = True
            job.cond.notify_all()
        scheduler.shutdown()


def test_a_one_shot_refresh_runs_at_most_workers_domains_at_once(monkeypatch):
    job = Blocking()
    monkeypatch.setattr(refresh, "refresh_domain", job)
    config = Config(Path("config.yaml"), tuple(Domain(f"domain{i}", ()) for i in range(JOBS)), workers=WORKERS)
    thread = threading.Thread(target=refresh.refresh_all, args=(config, None, None))
    thread.start()
    try:
        job.assert_bounded(WORKERS, JOBS)
    finally:
        with job.cond:
            job.released = True
            job.cond.notify_all()
        thread.join(30)
