"""What the home page says about the desk: its opening hours, grouped for reading, and its
partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from conciergerie.models import DeskOpeningRange, Provider


@dataclass(frozen=True)
class OpeningDay:
    weekday: int
    ranges: list[tuple[time, time]]


def opening_week(session: Session) -> list[OpeningDay]:
    """The desk's opening ranges, one entry per open weekday, Monday first."""
    days: dict[int, list[tuple[time, time]]] = {}
    for opening in session.scalars(
        sa.select(DeskOpeningRange).order_by(DeskOpeningRange.weekday, DeskOpeningRange.opens_at)
    ):
        days.setdefault(opening.weekday, []).append((opening.opens_at, opening.closes_at))
    return [OpeningDay(weekday, ranges) for weekday, ranges in days.items()]


def partners(session: Session) -> list[Provider]:
    """The providers the catalogue shows (active ones), by name, with their category."""
    return list(
        session.scalars(
            sa.select(Provider)
            .where(Provider.is_active)
            .order_by(Provider.name)
            .options(selectinload(Provider.category))
        )
    )
