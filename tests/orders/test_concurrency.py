"""No overbooking, ever: 50 simultaneous bookings of one slot against PostgreSQL; and a
customer's simultaneous orders pass the limit of open orders paid at the desk once.

These tests commit for real (each request is its own transaction, as in production), so they
do not use the rolled-back `db` fixture; they empty the tables afterwards.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.api import service as tokens
from conciergerie.extensions import db as _db
from conciergerie.models import DeskSlot, Order, Role
from conciergerie.slots import service as slots_service
from tests import factories
from tests.concurrency import api_posts_at_once, unguarded_reserve
from tests.conftest import empty_database

CUSTOMERS = 50
CAPACITY = 5

pytestmark = pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row-level locking under concurrency is a PostgreSQL matter; CI runs this on PostgreSQL",
)


@pytest.fixture
def contested_slot(app):
    """A drop-off slot of capacity CAPACITY, 50 customers with API tokens, all committed."""
    now = datetime.now(UTC)
    with app.app_context():
        with Session(_db.engine) as session:
            offer = factories.make_offer(session, turnaround_days=0)
            dropoff = factories.make_slot(
                session, starts_at=now + timedelta(days=2), capacity=CAPACITY
            )
            pickup = factories.make_slot(
                session, starts_at=now + timedelta(days=9), capacity=CUSTOMERS * 2
            )
            customer_tokens = [
                tokens.issue_token(session, factories.make_user(session, Role.RESIDENT), now=now)
                for _ in range(CUSTOMERS)
            ]
            session.commit()
            ids = (offer.id, dropoff.id, pickup.id)
        yield (*ids, customer_tokens)
        with _db.engine.begin() as connection:
            empty_database(connection)


def book_all_at_once(app, offer_id, dropoff_id, pickup_id, customer_tokens) -> Counter:
    """Every customer posts the same order at the same instant; count the answers."""
    order = {
        "lines": [{"offer_id": offer_id, "quantity": 1}],
        "dropoff_slot_id": dropoff_id,
        "pickup_slot_id": pickup_id,
        "payment": "desk",
    }
    posts = [("/api/v1/orders", order, token) for token in customer_tokens]
    return api_posts_at_once(app, posts, timeout=120)


def orders_in(app, slot_id: int) -> tuple[int, int]:
    with app.app_context(), Session(_db.engine) as session:
        orders = session.scalar(
            sa.select(sa.func.count()).select_from(Order).where(Order.dropoff_slot_id == slot_id)
        )
        return orders, session.get(DeskSlot, slot_id).booked


def test_fifty_simultaneous_bookings_never_overbook(app, contested_slot):
    offer_id, dropoff_id, pickup_id, customer_tokens = contested_slot
    answers = book_all_at_once(app, offer_id, dropoff_id, pickup_id, customer_tokens)
    assert answers == Counter({(201, None): CAPACITY, (409, "slot_full"): CUSTOMERS - CAPACITY})
    assert orders_in(app, dropoff_id) == (CAPACITY, CAPACITY)


def test_control_run_without_the_guard_overbooks(app, contested_slot, monkeypatch):
    """Proves the test above can fail: with the guard switched off, the slot is overbooked."""
    monkeypatch.setattr(slots_service, "reserve_place", unguarded_reserve)
    offer_id, dropoff_id, pickup_id, customer_tokens = contested_slot
    answers = book_all_at_once(app, offer_id, dropoff_id, pickup_id, customer_tokens)
    orders, booked = orders_in(app, dropoff_id)
    print(f"control run: answers={dict(answers)} orders={orders} booked={booked}")
    assert answers[(201, None)] > CAPACITY
    assert orders > CAPACITY  # more customers than places: what the guard prevents
    assert booked <= CAPACITY  # lost updates: the counter no longer tells the truth


@pytest.fixture
def order_to_cancel(app):
    """A committed order sharing its slot with two others, and eight tokens of its customer."""
    now = datetime.now(UTC)
    with app.app_context():
        with Session(_db.engine) as session:
            dropoff = factories.make_slot(session, starts_at=now + timedelta(days=2), capacity=5)
            pickup = factories.make_slot(session, starts_at=now + timedelta(days=9), capacity=5)
            orders = [
                factories.make_order(session, dropoff=dropoff, pickup=pickup, now=now)
                for _ in range(3)
            ]
            customer = orders[0].customer
            customer_tokens = [tokens.issue_token(session, customer, now=now) for _ in range(8)]
            session.commit()
            ids = (orders[0].id, dropoff.id)
        yield (*ids, customer_tokens)
        with _db.engine.begin() as connection:
            empty_database(connection)


def test_simultaneous_cancels_free_the_places_once(app, order_to_cancel):
    from conciergerie.models import OrderEvent, OrderStatus

    order_id, dropoff_id, customer_tokens = order_to_cancel
    posts = [(f"/api/v1/orders/{order_id}/cancel", None, token) for token in customer_tokens]
    answers = api_posts_at_once(app, posts, timeout=60)
    statuses = sorted(status for status, _code in answers.elements())
    assert statuses == [200] + [409] * (len(customer_tokens) - 1)
    with app.app_context(), Session(_db.engine) as session:
        assert session.get(DeskSlot, dropoff_id).booked == 2  # the two other orders
        cancellations = session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderEvent)
            .where(OrderEvent.order_id == order_id, OrderEvent.to_status == OrderStatus.CANCELLED)
        )
        assert cancellations == 1


# One customer's orders at once: the limit of open orders paid at the desk -----------------------

OPEN_AT_ONCE = 8


@pytest.fixture
def customer_at_two_open_orders(app):
    """A customer holding two orders paid at the desk, not yet dropped off (the limit is three),
    with OPEN_AT_ONCE tokens; roomy slots; all committed."""
    now = datetime.now(UTC)
    with app.app_context():
        with Session(_db.engine) as session:
            offer = factories.make_offer(session, turnaround_days=0)
            dropoff = factories.make_slot(session, starts_at=now + timedelta(days=2), capacity=20)
            pickup = factories.make_slot(session, starts_at=now + timedelta(days=9), capacity=20)
            customer = factories.make_user(session, Role.RESIDENT)
            for _ in range(2):
                factories.make_order(
                    session, customer=customer, offer=offer, dropoff=dropoff, pickup=pickup, now=now
                )
            customer_tokens = [
                tokens.issue_token(session, customer, now=now) for _ in range(OPEN_AT_ONCE)
            ]
            session.commit()
            ids = (offer.id, dropoff.id, pickup.id)
        yield (*ids, customer_tokens)
        with _db.engine.begin() as connection:
            empty_database(connection)


def test_simultaneous_orders_of_one_customer_pass_the_limit_once(app, customer_at_two_open_orders):
    """The customer's row is locked before their open orders are counted: one order passes."""
    offer_id, dropoff_id, pickup_id, customer_tokens = customer_at_two_open_orders
    answers = book_all_at_once(app, offer_id, dropoff_id, pickup_id, customer_tokens)
    assert answers == Counter({(201, None): 1, (422, "too_many_open_orders"): OPEN_AT_ONCE - 1})
    assert orders_in(app, dropoff_id) == (3, 3)


def test_control_run_without_the_lock_passes_the_limit(
    app, customer_at_two_open_orders, monkeypatch
):
    """Proves the test above can fail: without the lock, several orders count two and pass."""
    from conciergerie.orders import service as orders_service

    count = orders_service.open_desk_orders

    def slow_count(session, customer) -> int:
        found = count(session, customer)
        time.sleep(0.05)  # the time a busy server takes between the count and the insert
        return found

    monkeypatch.setattr(orders_service, "lock_customer", lambda session, customer: None)
    monkeypatch.setattr(orders_service, "open_desk_orders", slow_count)
    offer_id, dropoff_id, pickup_id, customer_tokens = customer_at_two_open_orders
    answers = book_all_at_once(app, offer_id, dropoff_id, pickup_id, customer_tokens)
    print(f"control run: answers={dict(answers)} orders={orders_in(app, dropoff_id)}")
    assert answers[(201, None)] > 1
    assert orders_in(app, dropoff_id)[0] > 3  # more open orders than the limit
