"""The last baskets are never sold twice: 20 simultaneous orders of a basket of which 5 are
left, against PostgreSQL (and a control run without the offer's lock, which must oversell).

These tests commit for real, so they do not use the rolled-back `db` fixture; they empty the
tables afterwards (as tests/orders/test_concurrency.py)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.api import service as tokens
from conciergerie.extensions import db as _db
from conciergerie.models import OrderLine, Role
from conciergerie.stock import service as stock
from tests import factories
from tests.concurrency import api_posts_at_once
from tests.conftest import empty_database

CUSTOMERS = 20
STOCK = 5
EVENING = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # the delivery day's evening, at NOW

pytestmark = pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row-level locking under concurrency is a PostgreSQL matter; CI runs this on PostgreSQL",
)


@pytest.fixture
def contested_basket(app):
    with app.app_context():
        with Session(_db.engine) as session:
            offer = factories.make_basket_offer(session, stock_per_delivery=STOCK)
            pickup = factories.make_slot(session, starts_at=EVENING, capacity=CUSTOMERS * 2)
            customer_tokens = [
                tokens.issue_token(
                    session, factories.make_user(session, Role.RESIDENT), now=factories.NOW
                )
                for _ in range(CUSTOMERS)
            ]
            session.commit()
            ids = (offer.id, pickup.id)
        yield (*ids, customer_tokens)
        with _db.engine.begin() as connection:
            empty_database(connection)


def order_all_at_once(app, offer_id, pickup_id, customer_tokens) -> Counter:
    order = {
        "lines": [{"offer_id": offer_id, "quantity": 1}],
        "pickup_slot_id": pickup_id,
        "payment": "desk",
    }
    posts = [("/api/v1/orders", order, token) for token in customer_tokens]
    return api_posts_at_once(app, posts, timeout=120)


def baskets_sold(app, offer_id: int) -> int:
    with app.app_context(), Session(_db.engine) as session:
        return session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(OrderLine.quantity), 0)).where(
                OrderLine.offer_id == offer_id
            )
        )


def test_twenty_simultaneous_orders_never_oversell(app, contested_basket):
    offer_id, pickup_id, customer_tokens = contested_basket
    answers = order_all_at_once(app, offer_id, pickup_id, customer_tokens)
    assert answers == Counter({(201, None): STOCK, (409, "sold_out"): CUSTOMERS - STOCK})
    assert baskets_sold(app, offer_id) == STOCK


def test_control_run_without_the_offer_s_lock_oversells(app, contested_basket, monkeypatch):
    """Proves the test above can fail: without the lock, the counts cross."""
    availability = stock.availability

    def slow_availability(session, offer, day):
        seen = availability(session, offer, day)
        time.sleep(0.05)  # the time a busy server takes between the count and the insert
        return seen

    monkeypatch.setattr(stock, "lock_offers", lambda session, offers: None)
    monkeypatch.setattr(stock, "availability", slow_availability)
    offer_id, pickup_id, customer_tokens = contested_basket
    order_all_at_once(app, offer_id, pickup_id, customer_tokens)
    assert baskets_sold(app, offer_id) > STOCK
