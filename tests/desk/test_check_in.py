"""Receiving an order's items at the desk: how many came, their state, the totals that follow."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from conciergerie.desk import service as desk
from conciergerie.models import OrderStatus as S
from conciergerie.models import Payment, PaymentKind, PaymentMethod, Role
from conciergerie.orders import service as orders
from conciergerie.payments.ledger import ledger
from tests import factories
from tests.factories import NOW, SETTINGS


@pytest.fixture
def concierge(session):
    return factories.make_user(session, Role.CONCIERGE)


def two_line_order(session, *, quantities=(2, 1), basket=False, payment=PaymentMethod.DESK):
    """A confirmed order of a cobbler's resoling (20 € each) and a cleaning (8 € each), and a
    basket if asked."""
    resoling = factories.make_offer(session, name="Ressemelage", price_cents=2000)
    cleaning = factories.make_offer(session, name="Nettoyage", price_cents=800)
    lines = [
        orders.RequestedLine(resoling, quantities[0]),
        orders.RequestedLine(cleaning, quantities[1]),
    ]
    if basket:
        lines.append(orders.RequestedLine(factories.make_basket_offer(session, name="Panier"), 1))
    order = orders.place_order(
        session,
        customer=factories.make_user(session),
        lines=lines,
        dropoff_slot=factories.make_slot(session),
        pickup_slot=factories.make_slot(session, starts_at=datetime(2026, 12, 4, 17, tzinfo=UTC)),
        note="",
        payment=payment,
        now=NOW,
        settings=replace(SETTINGS, online_payment=True),
    )
    if payment is PaymentMethod.ONLINE:  # paid online: confirmed by the webhook
        session.add(Payment(order=order, kind=PaymentKind.STRIPE, amount_cents=order.total_cents))
        orders.record(order, S.CONFIRMED, actor=None, now=NOW)
        session.flush()
    return order


def all_of(order) -> dict[int, int]:
    return {line.id: line.quantity for line in order.lines if line.kind.value == "service"}


def dropoff_event(order):
    [event] = [e for e in order.events if e.to_status is S.DROPPED_OFF]
    return event


# The service --------------------------------------------------------------------------------


def test_everything_received_with_a_remark(session, concierge):
    order = two_line_order(session)
    desk.check_in(
        session,
        order,
        received=all_of(order),
        remarks="  talon gauche\n  décollé ",
        actor=concierge,
        now=NOW,
    )
    assert order.status is S.DROPPED_OFF
    event = dropoff_event(order)
    assert event.actor == concierge
    assert event.note == "Reçu : 2 × Ressemelage, 1 × Nettoyage"
    assert order.dropoff_remarks == "talon gauche décollé"
    assert (order.subtotal_cents, order.total_cents) == (4800, 4950)  # nothing changed
    assert all(line.at_provider_at is None for line in order.lines)


def test_without_a_remark_the_note_says_what_came_and_there_is_no_remark(session, concierge):
    order = two_line_order(session)
    desk.check_in(session, order, received=all_of(order), remarks="", actor=concierge, now=NOW)
    assert dropoff_event(order).note == "Reçu : 2 × Ressemelage, 1 × Nettoyage"
    assert order.dropoff_remarks == ""


def test_fewer_items_lower_the_line_and_the_totals(session, concierge):
    order = two_line_order(session, quantities=(3, 1))
    resoling, cleaning = order.lines
    desk.check_in(
        session,
        order,
        received={resoling.id: 1, cleaning.id: 1},
        remarks="",
        actor=concierge,
        now=NOW,
    )
    session.expire_all()
    assert (resoling.quantity, cleaning.quantity) == (1, 1)
    assert order.subtotal_cents == 2000 + 800
    assert order.total_cents == order.subtotal_cents + order.fee_cents == 2950
    assert ledger(order).balance_due_cents == 2950
    assert dropoff_event(order).note == "Reçu : 1 × Ressemelage (3 commandés), 1 × Nettoyage"


def test_part_paid_below_the_new_total_may_be_lowered(session, concierge):
    order = two_line_order(session)
    session.add(Payment(order=order, kind=PaymentKind.DESK_CASH, amount_cents=1000))
    session.flush()
    resoling, cleaning = order.lines
    received = {resoling.id: 1, cleaning.id: 1}
    desk.check_in(session, order, received=received, remarks="", actor=concierge, now=NOW)
    assert order.total_cents == 2950 and ledger(order).balance_due_cents == 1950


def test_paid_online_more_than_the_new_total_owes_the_difference_back_online(session, concierge):
    order = two_line_order(session, payment=PaymentMethod.ONLINE)
    resoling, cleaning = order.lines
    desk.check_in(
        session,
        order,
        received={resoling.id: 1, cleaning.id: 1},
        remarks="",
        actor=concierge,
        now=NOW,
    )
    assert order.status is S.DROPPED_OFF and resoling.quantity == 1
    figures = ledger(order)
    # Nothing is charged for the shoe that did not come: what was paid for it goes back, online
    # (the refund sweep does it), and nothing is left to pay.
    assert (figures.total_cents, figures.paid_cents) == (2950, 4950)
    assert (figures.refund_due_cents, figures.online_refund_due_cents) == (2000, 2000)
    assert figures.balance_due_cents == 0


def test_no_item_at_all_is_refused(session, concierge):
    order = two_line_order(session)
    resoling, cleaning = order.lines
    with pytest.raises(desk.CheckInError, match="Non déposée"):
        desk.check_in(
            session,
            order,
            received={resoling.id: 0, cleaning.id: 0},
            remarks="",
            actor=concierge,
            now=NOW,
        )
    assert order.status is S.CONFIRMED


def test_no_item_for_one_line_is_refused_on_that_line(session, concierge):
    order = two_line_order(session)
    resoling, cleaning = order.lines
    with pytest.raises(desk.CheckInError, match="Au moins 1 article") as refused:
        desk.check_in(
            session,
            order,
            received={resoling.id: 2, cleaning.id: 0},
            remarks="",
            actor=concierge,
            now=NOW,
        )
    assert refused.value.field == f"received-{cleaning.id}"
    assert order.status is S.CONFIRMED and cleaning.quantity == 1


@pytest.mark.parametrize(
    ("received", "message", "field"),
    [
        (lambda r, c: {r.id: 3, c.id: 1}, "2 commandé", "resoling"),
        (lambda r, c: {r.id: -1, c.id: 1}, "invalide", "resoling"),
        (lambda r, c: {r.id: 2}, "Indiquez combien", "cleaning"),
        (lambda r, c: {r.id: 2, c.id: 1, 999_999: 1}, "Ligne inconnue", None),
    ],
    ids=["more-than-ordered", "negative", "missing-line", "unknown-line"],
)
def test_numbers_that_do_not_fit_are_refused(session, concierge, received, message, field):
    order = two_line_order(session)
    resoling, cleaning = order.lines
    with pytest.raises(desk.CheckInError, match=message) as refused:
        desk.check_in(
            session,
            order,
            received=received(resoling, cleaning),
            remarks="",
            actor=concierge,
            now=NOW,
        )
    lines = {"resoling": resoling, "cleaning": cleaning}
    assert refused.value.field == (f"received-{lines[field].id}" if field else None)
    assert order.status is S.CONFIRMED


def test_a_basket_line_is_not_received(session, concierge):
    order = two_line_order(session, basket=True)
    resoling, cleaning, basket = order.lines
    with pytest.raises(desk.CheckInError, match="Ligne inconnue"):
        desk.check_in(
            session,
            order,
            received={resoling.id: 2, cleaning.id: 1, basket.id: 1},
            remarks="",
            actor=concierge,
            now=NOW,
        )
    desk.check_in(session, order, received=all_of(order), remarks="", actor=concierge, now=NOW)
    assert order.status is S.DROPPED_OFF
    assert order.total_cents == 4800 + basket.total_cents + order.fee_cents


def test_remarks_too_long_are_refused(session, concierge):
    order = two_line_order(session)
    with pytest.raises(desk.CheckInError, match="300 caractères") as refused:
        desk.check_in(
            session, order, received=all_of(order), remarks="x" * 301, actor=concierge, now=NOW
        )
    assert refused.value.field == "remarks"


def test_the_longest_remarks_fit_in_the_history_with_long_names(session, concierge):
    order = two_line_order(session)
    for line in order.lines:
        line.name = ("Une prestation au nom vraiment très long " * 4)[:158]
    session.flush()
    remarks = "é" * desk.MAX_REMARKS_LENGTH
    desk.check_in(session, order, received=all_of(order), remarks=remarks, actor=concierge, now=NOW)
    session.flush()
    assert dropoff_event(order).note == "Reçu : 3 articles"  # the long list would not fit
    assert order.dropoff_remarks == remarks


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.PROVIDER, Role.RESIDENT])
def test_only_the_concierge_receives_items(session, role):
    order = two_line_order(session)
    actor = factories.make_user(session, role)
    if role is Role.RESIDENT:
        actor = order.customer  # even their own order
    with pytest.raises(orders.OrderNotAllowed):
        desk.check_in(session, order, received=all_of(order), remarks="", actor=actor, now=NOW)
    assert order.status is S.CONFIRMED


@pytest.mark.parametrize("status", [S.PLACED, S.DROPPED_OFF, S.CANCELLED, S.NO_SHOW])
def test_only_a_confirmed_order_is_received(session, concierge, status):
    order = two_line_order(session)
    order.status = status
    session.flush()
    with pytest.raises(orders.InvalidTransition):
        desk.check_in(session, order, received=all_of(order), remarks="", actor=concierge, now=NOW)


def test_a_basket_order_has_nothing_to_receive(session, concierge):
    offer = factories.make_basket_offer(session)
    order = factories.make_order(
        session,
        offer=offer,
        pickup=factories.make_slot(session, starts_at=datetime(2026, 12, 4, 17, tzinfo=UTC)),
    )
    with pytest.raises(orders.InvalidTransition):
        desk.check_in(session, order, received={}, remarks="", actor=concierge, now=NOW)
