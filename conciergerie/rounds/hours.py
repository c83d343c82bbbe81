"""The volunteers' hours, for the civic-service mission's log.

For a period (an ISO week, Monday to Sunday, or a calendar month, in Paris time) and each
volunteer: the rounds they did (their planned duration, from leaving the desk to coming back,
and their distance) and the events they organised that were not cancelled (their duration),
day by day, with totals. Only what happened counts: rounds that are over and on which the
volunteer marked at least one item (a planned round nobody did is not a worked hour), events
that started on a past day or today. A round belongs
to its day, an event to the day it starts. Minutes are whole numbers.

Plain functions over a session; they only read.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from conciergerie.models import (
    Event,
    EventStatus,
    PickupRound,
    Role,
    RoundItem,
    RoundStop,
    User,
)
from conciergerie.timeutils import at_local, local_date


class PeriodKind(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    """Calendar days from `first` to `last`, both included."""

    kind: PeriodKind
    first: date
    last: date

    @classmethod
    def containing(cls, kind: PeriodKind | str, day: date) -> Period:
        """The ISO week (Monday to Sunday) or the calendar month that contains `day`."""
        kind = PeriodKind(kind)
        if kind is PeriodKind.WEEK:
            first = day - timedelta(days=day.weekday())
            return cls(kind, first, first + timedelta(days=6))
        first = day.replace(day=1)
        return cls(kind, first, first.replace(day=calendar.monthrange(day.year, day.month)[1]))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def previous(self) -> Period:
        return Period.containing(self.kind, self.first - timedelta(days=1))

    @property
    def next(self) -> Period:
        return Period.containing(self.kind, self.last + timedelta(days=1))

    @property
    def starts_at(self) -> datetime:
        """Midnight in Paris on the first day, as a UTC instant."""
        return at_local(self.first, time(0, 0))

    @property
    def ends_at(self) -> datetime:
        """Midnight in Paris after the last day, as a UTC instant (excluded)."""
        return at_local(self.last + timedelta(days=1), time(0, 0))


def duration_minutes(starts_at: datetime, ends_at: datetime) -> int:
    """Whole minutes from `starts_at` to `ends_at` (never negative)."""
    return max(0, int((ends_at - starts_at).total_seconds()) // 60)


@dataclass
class Tally:
    rounds: int = 0
    round_minutes: int = 0
    distance_m: int = 0
    events: int = 0
    event_minutes: int = 0

    @property
    def total_minutes(self) -> int:
        return self.round_minutes + self.event_minutes

    @property
    def is_empty(self) -> bool:
        return not (self.rounds or self.events)


@dataclass
class DayRow(Tally):
    """What one volunteer did on one day."""

    day: date = field(kw_only=True)
    event_titles: list[str] = field(default_factory=list, kw_only=True)


@dataclass
class VolunteerLog:
    """One volunteer's days with activity in the period (in order), and the totals."""

    volunteer: User
    period: Period
    days: list[DayRow] = field(default_factory=list)

    @property
    def totals(self) -> Tally:
        total = Tally()
        for row in self.days:
            total.rounds += row.rounds
            total.round_minutes += row.round_minutes
            total.distance_m += row.distance_m
            total.events += row.events
            total.event_minutes += row.event_minutes
        return total


def round_done(now: datetime) -> sa.ColumnElement[bool]:
    """Only what happened counts: a round with at least one tap, and over."""
    return sa.and_(
        PickupRound.ends_at <= now,
        sa.exists()
        .where(RoundStop.round_id == PickupRound.id, RoundItem.stop_id == RoundStop.id)
        .where(RoundItem.done_at.is_not(None)),
    )


def _counted_until(period: Period, now: datetime) -> date | None:
    """The last day of `period` whose activity counts (today at the latest), None if none."""
    last = min(period.last, local_date(now))
    return last if last >= period.first else None


def hours_of(
    session: Session, volunteers: Iterable[User], period: Period, *, now: datetime
) -> list[VolunteerLog]:
    """The log of each of `volunteers` for `period`, in the order given."""
    volunteers = list(volunteers)
    rows: dict[int, dict[date, DayRow]] = {v.id: {} for v in volunteers}
    until = _counted_until(period, now)
    if volunteers and until is not None:
        ids = list(rows)

        def row(volunteer_id: int, day: date) -> DayRow:
            return rows[volunteer_id].setdefault(day, DayRow(day=day))

        rounds = session.execute(
            sa.select(
                PickupRound.volunteer_id,
                PickupRound.day,
                PickupRound.starts_at,
                PickupRound.ends_at,
                PickupRound.distance_m,
            ).where(
                PickupRound.volunteer_id.in_(ids),
                PickupRound.day >= period.first,
                PickupRound.day <= until,
                round_done(now),
            )
        )
        for volunteer_id, day, starts_at, ends_at, distance_m in rounds:
            day_row = row(volunteer_id, day)
            day_row.rounds += 1
            day_row.round_minutes += duration_minutes(starts_at, ends_at)
            day_row.distance_m += distance_m or 0
        events = session.execute(
            sa.select(Event.organiser_id, Event.title, Event.starts_at, Event.ends_at)
            .where(
                Event.organiser_id.in_(ids),
                Event.status != EventStatus.CANCELLED,
                Event.starts_at >= period.starts_at,
                Event.starts_at < at_local(until + timedelta(days=1), time(0, 0)),
            )
            .order_by(Event.starts_at, Event.id)
        )
        for organiser_id, title, starts_at, ends_at in events:
            day_row = row(organiser_id, local_date(starts_at))
            day_row.events += 1
            day_row.event_minutes += duration_minutes(starts_at, ends_at)
            day_row.event_titles.append(title)
    return [
        VolunteerLog(v, period, [rows[v.id][day] for day in sorted(rows[v.id])]) for v in volunteers
    ]


def volunteer_hours(
    session: Session, volunteer: User, period: Period, *, now: datetime
) -> VolunteerLog:
    """One volunteer's log for `period`."""
    return hours_of(session, [volunteer], period, now=now)[0]


def volunteers(session: Session) -> list[User]:
    """Every volunteer account, active or not, by name."""
    return list(
        session.scalars(
            sa.select(User).where(User.role == Role.VOLUNTEER).order_by(User.full_name, User.id)
        )
    )


def hours_of_volunteers(session: Session, period: Period, *, now: datetime) -> list[VolunteerLog]:
    """The log of every active volunteer, and of former ones who did something in `period`."""
    logs = hours_of(session, volunteers(session), period, now=now)
    return [log for log in logs if log.volunteer.is_active_account or log.days]


def rounds_between(session: Session, volunteer: User, first: date, last: date) -> list[PickupRound]:
    """The rounds of `volunteer` from `first` to `last` (days included), with their stops."""
    return list(
        session.scalars(
            sa.select(PickupRound)
            .where(
                PickupRound.volunteer_id == volunteer.id,
                PickupRound.day >= first,
                PickupRound.day <= last,
            )
            .options(selectinload(PickupRound.stops).selectinload(RoundStop.provider))
            .order_by(PickupRound.starts_at, PickupRound.id)
        )
    )
