"""The registered sweep: reads the lead time from the config and sums up what it did."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from conciergerie.jobs.registry import BY_ID
from conciergerie.models import BasketSubscription, PaymentMethod, Role, SubscriptionStatus
from tests.factories import make_basket_offer, make_slot, make_user


def test_the_scheduled_job_places_the_due_baskets(app, session, monkeypatch):
    make_slot(session, starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    session.add(
        BasketSubscription(
            customer=make_user(session, Role.RESIDENT),
            offer=make_basket_offer(session),
            first_delivery=date(2026, 12, 3),
            pickup_from=time(17, 0),
            payment_method=PaymentMethod.DESK,
            status=SubscriptionStatus.ACTIVE,
        )
    )
    session.flush()
    job = BY_ID["place-subscription-orders"]
    assert job.trigger == "interval"
    monkeypatch.setitem(app.config, "SUBSCRIPTION_LEAD_DAYS", 1)  # the cut-off is 3 days away
    assert job.sweep(session, datetime(2026, 11, 28, 12, 0, tzinfo=UTC))["ordered"] == 0
    monkeypatch.setitem(app.config, "SUBSCRIPTION_LEAD_DAYS", 3)
    figures = job.sweep(session, datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    assert job.say(figures) == (
        "1 panier commandé, 0 en pause, 0 non placés, 0 non proposés, 0 en erreur"
    )
