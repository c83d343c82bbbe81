"""The desk's day (desk.service.day_slots): who is expected in each slot, who is late, the
filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conciergerie.desk import service as desk
from conciergerie.models import OrderStatus
from tests import factories

THURSDAY = date(2026, 11, 26)
EIGHT = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # 8:00 in Paris
AFTER_THE_DAY = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def day(session):
    slot = factories.make_slot(session, starts_at=EIGHT)
    other = factories.make_slot(session, starts_at=EIGHT + timedelta(minutes=30))
    dropping = factories.make_order(
        session, customer=factories.make_user(session, full_name="Zoé Dépôt")
    )
    collecting = factories.make_order(
        session, customer=factories.make_user(session, full_name="Ali Retrait")
    )
    collecting.dropoff_slot, collecting.pickup_slot = None, other
    collecting.status = OrderStatus.BACK_AT_DESK
    cancelled = factories.make_order(session)
    cancelled.status = OrderStatus.CANCELLED
    session.flush()
    return slot, other, dropping, collecting


def orders_of(day_list):
    return [
        (entry.slot, [row.order for row in entry.dropping_off], [r.order for r in entry.collecting])
        for entry in day_list
    ]


def test_each_slot_of_the_day_with_who_drops_off_and_who_collects(session, day):
    slot, other, dropping, collecting = day
    found = desk.day_slots(session, THURSDAY, now=factories.NOW)
    assert orders_of(found) == [(slot, [dropping], []), (other, [], [collecting])]  # not cancelled
    assert not any(row.late for entry in found for row in entry.rows)
    assert desk.day_slots(session, THURSDAY + timedelta(days=1), now=factories.NOW) == []


@pytest.mark.parametrize(
    ("status", "late_to_drop_off", "late_to_collect"),
    [
        (OrderStatus.CONFIRMED, True, True),
        (OrderStatus.DROPPED_OFF, False, True),
        (OrderStatus.BACK_AT_DESK, False, True),
        (OrderStatus.UNCOLLECTED, False, True),
        (OrderStatus.HANDED_OVER, False, False),
        (OrderStatus.NO_SHOW, False, False),
    ],
)
def test_late_once_the_slot_is_over(session, status, late_to_drop_off, late_to_collect):
    order = factories.make_order(session)
    order.status = status
    slot = order.dropoff_slot
    assert not desk.is_late(order, slot, pickup=False, now=slot.ends_at - timedelta(minutes=1))
    assert desk.is_late(order, slot, pickup=False, now=slot.ends_at) is late_to_drop_off
    assert desk.is_late(order, slot, pickup=True, now=slot.ends_at) is late_to_collect


def test_filters_keep_a_slot_a_state_or_the_late(session, day):
    slot, other, dropping, collecting = day
    found = desk.day_slots(session, THURSDAY, now=AFTER_THE_DAY)
    assert orders_of(desk.narrowed(found, desk.DayFilters(slot_id=other.id))) == [
        (other, [], [collecting])
    ]
    assert orders_of(desk.narrowed(found, desk.DayFilters(status=OrderStatus.CONFIRMED))) == [
        (slot, [dropping], [])
    ]
    collecting.status = OrderStatus.HANDED_OVER
    found = desk.day_slots(session, THURSDAY, now=AFTER_THE_DAY)
    assert orders_of(desk.narrowed(found, desk.DayFilters(late_only=True))) == [
        (slot, [dropping], [])
    ]


def test_the_match_of_a_search(session):
    first, second = factories.make_order(session), factories.make_order(session)
    assert desk.the_match([first, second], f" {second.code.lower()} ") is second
    assert desk.the_match([first], "nadia") is first
    assert desk.the_match([first, second], "nadia") is None
    assert desk.the_match([], "nadia") is None
