"""Two providers' sales over October and November 2026, for the payouts' tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conciergerie.models import OrderEvent, OrderStatus, Role
from tests.factories import make_offer, make_order, make_provider, make_user

DEFAULT_RATE = 1_000


def hand_over(session, order, at):
    session.add(
        OrderEvent(order=order, from_status=order.status, to_status=OrderStatus.HANDED_OVER, at=at)
    )
    order.status = OrderStatus.HANDED_OVER
    session.flush()


@pytest.fixture
def sales(session):
    """The cobbler (7,5 %): 18,00 € handed over in November (net 16,65 €), 36,00 € in October
    (net 33,30 €). The ironing (the default 10 %): 7,50 € in November (net 6,75 €)."""
    cobbler = make_provider(
        session, name="Cordonnerie Gambetta", slug="cordo", commission_rate_bp=750
    )
    ironing = make_provider(session, name="Repassage Lille Sud", slug="repassage")
    resole = make_offer(session, provider=cobbler, name="Ressemelage", price_cents=1800)
    shirt = make_offer(session, provider=ironing, name="Chemise", price_cents=250)
    hand_over(session, make_order(session, offer=resole), datetime(2026, 11, 3, 9, tzinfo=UTC))
    hand_over(
        session, make_order(session, offer=resole, quantity=2), datetime(2026, 10, 9, 9, tzinfo=UTC)
    )
    hand_over(
        session, make_order(session, offer=shirt, quantity=3), datetime(2026, 11, 4, 9, tzinfo=UTC)
    )
    return cobbler, ironing


@pytest.fixture
def concierge(session):
    return make_user(session, Role.CONCIERGE)
