"""A lease in the database: whichever scheduler holds it runs the jobs; the others wait.

Taking or renewing it is one conditional UPDATE (or the INSERT of the row), so two processes can
never both hold it; a holder that dies stops renewing and another takes over once it expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conciergerie.models import SchedulerLease

NAME = "scheduler"


def acquire(
    session: Session, holder: str, *, now: datetime, ttl: timedelta, name: str = NAME
) -> bool:
    """Take or renew the lease for `holder`; False when another process holds a live one.

    Commits its own transaction (a lease must be visible to the other processes at once).
    """
    result = session.execute(
        sa.update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            sa.or_(SchedulerLease.holder == holder, SchedulerLease.expires_at <= now),
        )
        .values(holder=holder, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        session.commit()
        return True
    if session.get(SchedulerLease, name) is not None:
        session.rollback()
        return False
    try:
        session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
        session.commit()
    except IntegrityError:  # another process created it at the same moment
        session.rollback()
        return False
    return True


def holds(session: Session, holder: str, *, now: datetime, name: str = NAME) -> bool:
    lease = session.get(SchedulerLease, name)
    return lease is not None and lease.holder == holder and lease.expires_at > now


def release(session: Session, holder: str, *, name: str = NAME) -> None:
    session.execute(
        sa.delete(SchedulerLease).where(
            SchedulerLease.name == name, SchedulerLease.holder == holder
        )
    )
    session.commit()
