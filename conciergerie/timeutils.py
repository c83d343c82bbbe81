"""Local time at the desk (Europe/Paris) and working days."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

PARIS = ZoneInfo("Europe/Paris")


def local(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def local_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def at_local(day: date, clock: time) -> datetime:
    """The UTC instant of a wall-clock time at the desk on `day` (daylight saving handled)."""
    return datetime.combine(day, clock, tzinfo=PARIS).astimezone(UTC)


def start_of_local_day(day: date) -> datetime:
    return at_local(day, time(0, 0))


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_public_holiday(day: date) -> bool:
    return day in _public_holidays(day.year)


def public_holidays_between(start: date, end: date) -> list[tuple[date, str]]:
    """French public holidays in [start, end], with their names."""
    found = holidays.country_holidays("FR", years=range(start.year, end.year + 1), language="fr")
    return sorted((day, name) for day, name in found.items() if start <= day <= end)


def is_working_day(day: date, closures: Collection[date] = ()) -> bool:
    """Monday to Friday, not a public holiday, not a closure day of the desk."""
    return day.weekday() < 5 and not is_public_holiday(day) and day not in closures


def add_working_days(day: date, count: int, closures: Collection[date] = ()) -> date:
    """The working day `count` working days after `day` (count 0: `day` itself, or the next
    working day when `day` is not one)."""
    current = day
    while not is_working_day(current, closures):
        current += timedelta(days=1)
    for _ in range(count):
        current += timedelta(days=1)
        while not is_working_day(current, closures):
            current += timedelta(days=1)
    return current
