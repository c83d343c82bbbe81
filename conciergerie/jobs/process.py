"""The scheduler process: waits for the lease, then runs APScheduler until it loses it."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from conciergerie.extensions import db
from conciergerie.jobs import lease, runner
from conciergerie.jobs.registry import JOBS
from conciergerie.models import utcnow
from conciergerie.models.scheduler import apscheduler_jobs
from conciergerie.timeutils import PARIS

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=30)
RENEW_EVERY = 10  # seconds; well within the TTL: a dead holder is replaced within 40 s


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build_scheduler(app: Flask) -> BackgroundScheduler:
    """APScheduler with its jobs in the app's database; coalesced, one instance at a time, and a
    generous misfire grace: a run missed while the process was down is caught up once. A job
    stored by an earlier version and no longer in the registry (`retry-mails`) is dropped."""
    with app.app_context():
        store = SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")
        db.session.execute(
            sa.delete(apscheduler_jobs).where(apscheduler_jobs.c.id.not_in([j.id for j in JOBS]))
        )
        db.session.commit()
        # Keep the stored next run of each job: if it passed while no scheduler was running, the
        # job runs once at start (within its misfire grace) instead of waiting for the next one.
        stored = {
            row.id: datetime.fromtimestamp(row.next_run_time, UTC)
            for row in db.session.execute(
                sa.select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)
            )
            if row.next_run_time is not None
        }
        db.session.remove()
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=PARIS)
    for job in JOBS:
        kept = {"next_run_time": stored[job.id]} if job.id in stored else {}
        scheduler.add_job(
            "conciergerie.jobs.runner:run_scheduled",
            job.trigger,
            args=[job.id],
            id=job.id,
            name=job.id,
            replace_existing=True,
            coalesce=True,  # many missed runs: catch up once
            max_instances=1,
            misfire_grace_time=job.misfire_grace_seconds,
            **kept,
            **job.trigger_for(app.config),
        )
    return scheduler


class SchedulerProcess:
    def __init__(
        self,
        app: Flask,
        *,
        holder: str | None = None,
        ttl: timedelta = LEASE_TTL,
        scheduler_factory: Callable[[Flask], BackgroundScheduler] = build_scheduler,
    ):
        self.app = app
        self.holder = holder or new_holder()
        self.ttl = ttl
        self.scheduler_factory = scheduler_factory
        self.scheduler: BackgroundScheduler | None = None

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    def _start(self) -> None:
        runner.bind(self.app, self.holder)
        scheduler = self.scheduler_factory(self.app)
        scheduler.start()  # if this fails, we are not running: the next turn tries again
        self.scheduler = scheduler
        log.info("scheduler %s holds the lease: jobs are running", self.holder)

    def _stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)  # let a running sweep finish before anyone else
            self.scheduler = None
            log.warning("scheduler %s: jobs stopped", self.holder)

    def tick(self, now: datetime | None = None) -> bool:
        """One turn: take or renew the lease, start or stop the jobs. True when leading."""
        with self.app.app_context():
            leading = lease.acquire(db.session, self.holder, now=now or utcnow(), ttl=self.ttl)
        if leading and not self.running:
            self._start()
        elif not leading and self.running:
            self._stop()
        return leading

    def run_forever(self) -> None:
        log.info("scheduler %s started; waiting for the lease", self.holder)
        try:
            while True:
                try:
                    self.tick()
                except Exception:  # database away for a moment: try again next turn
                    log.exception("scheduler %s: lease check failed", self.holder)
                time.sleep(RENEW_EVERY)
        finally:
            self._stop()
            with self.app.app_context():
                lease.release(db.session, self.holder)
