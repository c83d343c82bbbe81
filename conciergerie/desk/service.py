"""What the desk screen lists."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from conciergerie.models import DeskSlot, Order, OrderStatus

ACTIVE = [status for status in OrderStatus if not status.is_final]


def active_orders(session: Session, *, code: str | None = None) -> list[Order]:
    """Orders still moving, by their next slot (pickup when there is no drop-off)."""
    dropoff, pickup = aliased(DeskSlot), aliased(DeskSlot)
    query = (
        sa.select(Order)
        .join(pickup, Order.pickup_slot_id == pickup.id)
        .outerjoin(dropoff, Order.dropoff_slot_id == dropoff.id)
        .options(
            selectinload(Order.lines),
            selectinload(Order.customer),
            selectinload(Order.dropoff_slot),
            selectinload(Order.pickup_slot),
            selectinload(Order.payments),
            selectinload(Order.refunds),
        )
        .order_by(sa.func.coalesce(dropoff.starts_at, pickup.starts_at), Order.id)
    )
    if code:
        query = query.where(Order.code == code.strip().upper())
    else:
        query = query.where(Order.status.in_(ACTIVE))
    return list(session.scalars(query))
