"""What the desk screen lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from conciergerie.models import DeskSlot, Order, OrderLine, OrderStatus, User
from conciergerie.timeutils import local_date, start_of_local_day

ACTIVE = [status for status in OrderStatus if not status.is_final]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def active_orders(session: Session, *, search: str | None = None) -> list[Order]:
    """Orders still moving, by their next slot (pickup when there is no drop-off).

    `search` finds any order, finished ones too: by its exact code, or by a piece of the
    customer's name or e-mail address (case-insensitive), the most recent first.
    """
    dropoff, pickup = aliased(DeskSlot), aliased(DeskSlot)
    query = (
        sa.select(Order)
        .join(pickup, Order.pickup_slot_id == pickup.id)
        .outerjoin(dropoff, Order.dropoff_slot_id == dropoff.id)
        .options(
            selectinload(Order.lines).selectinload(OrderLine.provider),
            selectinload(Order.customer),
            selectinload(Order.dropoff_slot),
            selectinload(Order.pickup_slot),
            selectinload(Order.payments),
            selectinload(Order.refunds),
        )
    )
    search = (search or "").strip()
    if not search:
        return list(
            session.scalars(
                query.where(Order.status.in_(ACTIVE)).order_by(
                    sa.func.coalesce(dropoff.starts_at, pickup.starts_at), Order.id
                )
            )
        )
    pattern = f"%{_escape_like(search.lower())}%"
    found = query.join(User, User.id == Order.customer_id).where(
        sa.or_(
            Order.code == search.upper(),
            sa.func.lower(User.full_name).like(pattern, escape="\\"),
            User.email.like(pattern, escape="\\"),  # stored lower-cased
        )
    )
    return list(session.scalars(found.order_by(Order.placed_at.desc(), Order.id).limit(50)))


@dataclass(frozen=True)
class SlotOfTheDay:
    slot: DeskSlot
    dropping_off: list[Order]
    collecting: list[Order]


def todays_slots(session: Session, *, now: datetime) -> list[SlotOfTheDay]:
    """Today's desk slots (in Paris) with who is expected in each, to drop off or to collect."""
    day = local_date(now)
    start, end = start_of_local_day(day), start_of_local_day(day + timedelta(days=1))
    slots = session.scalars(
        sa.select(DeskSlot)
        .where(DeskSlot.starts_at >= start, DeskSlot.starts_at < end)
        .order_by(DeskSlot.starts_at)
    ).all()
    ids = [slot.id for slot in slots]
    expected = session.scalars(
        sa.select(Order)
        .where(
            sa.or_(Order.dropoff_slot_id.in_(ids), Order.pickup_slot_id.in_(ids)),
            Order.status.in_(ACTIVE),
        )
        .options(selectinload(Order.customer))
        .order_by(Order.code)
    ).all()
    return [
        SlotOfTheDay(
            slot,
            [o for o in expected if o.dropoff_slot_id == slot.id and not _dropped(o)],
            [o for o in expected if o.pickup_slot_id == slot.id],
        )
        for slot in slots
    ]


def _dropped(order: Order) -> bool:
    return order.status not in (
        OrderStatus.PLACED,
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.CONFIRMED,
    )


def awaited_since(order: Order) -> date:
    """The day an order waiting at the desk could first be collected: its pickup day, or the
    day its work came back if that was later."""
    back = [line.back_at_desk_at for line in order.lines if line.back_at_desk_at is not None]
    day = local_date(order.pickup_slot.ends_at)
    return max(day, local_date(max(back))) if back else day


def uncollected_since(order: Order, *, now: datetime) -> date | None:
    """For an order waiting at the desk: the day it could be collected, once that day is over."""
    if order.status is not OrderStatus.BACK_AT_DESK:
        return None
    day = awaited_since(order)
    return day if day < local_date(now) else None
