"""An order's ledger in the cases that matter most: what each end state charges, money going back
the way it came, lines on quote priced "to come", and the customer's page saying what was paid
and what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conciergerie.i18n import money
from conciergerie.models import (
    OrderStatus,
    PaymentKind,
    PaymentMethod,
    Role,
)
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.ledger import ChargeState, ledger
from conciergerie.portal import service as portal
from tests.conftest import sign_in
from tests.factories import (
    NOW,
    SETTINGS,
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
)
from tests.payments import test_payments
from tests.payments.test_payments import completed

online_order = test_payments.online_order  # the fixture: an order awaiting online payment


@pytest.fixture
def cobbler(session):
    provider = make_provider(session, name="Cordonnerie Gambetta")
    return provider, make_user(session, Role.PROVIDER, provider=provider)


@pytest.fixture
def concierge(session):
    return make_user(session, Role.CONCIERGE)


def at_provider(session, order, concierge, now=NOW):
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, step, actor=concierge, now=now)


def desk_payment(session, order, concierge, cents, now=NOW):
    return payments.record_desk_payment(
        session,
        order,
        amount_cents=cents,
        kind=PaymentKind.DESK_CASH,
        actor=concierge,
        now=now,
    )


def test_a_resole_that_cannot_be_done_charges_nothing_and_the_fee_goes(session, cobbler, concierge):
    provider, staff = cobbler
    resole = make_offer(session, provider=provider, name="Ressemelage", price_cents=1800)
    order = make_order(session, offer=resole)  # 18,00 € + 1,50 € fee, pay at the desk
    assert ledger(order).balance_due_cents == 1950
    at_provider(session, order, concierge)
    portal.mark_cannot_do(session, order.lines[0], reason="Cuir fendu", actor=staff, now=NOW)
    figures = ledger(order)
    assert figures.lines[0].state is ChargeState.NOT_DONE and figures.lines[0].amount_cents == 0
    assert (figures.fee_cents, figures.total_cents, figures.balance_due_cents) == (0, 0, 0)
    assert figures.refund_due_cents == 0  # nothing was paid: nothing to give back
    assert (order.subtotal_cents, order.fee_cents, order.total_cents) == (0, 0, 0)


def test_a_line_not_done_among_others_keeps_the_fee(session, cobbler, concierge):
    provider, staff = cobbler
    resole = make_offer(session, provider=provider, price_cents=1800)
    polish = make_offer(session, provider=provider, price_cents=500)
    order = orders.place_order(
        session,
        customer=make_user(session),
        lines=[orders.RequestedLine(resole, 1), orders.RequestedLine(polish, 2)],
        dropoff_slot=make_slot(session),
        pickup_slot=make_slot(session, starts_at=NOW + timedelta(days=8)),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
    )
    desk_payment(session, order, concierge, 1800 + 1000 + 150)
    at_provider(session, order, concierge)
    portal.mark_cannot_do(session, order.lines[0], reason="Cuir fendu", actor=staff, now=NOW)
    figures = ledger(order)
    assert (figures.subtotal_cents, figures.fee_cents, figures.total_cents) == (1000, 150, 1150)
    # The resole was paid in cash: 18 € go back at the counter, nothing online.
    assert (figures.desk_refund_due_cents, figures.online_refund_due_cents) == (1800, 0)
    payments.refund_at_desk(session, order, actor=concierge, now=NOW)
    assert (ledger(order).refund_due_cents, ledger(order).balance_due_cents) == (0, 0)


def test_work_not_done_on_an_order_paid_online_goes_back_through_stripe_and_the_customer_is_told(
    client, session, online_order, gateway, checkout_stub, concierge, outbox
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order)
    session.expire_all()
    order = online_order
    assert ledger(order).paid_cents == 1950
    staff = make_user(session, Role.PROVIDER, provider=order.lines[0].provider)
    at_provider(session, order, concierge, now=datetime.now(UTC))
    portal.mark_cannot_do(
        session, order.lines[0], reason="Cuir fendu", actor=staff, now=datetime.now(UTC)
    )
    assert ledger(order).online_refund_due_cents == 1950
    outbox.clear()
    # The sweep gives it back (and a second run finds nothing more to give).
    assert payments.give_back_due_refunds(session, gateway=gateway, now=datetime.now(UTC)) == 1
    assert payments.give_back_due_refunds(session, gateway=gateway, now=datetime.now(UTC)) == 0
    [refund] = order.refunds
    assert refund.amount_cents == 1950 and refund.stripe_refund_id
    figures = ledger(order)
    assert (figures.refund_due_cents, figures.balance_due_cents, figures.total_cents) == (0, 0, 0)
    [mail] = [m for m in outbox if order.customer.email in m.to]
    assert money(1950) in mail.body and order.code in mail.subject


def test_what_each_end_state_charges(session, concierge):
    later = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # after the drop-off slot
    cancelled, no_show, collected = (make_order(session) for _ in range(3))
    for order in (cancelled, no_show, collected):
        desk_payment(session, order, concierge, 1150)
    payments.cancel_and_refund(session, cancelled, actor=concierge, gateway=None, now=NOW)
    orders.advance_order(session, no_show, OrderStatus.NO_SHOW, actor=concierge, now=later)
    for step in (
        OrderStatus.DROPPED_OFF,
        OrderStatus.AT_PROVIDER,
        OrderStatus.READY_AT_PROVIDER,
        OrderStatus.BACK_AT_DESK,
        OrderStatus.UNCOLLECTED,
    ):
        orders.record(collected, step, actor=concierge, now=later)
    # Cancelled or never brought: nothing charged, the cash to give back at the counter.
    for order in (cancelled, no_show):
        figures = ledger(order)
        assert all(c.state is ChargeState.CANCELLED for c in figures.lines)
        assert (figures.total_cents, figures.desk_refund_due_cents) == (0, 1150)
    # Uncollected: the work was done, it is charged in full, nothing owed either way.
    figures = ledger(collected)
    assert (figures.total_cents, figures.refund_due_cents, figures.balance_due_cents) == (
        1150,
        0,
        0,
    )


def test_a_gesture_beyond_what_is_owed_lowers_the_price(session, concierge):
    order = make_order(session)  # 11,50 €
    desk_payment(session, order, concierge, 1150)
    payments.manual_refund(
        session,
        order,
        amount_cents=300,
        reason="Retard",
        actor=concierge,
        gateway=None,
        now=NOW,
    )
    figures = ledger(order)
    assert (figures.discount_cents, figures.total_cents, figures.balance_due_cents) == (
        300,
        850,
        0,
    )
    assert order.total_cents == 850 and order.discount_cents == 300


def test_an_on_quote_line_reads_price_to_come_in_the_confirmation_mail(session, cobbler, outbox):
    provider, _staff = cobbler
    repair = make_offer(session, provider=provider, name="Réparation", on_quote=True)
    customer = make_user(session, email="lina@example.org")
    orders.place_order(
        session,
        customer=customer,
        lines=[orders.RequestedLine(repair, 1)],
        dropoff_slot=make_slot(session),
        pickup_slot=make_slot(session, starts_at=NOW + timedelta(days=8)),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
        confirm_by_mail=True,
    )
    session.flush()
    [mail] = [m for m in outbox if customer.email in m.to]
    html = mail.alternatives[0][0]
    for body in (mail.body, html):
        assert "sur devis — prix à venir" in body
        assert money(0) not in body.split("Réparation", 1)[1].split("\n", 1)[0]


def test_the_customer_page_says_what_was_paid_how_and_what_is_due(
    client, session, cobbler, concierge
):
    provider, staff = cobbler
    resole = make_offer(session, provider=provider, price_cents=1800)
    repair = make_offer(session, provider=provider, name="Réparation", on_quote=True)
    customer = make_user(session)
    order = orders.place_order(
        session,
        customer=customer,
        lines=[orders.RequestedLine(resole, 1), orders.RequestedLine(repair, 1)],
        dropoff_slot=make_slot(session),
        pickup_slot=make_slot(session, starts_at=NOW + timedelta(days=8)),
        note="",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
    )
    desk_payment(session, order, concierge, 1950)
    at_provider(session, order, concierge)
    quotes.propose(
        session, order.lines[1], unit_price_cents=2450, note="Talon", actor=staff, now=NOW
    )
    quotes.accept(session, order.lines[1], actor=customer, now=NOW)
    sign_in(client, customer)
    page = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    ledger_html = page.split('class="totals ledger"', 1)[1].split("</dl>", 1)[0]
    assert money(4400) in ledger_html  # the total
    assert f"{money(1950)} en espèces au comptoir" in ledger_html  # paid, and how
    assert "Reste à régler" in ledger_html and money(2450) in ledger_html


def test_the_api_gives_the_ledgers_five_figures(client, session, concierge):
    from conciergerie.api import service as tokens

    order = make_order(session)  # 11,50 €
    desk_payment(session, order, concierge, 1150)
    payments.manual_refund(
        session, order, amount_cents=200, reason="Retard", actor=concierge, gateway=None, now=NOW
    )
    token = tokens.issue_token(session, order.customer, now=NOW)
    body = client.get(
        f"/api/v1/orders/{order.id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    figures = ledger(order)
    assert (
        (
            body["total_cents"],
            body["paid_cents"],
            body["refunded_cents"],
            body["balance_due_cents"],
            body["refund_due_cents"],
        )
        == (
            figures.total_cents,
            figures.paid_cents,
            figures.refunded_cents,
            figures.balance_due_cents,
            figures.refund_due_cents,
        )
        == (950, 1150, 200, 0, 0)
    )
    assert body["discount_cents"] == 200 and body["lines"][0]["charge"] == "charged"


def test_a_gesture_with_the_longest_reason_fits_the_history(session, concierge):
    order = make_order(session)
    desk_payment(session, order, concierge, 1150)
    reason = "r" * 300  # the most the form takes
    payments.manual_refund(
        session, order, amount_cents=300, reason=reason, actor=concierge, gateway=None, now=NOW
    )
    session.flush()  # PostgreSQL refuses a note over 300 characters
    notes = [event.note for event in order.events[-2:]]
    assert all(len(note) <= 300 for note in notes) and notes[0].endswith("…")
    assert order.discounts[0].reason == reason  # the reason itself is kept whole
