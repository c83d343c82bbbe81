"""Planned days to plan again because an order changed after they were planned.

A day's rounds are planned the evening before and again when the desk opens. An order that
changes in between — its drop-off or pickup moved to another slot, the order cancelled or its
items never brought — may leave a round carrying what will not be there, or miss what now must
move. The change marks the days concerned (`order_changed`, called in the change's transaction)
and the `replan-changed-days` job plans them again within minutes (rounds.jobs.replan_stale),
telling the volunteers whose rounds changed. Only days already planned, today or later, are
marked: a day not planned yet is planned with the order as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.models import (
    DayPlan,
    DeskSlot,
    Order,
    OrderLine,
    PickupRound,
    RoundItem,
    RoundStop,
)
from conciergerie.timeutils import local_date


def mark_stale(session: Session, days: Iterable[date], *, now: datetime) -> None:
    """Mark the planned `days` from today on to be planned again (once: the first mark stays)."""
    wanted = {day for day in days if day >= local_date(now)}
    if wanted:
        session.execute(
            sa.update(DayPlan)
            .where(DayPlan.day.in_(wanted), DayPlan.stale_since.is_(None))
            .values(stale_since=now)
        )


def order_changed(
    session: Session, order: Order, *, now: datetime, slots: Iterable[DeskSlot | None] = ()
) -> None:
    """`order` changed: the days whose rounds carry one of its lines, and the days of `slots`
    (its old and new slots), are to be planned again."""
    carried = session.scalars(
        sa.select(PickupRound.day)
        .join(RoundStop, RoundStop.round_id == PickupRound.id)
        .join(RoundItem, RoundItem.stop_id == RoundStop.id)
        .join(OrderLine, OrderLine.id == RoundItem.order_line_id)
        .where(OrderLine.order_id == order.id, RoundItem.done_at.is_(None))
        .distinct()
    )
    days = set(carried) | {local_date(slot.starts_at) for slot in slots if slot is not None}
    mark_stale(session, days, now=now)
