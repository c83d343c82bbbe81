"""The same Stripe event delivered 5 times at once confirms the order exactly once (PostgreSQL)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.models import (
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentMethod,
    StripeEvent,
)
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.testing import signed_event
from tests import factories
from tests.concurrency import at_once
from tests.conftest import empty_database
from tests.factories import SETTINGS
from tests.payments.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="concurrent deliveries are a PostgreSQL matter; CI runs this on PostgreSQL",
)


@pytest.fixture
def paid_session(app, gateway, checkout_stub):
    """A committed order awaiting payment, its Checkout Session paid at Stripe."""
    now = datetime.now(UTC)
    with app.app_context(), Session(_db.engine) as session:
        order = orders.place_order(
            session,
            customer=factories.make_user(session),
            lines=[orders.RequestedLine(factories.make_offer(session, turnaround_days=0), 1)],
            dropoff_slot=factories.make_slot(session, starts_at=now + timedelta(days=2)),
            pickup_slot=factories.make_slot(session, starts_at=now + timedelta(days=9)),
            note="",
            payment=PaymentMethod.ONLINE,
            now=now,
            settings=replace(SETTINGS, online_payment=True),
        )
        payments.start_checkout(
            session,
            order,
            gateway=gateway,
            success_url="http://x/ok",
            cancel_url="http://x/ko",
            now=now,
        )
        session.commit()
        order_id, session_id = order.id, order.stripe_checkout_session_id
    checkout_stub.pay(gateway, session_id)
    yield order_id, session_id
    with app.app_context(), _db.engine.begin() as connection:
        empty_database(connection)


def test_same_event_five_times_at_once_confirms_once(app, paid_session):
    order_id, session_id = paid_session
    body, signature = signed_event(
        "checkout.session.completed",
        {"id": session_id, "object": "checkout.session"},
        secret=WEBHOOK_SECRET,
        timestamp=int(datetime.now(UTC).timestamp()),
        event_id="evt_delivered_five_times",
    )

    def deliver(start):
        client = app.test_client()
        start()
        response = client.post(
            "/payments/stripe/webhook",
            data=body,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )
        return response.status_code

    answers = at_once(deliver, [()] * 5, timeout=60)
    assert answers == [200] * 5
    with app.app_context(), Session(_db.engine) as session:
        assert session.get(Order, order_id).status is OrderStatus.CONFIRMED
        assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 1
        confirmations = session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderEvent)
            .where(OrderEvent.order_id == order_id, OrderEvent.to_status == OrderStatus.CONFIRMED)
        )
        assert confirmations == 1
