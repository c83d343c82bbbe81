"""The concierge's page of scheduled jobs: when they last ran, how, and when they run next."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, render_template

from conciergerie.accounts.permissions import role_required
from conciergerie.extensions import db
from conciergerie.jobs.lease import NAME
from conciergerie.jobs.registry import JOBS
from conciergerie.models import JobRun, Role, SchedulerLease, utcnow
from conciergerie.models.scheduler import apscheduler_jobs

bp = Blueprint("jobs", __name__, url_prefix="/comptoir/taches")


@bp.get("/")
@role_required(Role.CONCIERGE)
def index():
    next_runs = {
        row.id: datetime.fromtimestamp(row.next_run_time, UTC) if row.next_run_time else None
        for row in db.session.execute(
            sa.select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)
        )
    }
    rows = []
    for job in JOBS:
        last = db.session.scalar(
            sa.select(JobRun).where(JobRun.job_id == job.id).order_by(JobRun.id.desc()).limit(1)
        )
        last_error = db.session.scalar(
            sa.select(JobRun)
            .where(JobRun.job_id == job.id, JobRun.ok.is_(False))
            .order_by(JobRun.id.desc())
            .limit(1)
        )
        rows.append((job, last, last_error, next_runs.get(job.id)))
    lease = db.session.get(SchedulerLease, NAME)
    alive = lease is not None and lease.expires_at > utcnow()
    return render_template("jobs/index.html", rows=rows, lease=lease, alive=alive)
