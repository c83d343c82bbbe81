"""The scheduler's own tables: who holds the lease, what each job did, and APScheduler's store."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conciergerie.models.base import Base, UTCDateTime


class SchedulerLease(Base):
    """One row per lease: only the scheduler process holding it (until `expires_at`) runs jobs."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRun(Base):
    """One run of a scheduled job, for the concierge's page (last run, last error)."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(50), index=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(default=False)
    # What the run did, in French (the log's line); `figures` keeps its counts, to be read in
    # the reader's language on the jobs page (jobs/summaries.py). Older rows have the text only.
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    figures: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.Text, default="")


# APScheduler's SQLAlchemyJobStore table, declared here so that the migrations create it (the
# store's own create(checkfirst=True) then does nothing) and the schema check covers it.
apscheduler_jobs = sa.Table(
    "apscheduler_jobs",
    Base.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
