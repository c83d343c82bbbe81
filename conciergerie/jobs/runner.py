"""Running one job: only while holding the lease, in its own transaction, logged in job_run
(except a run that did nothing and said so: see ScheduledJob.sweep)."""

from __future__ import annotations

import logging
import traceback

from flask import Flask
from sqlalchemy.orm import Session

from conciergerie.database import commit
from conciergerie.extensions import db
from conciergerie.jobs import lease
from conciergerie.jobs.registry import BY_ID
from conciergerie.jobs.summaries import in_french
from conciergerie.models import JobRun, utcnow

log = logging.getLogger(__name__)

# Set by the scheduler process: APScheduler stores a reference to run_scheduled, not the app.
_context: dict[str, object] = {}


def bind(app: Flask, holder: str) -> None:
    _context.update(app=app, holder=holder)


def run_scheduled(job_id: str) -> None:
    """What APScheduler calls."""
    run_job(_context["app"], job_id, holder=_context["holder"])


def run_job(app: Flask, job_id: str, *, holder: str) -> JobRun | None:
    """Run the sweep `job_id` if `holder` still holds the lease; None when it does not.

    The run is recorded in job_run when it failed or has something to say; a sweep that
    returned None (nothing done) gives a run that is returned but not recorded."""
    job = BY_ID[job_id]
    with app.app_context():
        session = db.session
        now = utcnow()
        if not lease.holds(session, holder, now=now):
            log.warning("job %s skipped: %s does not hold the scheduler lease", job_id, holder)
            session.rollback()
            return None
        try:
            figures = job.sweep(session, now)
            commit(session)
        except Exception as error:
            session.rollback()
            log.exception("job %s failed", job_id)
            run = JobRun(
                job_id=job_id,
                holder=holder,
                started_at=now,
                finished_at=utcnow(),
                ok=False,
                error="".join(traceback.format_exception_only(error)).strip()[:2000],
            )
        else:
            run = JobRun(
                job_id=job_id,
                holder=holder,
                started_at=now,
                finished_at=utcnow(),
                ok=True,
                figures=dict(figures) if figures is not None else None,
                summary=in_french(job.say, figures)[:300] if figures is not None else "",
            )
            if figures is None:
                return run  # nothing done: not worth a line in the history
            log.info("job %s: %s", job_id, run.summary)
        with Session(db.engine) as record:  # the log survives whatever the sweep did
            record.add(run)
            if not run.ok and job.on_failure is not None:
                _tell_failure(job.on_failure, record, run)
            record.commit()
            record.refresh(run)
            record.expunge(run)
        return run


def _tell_failure(on_failure, record: Session, run: JobRun) -> None:
    """The job's own alert (a mail); if it fails too, the run is still recorded."""
    try:
        with record.begin_nested():
            on_failure(record, run.error, run.started_at)
    except Exception:
        log.exception("job %s: its failure could not be told", run.job_id)
