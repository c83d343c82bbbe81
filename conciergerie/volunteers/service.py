"""What the concierge reads before handing out rounds: every active volunteer's weekly ranges,
absences and planned rounds over the coming days, in a handful of queries whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.models import (
    PickupRound,
    Role,
    RoundStop,
    User,
    VolunteerAbsence,
    VolunteerAvailability,
)

OVERVIEW_DAYS = 14


@dataclass(frozen=True)
class PlannedRound:
    id: int
    starts_at: datetime
    ends_at: datetime
    stops: int


@dataclass
class DayOfVolunteer:
    """One volunteer on one day: their weekly ranges for that weekday (local wall-clock), the
    absence covering the day if any, and their rounds."""

    ranges: list[tuple[time, time]] = field(default_factory=list)
    absence: VolunteerAbsence | None = None
    rounds: list[PlannedRound] = field(default_factory=list)


@dataclass
class Overview:
    days: list[date]
    volunteers: list[User]
    cells: dict[tuple[int, date], DayOfVolunteer]

    def cell(self, volunteer: User, day: date) -> DayOfVolunteer:
        return self.cells[(volunteer.id, day)]


def availability_overview(session: Session, first_day: date, days: int = OVERVIEW_DAYS) -> Overview:
    """Every active volunteer × `days` days from `first_day`: four queries in all."""
    span = [first_day + timedelta(days=n) for n in range(days)]
    last_day = span[-1]
    volunteers = session.scalars(
        sa.select(User)
        .where(User.role == Role.VOLUNTEER, User.is_active_account.is_(True))
        .order_by(User.full_name, User.id)
    ).all()
    ids = [v.id for v in volunteers]
    cells = {(v, d): DayOfVolunteer() for v in ids for d in span}
    weekly: dict[tuple[int, int], list[tuple[time, time]]] = {}
    for r in session.scalars(
        sa.select(VolunteerAvailability)
        .where(VolunteerAvailability.volunteer_id.in_(ids))
        .order_by(VolunteerAvailability.starts_at)
    ):
        weekly.setdefault((r.volunteer_id, r.weekday), []).append((r.starts_at, r.ends_at))
    for (volunteer_id, day), cell in cells.items():
        cell.ranges = weekly.get((volunteer_id, day.weekday()), [])
    for absence in session.scalars(
        sa.select(VolunteerAbsence)
        .where(
            VolunteerAbsence.volunteer_id.in_(ids),
            VolunteerAbsence.first_day <= last_day,
            VolunteerAbsence.last_day >= first_day,
        )
        .order_by(VolunteerAbsence.first_day)
    ):
        for day in span:
            if absence.first_day <= day <= absence.last_day:
                cells[(absence.volunteer_id, day)].absence = absence
    _add_rounds(session, cells, ids, first_day, last_day)
    return Overview(span, list(volunteers), cells)


def _add_rounds(
    session: Session,
    cells: dict[tuple[int, date], DayOfVolunteer],
    ids: list[int],
    first_day: date,
    last_day: date,
) -> None:
    """The volunteers' rounds of those days, with their number of stops (one query)."""
    for row in session.execute(
        sa.select(
            PickupRound.id,
            PickupRound.volunteer_id,
            PickupRound.day,
            PickupRound.starts_at,
            PickupRound.ends_at,
            sa.func.count(RoundStop.id).label("stops"),
        )
        .outerjoin(RoundStop)
        .where(
            PickupRound.volunteer_id.in_(ids),
            PickupRound.day >= first_day,
            PickupRound.day <= last_day,
        )
        .group_by(PickupRound.id)
        .order_by(PickupRound.starts_at)
    ):
        cells[(row.volunteer_id, row.day)].rounds.append(
            PlannedRound(row.id, row.starts_at, row.ends_at, row.stops)
        )
