"""The limits of a customer's own orders (issue 17, point 5): MAX_ITEMS_PER_ORDER items in all
per order, and MAX_OPEN_DESK_ORDERS orders paid at the desk and not yet dropped off at once.
Orders taken at the counter and those a basket subscription places are not held to them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from conciergerie.models import OrderOrigin, OrderStatus, PaymentMethod, Role
from conciergerie.orders import service
from conciergerie.orders.service import RequestedLine
from conciergerie.subscriptions import service as subscriptions
from tests.factories import (
    NOW,
    SETTINGS,
    make_basket_offer,
    make_offer,
    make_order,
    make_slot,
    make_user,
)

DROPOFF = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # Thursday, 8:00 in Paris
PICKUP = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Wednesday, 18:00 in Paris
ONLINE = replace(SETTINGS, online_payment=True)


@pytest.fixture
def slots(session):
    """Roomy slots: the limits, not the places, are what these tests meet."""
    return (
        make_slot(session, starts_at=DROPOFF, capacity=50),
        make_slot(session, starts_at=PICKUP, capacity=50),
    )


@pytest.fixture
def customer(session):
    return make_user(session, Role.RESIDENT)


def place(session, customer, lines, slots, **kw):
    dropoff, pickup = slots
    params = {
        "customer": customer,
        "lines": lines,
        "dropoff_slot": dropoff,
        "pickup_slot": pickup,
        "note": "",
        "payment": PaymentMethod.DESK,
        "now": NOW,
        "settings": SETTINGS,
    }
    return service.place_order(session, **{**params, **kw})


def open_orders(session, customer, slots, count, **kw):
    return [
        make_order(session, customer=customer, dropoff=slots[0], pickup=slots[1], **kw)
        for _ in range(count)
    ]


# Items per order --------------------------------------------------------------------------------


def test_an_order_holds_20_items_a_lot_counting_one(session, customer, slots):
    lot = make_offer(session, name="Repassage", unit="le lot de 5 chemises")
    order = place(session, customer, [RequestedLine(lot, 20)], slots)
    assert order.lines[0].quantity == 20  # 100 shirts, 20 items: within the limit


def test_a_21st_item_is_refused_with_its_code(session, customer, slots):
    shirts, basket = make_offer(session), make_basket_offer(session)
    lines = [RequestedLine(shirts, 20), RequestedLine(basket, 1)]  # a basket counts too
    with pytest.raises(service.TooManyItems) as error:
        place(session, customer, lines, slots)
    assert (error.value.code, error.value.status, error.value.field) == (
        "too_many_items",
        422,
        "lines",
    )
    assert str(error.value) == (
        "Une commande passée en ligne compte au plus 20 articles (ici 21) : retirez-en, ou "
        "venez au comptoir pour en confier davantage."
    )
    assert slots[0].booked == slots[1].booked == 0  # refused before any place was taken


def test_thirty_lines_of_one_offer_count_together(session, customer, slots):
    """The bug of the issue: the cap per line was dodged with 30 lines of one offer."""
    offer = make_offer(session)
    with pytest.raises(service.TooManyItems) as error:
        place(session, customer, [RequestedLine(offer, 50)] * 30, slots)
    assert "(ici 1500)" in str(error.value)


def test_lines_of_one_offer_become_one_line(session, customer, slots):
    offer, other = make_offer(session), make_offer(session)
    lines = [RequestedLine(offer, 2), RequestedLine(other, 1), RequestedLine(offer, 3)]
    order = place(session, customer, lines, slots)
    assert [(line.offer_id, line.quantity) for line in order.lines] == [
        (offer.id, 5),
        (other.id, 1),
    ]
    assert order.subtotal_cents == 6 * offer.price_cents


def test_the_limit_is_configurable(session, customer, slots):
    with pytest.raises(service.TooManyItems):
        place(
            session,
            customer,
            [RequestedLine(make_offer(session), 3)],
            slots,
            settings=replace(SETTINGS, max_items_per_order=2),
        )


def test_the_counter_takes_more_than_20_and_past_the_old_cap_of_50(session, customer):
    concierge = make_user(session, Role.CONCIERGE)
    offer = make_offer(session, turnaround_days=1)
    order = service.place_order(
        session,
        customer=customer,
        lines=[RequestedLine(offer, 60), RequestedLine(make_offer(session, turnaround_days=1), 5)],
        dropoff_slot=None,
        pickup_slot=make_slot(session, starts_at=PICKUP),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
        at_counter=concierge,
    )
    session.flush()  # the database takes a line of 60 (its bound is 999)
    assert order.origin is OrderOrigin.COUNTER
    assert [line.quantity for line in order.lines] == [60, 5]


def test_a_line_past_999_is_refused_even_at_the_counter(session, customer):
    offer = make_offer(session, turnaround_days=1)
    with pytest.raises(service.OrderError) as error:
        service.place_order(
            session,
            customer=customer,
            lines=[RequestedLine(offer, 500), RequestedLine(offer, 500)],
            dropoff_slot=None,
            pickup_slot=make_slot(session, starts_at=PICKUP),
            note="",
            payment=PaymentMethod.DESK,
            now=NOW,
            settings=SETTINGS,
            at_counter=make_user(session, Role.CONCIERGE),
        )
    assert error.value.field == "lines[1].quantity"  # where the offer's total passed 999


# Orders paid at the desk, not yet dropped off ---------------------------------------------------


def test_a_fourth_pay_at_desk_order_is_refused(session, customer, slots):
    open_orders(session, customer, slots, 3)
    booked = (slots[0].booked, slots[1].booked)
    with pytest.raises(service.TooManyOpenOrders) as error:
        place(session, customer, [RequestedLine(make_offer(session), 1)], slots)
    assert (error.value.code, error.value.status, error.value.field) == (
        "too_many_open_orders",
        422,
        "payment",
    )
    assert str(error.value) == (
        "Vous avez déjà 3 commandes à régler au comptoir qui attendent leur dépôt (3 au plus) : "
        "déposez vos articles ou annulez l'une d'elles avant d'en passer une nouvelle."
    )
    assert (slots[0].booked, slots[1].booked) == booked
    # Another customer is not held by them.
    place(session, make_user(session), [RequestedLine(make_offer(session), 1)], slots)


def test_with_online_payment_the_refusal_says_it_may_be_paid_online(session, customer, slots):
    open_orders(session, customer, slots, 3)
    with pytest.raises(service.TooManyOpenOrders) as error:
        place(session, customer, [RequestedLine(make_offer(session), 1)], slots, settings=ONLINE)
    assert str(error.value).endswith(", ou réglez celle-ci en ligne.")
    order = place(
        session,
        customer,
        [RequestedLine(make_offer(session), 1)],
        slots,
        settings=ONLINE,
        payment=PaymentMethod.ONLINE,
    )
    assert order.payment_method is PaymentMethod.ONLINE


def test_orders_paid_online_do_not_count(session, customer, slots):
    open_orders(session, customer, slots, 3, payment=PaymentMethod.ONLINE, settings=ONLINE)
    open_orders(session, customer, slots, 2)
    assert service.open_desk_orders(session, customer) == 2
    place(session, customer, [RequestedLine(make_offer(session), 1)], slots)


def test_dropped_off_and_cancelled_orders_no_longer_count(session, customer, slots):
    concierge = make_user(session, Role.CONCIERGE)
    dropped, cancelled, _third = open_orders(session, customer, slots, 3)
    service.advance_order(session, dropped, OrderStatus.DROPPED_OFF, actor=concierge, now=NOW)
    service.cancel_order(session, cancelled, actor=customer, now=NOW)
    assert service.open_desk_orders(session, customer) == 1
    open_orders(session, customer, slots, 2)
    with pytest.raises(service.TooManyOpenOrders):
        open_orders(session, customer, slots, 1)


def test_an_order_of_baskets_counts_until_its_basket_reaches_the_desk(session, customer, slots):
    concierge = make_user(session, Role.CONCIERGE)
    delivery = make_slot(session, starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    basket = make_order(
        session, customer=customer, offer=make_basket_offer(session), pickup=delivery
    )
    assert service.open_desk_orders(session, customer) == 1
    service.advance_order(session, basket, OrderStatus.BACK_AT_DESK, actor=concierge, now=NOW)
    assert service.open_desk_orders(session, customer) == 0


def test_counter_orders_do_not_count_nor_are_held(session, customer, slots):
    """Baskets taken at the counter stay confirmed until delivered, like a customer's own."""
    concierge = make_user(session, Role.CONCIERGE)
    delivery = make_slot(session, starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC), capacity=9)
    offer = make_basket_offer(session)
    for _ in range(4):
        order = service.place_order(
            session,
            customer=customer,
            lines=[RequestedLine(offer, 1)],
            dropoff_slot=None,
            pickup_slot=delivery,
            note="",
            payment=PaymentMethod.DESK,
            now=NOW,
            settings=SETTINGS,
            at_counter=concierge,
        )
        assert order.status is OrderStatus.CONFIRMED and order.origin is OrderOrigin.COUNTER
    assert service.open_desk_orders(session, customer) == 0
    open_orders(session, customer, slots, 3)


