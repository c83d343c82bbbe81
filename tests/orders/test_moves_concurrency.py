"""Moving into a slot keeps the booking's guarantee: customers moving at once into the last
place of a slot (PostgreSQL, real commits, one request per thread): one gets it, the others a
409 `slot_full`, and the slot is never overbooked. The control run, with the guard switched
off, overbooks: the test can fail.

These tests commit for real, so they do not use the rolled-back `db` fixture; they empty the
tables afterwards."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.api import service as tokens
from conciergerie.extensions import db as _db
from conciergerie.models import DeskSlot, Order
from conciergerie.slots import service as slots_service
from tests import factories
from tests.concurrency import api_posts_at_once, unguarded_reserve
from tests.conftest import empty_database
from tests.factories import NOW

pytestmark = pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row-level locking under concurrency is a PostgreSQL matter; CI runs this on PostgreSQL",
)

FRIDAY_18H = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


def committed_orders(app, customers: int, places: int):
    """`customers` orders (each its own customer, with a token), all collected on Wednesday
    2 December, and a Friday slot with `places` places left; committed."""
    with app.app_context(), Session(_db.engine) as session:
        offer = factories.make_offer(session, turnaround_days=1)
        wanted = factories.make_slot(session, starts_at=FRIDAY_18H, capacity=places)
        dropoff = factories.make_slot(session, capacity=customers)
        pickup = factories.make_slot(
            session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC), capacity=customers
        )
        moves = []
        for _ in range(customers):
            order = factories.make_order(session, offer=offer, dropoff=dropoff, pickup=pickup)
            moves.append((order.id, tokens.issue_token(session, order.customer, now=NOW)))
        session.commit()
        return wanted.id, pickup.id, moves


@pytest.fixture
def cleanup(app):
    yield
    with app.app_context(), _db.engine.begin() as connection:
        empty_database(connection)


def move_all_at_once(app, slot_id: int, moves) -> Counter:
    posts = [
        (f"/api/v1/orders/{order_id}/slots", {"pickup_slot_id": slot_id}, token)
        for order_id, token in moves
    ]
    return api_posts_at_once(app, posts, timeout=120)


def slot_state(app, slot_id: int) -> tuple[int, int]:
    """(orders collected in the slot, its booked counter)."""
    with app.app_context(), Session(_db.engine) as session:
        orders = session.scalar(
            sa.select(sa.func.count()).select_from(Order).where(Order.pickup_slot_id == slot_id)
        )
        return orders, session.get(DeskSlot, slot_id).booked


def test_two_customers_moving_into_the_last_place_at_once(app, cleanup):
    wanted, old, moves = committed_orders(app, customers=2, places=1)
    answers = move_all_at_once(app, wanted, moves)
    assert answers == Counter({(200, None): 1, (409, "slot_full"): 1})
    assert slot_state(app, wanted) == (1, 1)
    assert slot_state(app, old) == (1, 1)  # the loser keeps its slot, and its place


def test_twelve_customers_moving_into_three_places(app, cleanup):
    wanted, old, moves = committed_orders(app, customers=12, places=3)
    answers = move_all_at_once(app, wanted, moves)
    assert answers == Counter({(200, None): 3, (409, "slot_full"): 9})
    assert slot_state(app, wanted) == (3, 3)
    assert slot_state(app, old) == (9, 9)


def test_control_run_without_the_guard_overbooks(app, cleanup, monkeypatch):
    """Proves the tests above can fail: with the guard switched off, moves overbook the slot."""
    monkeypatch.setattr(slots_service, "reserve_place", unguarded_reserve)
    wanted, _old, moves = committed_orders(app, customers=12, places=3)
    answers = move_all_at_once(app, wanted, moves)
    orders, booked = slot_state(app, wanted)
    print(f"control run: answers={dict(answers)} orders={orders} booked={booked}")
    assert answers[(200, None)] > 3 and orders > 3
