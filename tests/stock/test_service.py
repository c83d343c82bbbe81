"""Basket stock: what one-off orders may take, subscriptions first, a short week told, and the
producer's list of a delivery day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conciergerie.database import commit
from conciergerie.models import (
    DeliveryOutcome,
    OrderOrigin,
    OrderStatus,
    PaymentMethod,
    ProviderClosure,
    Role,
)
from conciergerie.orders import service as orders
from conciergerie.stock import service as stock
from conciergerie.subscriptions import service as subscriptions
from tests.factories import (
    NOW,
    SETTINGS,
    make_basket_offer,
    make_order,
    make_slot,
    make_subscription,
    make_user,
)

THU = date(2026, 12, 3)  # the next delivery at NOW (Wednesday 25 Nov: the 26th's cut-off is past)
EVENING = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 17:00 in Paris
JOB_NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # 3 days before the cut-off
LEAD = timedelta(days=3)


@pytest.fixture
def offer(session):
    return make_basket_offer(session, name="Panier solo", stock_per_delivery=5)


@pytest.fixture
def pickup(session):
    return make_slot(session, starts_at=EVENING, capacity=20)


def order(session, offer, quantity, customer=None, **kw):
    return make_order(
        session,
        offer=offer,
        quantity=quantity,
        customer=customer or make_user(session, Role.RESIDENT),
        pickup=make_slot(session, starts_at=EVENING, capacity=20),
        **kw,
    )


def subscribe(session, offer, quantity, *, name="Inès Martin"):
    return make_subscription(
        session,
        offer,
        customer=make_user(session, Role.RESIDENT, full_name=name),
        quantity=quantity,
    )


def test_a_basket_line_comes_with_its_next_delivery(session, offer, pickup):
    placed = order(session, offer, 2)
    assert placed.lines[0].delivery_day == THU


def test_no_stock_means_no_limit(session, pickup):
    offer = make_basket_offer(session)
    order(session, offer, 15)
    seen = stock.availability(session, offer, THU)
    assert seen.left_for_orders is None and not seen.short


def test_orders_beyond_what_is_left_are_refused_with_what_is_left(session, offer, pickup):
    order(session, offer, 3)
    with pytest.raises(orders.SoldOut) as refused:
        order(session, offer, 3)
    assert refused.value.status == 409 and refused.value.code == "sold_out"
    assert refused.value.field == "lines[0].quantity"
    assert "Il ne reste que 2 « Panier solo » pour la livraison du" in str(refused.value)
    order(session, offer, 2)  # exactly what is left
    with pytest.raises(orders.SoldOut, match="Plus aucun « Panier solo »"):
        order(session, offer, 1)


def test_a_cancelled_order_gives_its_baskets_back(session, offer, pickup):
    placed = order(session, offer, 5)
    concierge = make_user(session, Role.CONCIERGE)
    orders.cancel_order(session, placed, actor=concierge, now=NOW)
    order(session, offer, 5)


def test_the_next_week_has_its_own_stock(session, offer, pickup):
    order(session, offer, 5)
    later = NOW + timedelta(weeks=1)
    placed = make_order(
        session,
        offer=offer,
        quantity=5,
        pickup=make_slot(session, starts_at=EVENING + timedelta(weeks=1)),
        now=later,
    )
    assert placed.lines[0].delivery_day == THU + timedelta(weeks=1)


def test_subscriptions_hold_their_places_before_their_order_is_placed(session, offer, pickup):
    subscribe(session, offer, 2)  # its order is placed 3 days before the cut-off, not yet
    seen = stock.availability(session, offer, THU)
    assert (seen.held, seen.left_for_orders) == (2, 3)
    with pytest.raises(orders.SoldOut, match="Il ne reste que 3"):
        order(session, offer, 4)
    order(session, offer, 3)


def test_a_subscription_s_order_takes_the_place_it_held(session, offer, pickup, outbox):
    subscription = subscribe(session, offer, 2)
    order(session, offer, 3)  # what one-off orders may take
    subscriptions.place_subscription_orders(session, now=JOB_NOW, lead=LEAD, settings=SETTINGS)
    commit(session)
    [record] = subscription.deliveries
    assert record.outcome is DeliveryOutcome.ORDERED
    assert record.order.origin is OrderOrigin.SUBSCRIPTION
    assert record.order.lines[0].delivery_day == THU
    seen = stock.availability(session, offer, THU)
    assert (seen.one_off, seen.subscribed, seen.held, seen.short) == (3, 2, 0, False)


def test_a_stock_lowered_below_the_subscriptions_makes_the_newest_short_and_told(
    session, offer, pickup, outbox
):
    first = subscribe(session, offer, 2, name="Inès Martin")
    second = subscribe(session, offer, 2, name="Paul Leroy")
    offer.stock_per_delivery = 3  # the producer brings fewer this season
    session.flush()
    assert stock.availability(session, offer, THU).short
    counts = subscriptions.place_subscription_orders(
        session, now=JOB_NOW, lead=LEAD, settings=SETTINGS
    )
    commit(session)
    assert counts == {DeliveryOutcome.ORDERED: 1, DeliveryOutcome.SHORT: 1}
    assert first.deliveries[0].outcome is DeliveryOutcome.ORDERED
    assert second.deliveries[0].outcome is DeliveryOutcome.SHORT
    assert second.deliveries[0].order is None
    [short_mail] = [mail for mail in outbox if second.customer.email in mail.to]
    assert short_mail.subject == "Pas de panier « Panier solo » cette semaine"
    assert "apporte moins de paniers « Panier solo »" in short_mail.body
    assert subscriptions.figures(counts)["not_placed"] == 1


def test_a_new_subscription_is_refused_when_the_subscribers_fill_the_stock(session, offer):
    subscribe(session, offer, 4)
    with pytest.raises(subscriptions.SubscriptionError, match="Plus assez de « Panier solo »"):
        subscribe(session, offer, 2, name="Paul Leroy")
    subscribe(session, offer, 1, name="Paul Leroy")


def test_a_closed_producer_delivers_nothing_that_day(session, offer, pickup, outbox):
    subscription = subscribe(session, offer, 1)
    offer.provider.closures.append(
        ProviderClosure(first_day=THU, last_day=THU, reason="Grêle sur les serres")
    )
    session.flush()
    # A one-off order goes to the next delivery…
    assert orders.next_delivery_day(offer, NOW) == THU + timedelta(weeks=1)
    # …a subscription's week is short.
    subscriptions.place_subscription_orders(session, now=JOB_NOW, lead=LEAD, settings=SETTINGS)
    commit(session)
    assert subscription.deliveries[0].outcome is DeliveryOutcome.SHORT


def test_the_producer_s_list_has_initials_slots_and_totals(session, offer, pickup):
    eggs = make_basket_offer(session, provider=offer.provider, name="Œufs", unit="la boîte")
    order(session, offer, 2, customer=make_user(session, full_name="Martine Delcroix"))
    order(session, eggs, 1, customer=make_user(session, full_name="jean-luc Petit"))
    cancelled = order(session, offer, 1)
    orders.cancel_order(session, cancelled, actor=make_user(session, Role.CONCIERGE), now=NOW)
    found = stock.delivery_list(session, offer.provider_id, THU)
    assert sorted((r.line.name, r.line.quantity, r.initials) for r in found.rows) == [
        ("Panier solo", 2, "MD"),
        ("Œufs", 1, "JP"),
    ]
    assert all(r.line.order.pickup_slot.starts_at == EVENING for r in found.rows)
    totals = {o.name: (n, seen.stock) for o, n, seen in found.totals}
    assert totals == {"Panier solo": (2, 5), "Œufs": (1, None)}
    other = stock.delivery_list(session, make_basket_offer(session).provider_id, THU)
    assert other.rows == []


def test_delivery_days_are_the_offers_weekdays(session, offer):
    days = stock.delivery_days(session, offer.provider_id, today=date(2026, 11, 25))
    assert THU in days and all(day.weekday() == 3 for day in days)


def test_an_order_that_awaits_its_payment_holds_its_baskets(session, offer, pickup):
    from dataclasses import replace

    online = replace(SETTINGS, online_payment=True)
    placed = order(session, offer, 5, payment=PaymentMethod.ONLINE, settings=online)
    assert placed.status is not OrderStatus.CANCELLED
    with pytest.raises(orders.SoldOut):
        order(session, offer, 1)