def subscribe(session, customer):
    """A weekly basket paid at the desk, delivered on Thursdays, picked up from 16:30."""
    offer = make_basket_offer(session)
    return subscriptions.subscribe(
        session,
        customer=customer,
        offer=offer,
        quantity=1,
        every_weeks=1,
        first_delivery=date(2026, 12, 3),
        pickup_from=time(16, 30),
        payment=PaymentMethod.DESK,
        now=NOW,
        lead=timedelta(days=3),
        settings=SETTINGS,
    )


def test_subscription_orders_do_not_count_nor_are_held(session, customer, slots):
    subscription = subscribe(session, customer)
    open_orders(session, customer, slots, 3)  # the customer's own, at their limit
    for week in range(4):
        day = date(2026, 12, 3) + timedelta(weeks=week)
        make_slot(session, starts_at=datetime.combine(day, time(16, 0), UTC))  # 17:00 in Paris
        record = subscriptions.place_delivery(
            session, subscription, day, now=NOW, settings=SETTINGS
        )
        assert record.order is not None and record.order.origin is OrderOrigin.SUBSCRIPTION
        assert record.order.status is OrderStatus.CONFIRMED
    assert service.open_desk_orders(session, customer) == 3


def test_the_open_orders_limit_is_configurable(session, customer, slots):
    one = replace(SETTINGS, max_open_desk_orders=1)
    open_orders(session, customer, slots, 1)
    with pytest.raises(service.TooManyOpenOrders) as error:
        place(session, customer, [RequestedLine(make_offer(session), 1)], slots, settings=one)
    assert str(error.value).startswith(
        "Vous avez déjà 1 commande à régler au comptoir qui attend son dépôt (1 au plus) : "
    )
