"""Scheduled sweeps: remind customers the day before a slot, and of work waiting at the desk past
its pickup day; mark work left far too long uncollected (safe to run again and again)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.invoices import service as invoices
from conciergerie.models import DeskSlot, Order, OrderStatus
from conciergerie.orders import notifications
from conciergerie.orders.service import record
from conciergerie.timeutils import local_date, start_of_local_day

# Orders that still expect the customer at the desk for the drop-off, or for the pickup.
EXPECT_DROPOFF = [OrderStatus.CONFIRMED]
EXPECT_PICKUP = [
    OrderStatus.CONFIRMED,
    OrderStatus.DROPPED_OFF,
    OrderStatus.AT_PROVIDER,
    OrderStatus.READY_AT_PROVIDER,
    OrderStatus.BACK_AT_DESK,
]


def send_reminders(session: Session, *, now: datetime) -> int:
    """Mark and mail every order with a slot tomorrow (Paris time) not yet reminded.

    Each reminder is marked sent in the transaction that writes its mail to the outbox: running
    the sweep twice never sends twice.
    """
    tomorrow = local_date(now) + timedelta(days=1)
    start, end = start_of_local_day(tomorrow), start_of_local_day(tomorrow + timedelta(days=1))
    sent = 0
    for which, slot_column, sent_column, statuses in (
        ("dropoff", Order.dropoff_slot_id, Order.dropoff_reminder_sent_at, EXPECT_DROPOFF),
        ("pickup", Order.pickup_slot_id, Order.pickup_reminder_sent_at, EXPECT_PICKUP),
    ):
        due = session.scalars(
            sa.select(Order)
            .join(DeskSlot, slot_column == DeskSlot.id)
            .where(
                DeskSlot.starts_at >= start,
                DeskSlot.starts_at < end,
                sent_column.is_(None),
                Order.status.in_(statuses),
            )
            .with_for_update(of=Order, skip_locked=True)
        ).all()
        for order in due:
            setattr(order, sent_column.key, now)
            notifications.send_reminder(order, which=which)
            sent += 1
    session.flush()
    return sent


def remind_uncollected(session: Session, *, now: datetime, after_days: int) -> int:
    """Mail, once, each customer whose work has waited at the desk `after_days` days past the day
    of its pickup slot (Paris time). The desk sees such orders flagged from the next day on."""
    last_pickup_day = local_date(now) - timedelta(days=after_days)
    due = session.scalars(
        sa.select(Order)
        .join(DeskSlot, Order.pickup_slot_id == DeskSlot.id)
        .where(
            Order.status == OrderStatus.BACK_AT_DESK,
            DeskSlot.starts_at < start_of_local_day(last_pickup_day + timedelta(days=1)),
            Order.uncollected_reminder_sent_at.is_(None),
        )
        .with_for_update(of=Order, skip_locked=True)
    ).all()
    from conciergerie.desk.service import awaited_since

    # Work that came back late counts from the day it came back.
    due = [order for order in due if awaited_since(order) <= last_pickup_day]
    for order in due:
        order.uncollected_reminder_sent_at = now
        notifications.send_uncollected(order)
    session.flush()
    return len(due)


def mark_uncollected(session: Session, *, now: datetime, after_days: int) -> int:
    """Mark UNCOLLECTED each order whose work has waited at the desk more than `after_days` days
    past the day it could first be collected, and tell its customer once.

    The provider did the work: it is owed all the same (the accounts count the order from
    then), and the customer still owes what is unpaid. The desk keeps the item and still hands
    it over if the customer comes at last.
    """
    from conciergerie.desk.service import awaited_since

    last_day = local_date(now) - timedelta(days=after_days + 1)
    due = session.scalars(
        sa.select(Order)
        .join(DeskSlot, Order.pickup_slot_id == DeskSlot.id)
        .where(
            Order.status == OrderStatus.BACK_AT_DESK,
            DeskSlot.starts_at < start_of_local_day(last_day + timedelta(days=1)),
        )
        .with_for_update(of=Order, skip_locked=True)
    ).all()
    due = [order for order in due if awaited_since(order) <= last_day]
    for order in due:
        record(order, OrderStatus.UNCOLLECTED, actor=None, now=now)
        invoices.issue_order_invoice(session, order, now=now)  # the work is done: it is owed
        notifications.send_marked_uncollected(order)
    session.flush()
    return len(due)
