"""When a space is open and when it is taken: pure functions over times, no database.

Times here are Paris wall-clock times (the space's opening hours are); the service turns them
into UTC to store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from conciergerie.timeutils import PARIS, at_local


@dataclass(frozen=True)
class Period:
    starts_at: datetime  # aware (UTC or Paris)
    ends_at: datetime
    busy: bool
    booking: object | None = None  # the booking that takes it, for the concierge's view


def is_open_weekday(open_weekdays: str, day: date) -> bool:
    return str(day.weekday()) in open_weekdays


def within_opening(
    starts_at: datetime, ends_at: datetime, *, opens_at: time, closes_at: time, open_weekdays: str
) -> bool:
    """Whether [starts_at, ends_at) lies on one open day (Paris time), inside its hours."""
    start, end = starts_at.astimezone(PARIS), ends_at.astimezone(PARIS)
    if start.date() != end.date():  # spaces close before midnight
        return False
    if not is_open_weekday(open_weekdays, start.date()):
        return False
    day_open = at_local(start.date(), opens_at)
    day_close = at_local(start.date(), closes_at)
    return day_open <= starts_at and ends_at <= day_close


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open ranges: one may end at 10:00 and the next start then."""
    return a_start < b_end and b_start < a_end


def day_periods(
    day: date, *, opens_at: time, closes_at: time, taken: list[tuple[datetime, datetime, object]]
) -> list[Period]:
    """The day's opening hours cut into free and busy periods, in order; `taken`: the
    (start, end, booking) of the confirmed bookings that touch the day."""
    day_open, day_close = at_local(day, opens_at), at_local(day, closes_at)
    periods: list[Period] = []
    cursor = day_open
    for start, end, booking in sorted(taken, key=lambda t: t[0]):
        start, end = max(start, day_open), min(end, day_close)
        if end <= start or end <= cursor:  # another day's, or within what is counted
            continue
        if start > cursor:
            periods.append(Period(cursor, start, False))
        periods.append(Period(max(start, cursor), end, True, booking))
        cursor = end
    if cursor < day_close:
        periods.append(Period(cursor, day_close, False))
    return periods


def week_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())
