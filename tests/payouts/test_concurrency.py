"""Two concierges recording a month's payout at once never pay more than is owed (PostgreSQL)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.models import Provider, ProviderPayout, Role, User
from conciergerie.payouts import service as payouts
from tests import factories
from tests.concurrency import at_once
from tests.conftest import empty_database
from tests.payouts.conftest import DEFAULT_RATE, hand_over

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row-level locking under concurrency is a PostgreSQL matter; CI runs this on PostgreSQL",
)
CONCIERGES = 6


@pytest.fixture
def owed_month(app):
    """A provider owed 16,65 € for November, and concierges ready to pay it."""
    with app.app_context():
        with Session(_db.engine) as session:
            cobbler = factories.make_provider(session, commission_rate_bp=750)
            offer = factories.make_offer(session, provider=cobbler, price_cents=1_800)
            order = factories.make_order(session, offer=offer)
            hand_over(session, order, datetime(2026, 11, 3, 9, tzinfo=UTC))
            people = [factories.make_user(session, Role.CONCIERGE) for _ in range(CONCIERGES)]
            session.commit()
            ids = cobbler.id, [p.id for p in people]
        yield ids
        with _db.engine.begin() as connection:
            empty_database(connection)


def test_simultaneous_payouts_of_the_whole_month_pay_it_once(app, owed_month):
    provider_id, concierge_ids = owed_month

    def pay(start, concierge_id: int) -> str:
        with app.app_context(), Session(_db.engine) as session:
            provider, actor = session.get(Provider, provider_id), session.get(User, concierge_id)
            start()
            try:
                payouts.record_payout(
                    session,
                    provider,
                    month=date(2026, 11, 1),
                    paid_on=date(2026, 11, 20),
                    amount_cents=1_665,
                    bank_reference=f"VIR-{concierge_id}",
                    actor=actor,
                    now=factories.NOW,
                    default_rate_bp=DEFAULT_RATE,
                )
                session.commit()
                return "paid"
            except payouts.PayoutError:
                session.rollback()
                return "refused"

    outcomes = at_once(pay, [(i,) for i in concierge_ids], timeout=60)
    assert sorted(outcomes) == ["paid"] + ["refused"] * (CONCIERGES - 1)
    with app.app_context(), Session(_db.engine) as session:
        paid = session.scalar(
            sa.select(sa.func.sum(ProviderPayout.amount_cents)).where(
                ProviderPayout.provider_id == provider_id
            )
        )
        assert paid == 1_665
