"""The amount and currency Stripe reports paid are checked against what the app asked for the
session, fed with checkout.session.completed events as Stripe sends them (tests/fixtures/stripe/).

Less than asked (or another currency): nothing is confirmed, what came in is recorded and given
back at once, the order's history says so and the concierge is mailed. More: confirmed, the
excess given back at once. The same for a balance session of an order under way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conciergerie.database import commit
from conciergerie.models import Order, OrderStatus, PaymentKind, Role
from conciergerie.payments import service as payments
from tests.conftest import sign_in
from tests.payments import test_balance, test_payments
from tests.payments.conftest import pay_as_recorded, post_event

# The orders of the other payment tests: one awaiting its online payment, one under way.
online_order, accepted = test_payments.online_order, test_balance.accepted

SHORT, OVER, USD, EXACT = (
    "checkout.session.completed-1-cent",
    "checkout.session.completed-9999-99",
    "checkout.session.completed-usd",
    "checkout.session.completed",
)


@pytest.fixture
def concierge(make_user):
    return make_user(Role.CONCIERGE, email="comptoir@example.org", full_name="Camille")


def money_of(order: Order) -> tuple[list[int], list[tuple[int, bool]]]:
    """The order's payments, and its refunds (amount, made through Stripe)."""
    return (
        [p.amount_cents for p in order.payments],
        [(r.amount_cents, bool(r.stripe_refund_id)) for r in order.refunds],
    )


def mails_to(outbox, address: str) -> list:
    return [mail for mail in outbox if address in mail.to]


def plain(text: str) -> str:
    """Amounts are written with non-breaking spaces ("19,50\u00a0€"): plain ones, to compare."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def pay_again(client, order):
    """Stripe sends a checkout.session.completed for the order's session again."""
    return post_event(
        client,
        "checkout.session.completed",
        {"id": order.stripe_checkout_session_id, "object": "checkout.session"},
    )


def test_opening_a_session_keeps_what_was_asked(online_order, checkout_stub):
    asked = checkout_stub.sessions[online_order.stripe_checkout_session_id]["amount_total"]
    assert online_order.stripe_checkout_amount_cents == asked == online_order.total_cents == 1950


def test_the_exact_amount_confirms_the_order(
    client, session, online_order, gateway, checkout_stub, concierge, outbox
):
    response = pay_as_recorded(client, gateway, checkout_stub, online_order, EXACT)
    assert response.status_code == 200 and response.get_json()["status"] == "handled"
    session.expire_all()
    assert online_order.status is OrderStatus.CONFIRMED
    assert money_of(online_order) == ([1950], [])
    assert [m.subject for m in outbox] == [f"Commande {online_order.code} confirmée"]


def test_a_session_paid_1_cent_for_19_50_confirms_nothing_and_is_refunded(
    client, session, online_order, gateway, checkout_stub, concierge, outbox
):
    response = pay_as_recorded(client, gateway, checkout_stub, online_order, SHORT)
    assert response.status_code == 200 and response.get_json()["status"] == "handled"
    session.expire_all()
    # Not confirmed: its Checkout Session is complete and cannot be paid again, so the order is
    # cancelled at once and its places freed (rather than held until the hold runs out).
    assert online_order.status is OrderStatus.CANCELLED
    assert online_order.dropoff_slot.booked == 0
    # What came in is recorded, and given back whole through Stripe.
    assert money_of(online_order) == ([1], [(1, True)])
    (payment,) = online_order.payments
    assert payment.kind is PaymentKind.STRIPE and payment.stripe_payment_intent_id
    refund = online_order.refunds[0]
    assert refund.payment is payment and refund.actor is None
    notes = [plain(event.note) for event in online_order.events]
    assert "Remboursé : 0,01 € (Paiement en ligne de 0,01 € pour 19,50 € demandés)" in notes
    assert notes[-1] == "Paiement en ligne différent du montant demandé"
    # The concierge is alerted; the customer gets no confirmation.
    (alert,) = outbox
    assert alert.to == ["comptoir@example.org"]
    assert alert.subject == (
        f"{online_order.code} : paiement en ligne différent du montant demandé"
    )
    assert "paiement en ligne de 0,01 €, alors que 19,50 € étaient demandés" in plain(alert.body)
    assert "remboursé en totalité" in plain(alert.body) and "créneaux libérés" in plain(alert.body)
    assert payment.stripe_payment_intent_id in plain(alert.body)
    # Stripe sends the event again, and the customer comes back to the return page: nothing more.
    assert pay_again(client, online_order).status_code == 200
    sign_in(client, online_order.customer)
    back = client.get(f"/commandes/{online_order.id}/paiement")
    assert back.status_code == 302 and back.location.endswith(f"/commandes/{online_order.id}")
    session.expire_all()
    assert money_of(online_order) == ([1], [(1, True)]) and len(outbox) == 1


def test_a_session_paid_9999_99_for_19_50_is_confirmed_and_the_excess_refunded_at_once(
    client, session, online_order, gateway, checkout_stub, concierge, outbox
):
    response = pay_as_recorded(client, gateway, checkout_stub, online_order, OVER)
    assert response.status_code == 200
    session.expire_all()
    assert online_order.status is OrderStatus.CONFIRMED
    assert money_of(online_order) == ([999999], [(999999 - 1950, True)])
    assert plain(online_order.refunds[0].reason) == (
        "Paiement en ligne de 9 999,99 € pour 19,50 € demandés : trop-perçu remboursé"
    )
    customer = mails_to(outbox, online_order.customer.email)
    assert [m.subject for m in customer] == [f"Commande {online_order.code} confirmée"]
    (alert,) = mails_to(outbox, "comptoir@example.org")
    assert "paiement en ligne de 9 999,99 €, alors que 19,50 € étaient demandés" in plain(
        alert.body
    )
    assert "le trop-perçu de 9 980,49 € a été remboursé" in plain(alert.body)
    # Nothing more on a replay: the excess went back once.
    pay_again(client, online_order)
    session.expire_all()
    assert len(online_order.refunds) == 1


def test_a_session_paid_in_another_currency_confirms_nothing_and_is_refunded(
    client, session, online_order, gateway, checkout_stub, concierge, outbox
):
    # 1950 in US cents: the right number, not the right money.
    pay_as_recorded(client, gateway, checkout_stub, online_order, USD)
    session.expire_all()
    assert online_order.status is OrderStatus.CANCELLED
    assert money_of(online_order) == ([1950], [(1950, True)])
    (alert,) = outbox
    assert "paiement en ligne de 19,50 $US, alors que 19,50 € étaient demandés" in plain(alert.body)


def test_the_return_page_checks_the_amount_too(
    client, session, online_order, gateway, checkout_stub, concierge, outbox
):
    """The webhook has not come (yet): the return page fetches the session from Stripe."""
    paid = {"amount_subtotal": 1950, "amount_total": 1, "currency": "eur"}
    checkout_stub.pay(
        gateway,
        online_order.stripe_checkout_session_id,
        as_recorded={**paid, "total_details": {}, "discounts": []},
    )
    sign_in(client, online_order.customer)
    assert client.get(f"/commandes/{online_order.id}/paiement").status_code == 302
    session.expire_all()
    assert online_order.status is OrderStatus.CANCELLED
    assert money_of(online_order) == ([1], [(1, True)]) and len(outbox) == 1


def test_a_session_opened_before_the_amount_was_kept_is_checked_against_the_order_s_total(
    client, session, online_order, gateway, checkout_stub, concierge
):
    online_order.stripe_checkout_amount_cents = None  # opened before the migration
    commit(session)
    pay_as_recorded(client, gateway, checkout_stub, online_order, SHORT)
    session.expire_all()
    assert online_order.status is OrderStatus.CANCELLED
    assert money_of(online_order) == ([1], [(1, True)])


def test_a_short_payment_after_the_hold_expired_is_refunded_and_the_concierge_alerted(
    client, session, online_order, gateway, checkout_stub, concierge, outbox
):
    payments.expire_unpaid_orders(session, now=online_order.payment_expires_at)
    commit(session)
    pay_as_recorded(client, gateway, checkout_stub, online_order, SHORT)
    session.expire_all()
    assert online_order.status is OrderStatus.CANCELLED
    assert money_of(online_order) == ([1], [(1, True)])
    assert [m.to for m in outbox] == [["comptoir@example.org"]]


# A balance session (an order under way) ---------------------------------------------------------
# What goes back is given back through Stripe; from which of the order's online payments is
# `payments.refund`'s business (the refunds are summed here).


def open_balance(session, order, gateway) -> str:
    payments.start_balance_checkout(
        session, order, gateway=gateway, success_url="http://x/ok", cancel_url="http://x/ko",
        now=datetime.now(UTC),
    )  # fmt: skip
    commit(session)
    return order.stripe_checkout_session_id


def test_a_balance_session_keeps_what_was_asked(session, accepted, gateway):
    open_balance(session, accepted, gateway)
    assert accepted.stripe_checkout_amount_cents == 2000


def test_a_balance_session_paid_1_cent_is_refunded_and_the_order_stays_under_way(
    client, session, accepted, gateway, checkout_stub, concierge, outbox
):
    first = open_balance(session, accepted, gateway)
    outbox.clear()
    response = pay_as_recorded(client, gateway, checkout_stub, accepted, SHORT)
    assert response.status_code == 200
    session.expire_all()
    assert accepted.status is OrderStatus.AT_PROVIDER  # under way, as it was
    payments_made, refunds = money_of(accepted)
    assert payments_made == [650, 1] and sum(a for a, _ in refunds) == 1
    assert all(through_stripe for _, through_stripe in refunds)
    (alert,) = mails_to(outbox, "comptoir@example.org")
    assert "paiement en ligne de 0,01 €, alors que 20,00 € étaient demandés" in plain(alert.body)
    assert "Ce qui restait dû l'est toujours" in plain(alert.body)
    # The customer pays the balance again, in a new session.
    assert open_balance(session, accepted, gateway) != first


def test_a_balance_session_paid_9999_99_keeps_the_balance_and_refunds_the_rest(
    client, session, accepted, gateway, checkout_stub, concierge, outbox
):
    open_balance(session, accepted, gateway)
    outbox.clear()
    pay_as_recorded(client, gateway, checkout_stub, accepted, OVER)
    session.expire_all()
    assert accepted.status is OrderStatus.AT_PROVIDER
    payments_made, refunds = money_of(accepted)
    assert payments_made == [650, 999999] and sum(a for a, _ in refunds) == 999999 - 2000
    assert all(through_stripe for _, through_stripe in refunds)
    (alert,) = mails_to(outbox, "comptoir@example.org")
    assert "alors que 20,00 € étaient demandés" in plain(alert.body)
    assert "le trop-perçu de 9 979,99 € a été remboursé" in plain(alert.body)


def test_a_balance_session_paid_in_another_currency_is_refunded(
    client, session, accepted, gateway, checkout_stub, concierge, outbox
):
    open_balance(session, accepted, gateway)
    outbox.clear()
    pay_as_recorded(client, gateway, checkout_stub, accepted, USD)
    session.expire_all()
    assert accepted.status is OrderStatus.AT_PROVIDER
    payments_made, refunds = money_of(accepted)
    assert payments_made == [650, 1950] and sum(a for a, _ in refunds) == 1950
    assert len(mails_to(outbox, "comptoir@example.org")) == 1


def test_a_replaced_balance_session_paid_short_is_refunded(
    client, session, accepted, gateway, checkout_stub, concierge, outbox
):
    """What an earlier session asked is no longer kept: it is checked against what the order
    owed when the money came in."""
    first = open_balance(session, accepted, gateway)
    payments.record_desk_payment(
        session, accepted, amount_cents=500, kind=PaymentKind.DESK_CASH, actor=concierge,
        now=datetime.now(UTC),
    )  # fmt: skip
    second = open_balance(session, accepted, gateway)
    assert second != first and accepted.stripe_checkout_amount_cents == 1500
    outbox.clear()
    pay_as_recorded(client, gateway, checkout_stub, accepted, SHORT, session_id=first)
    session.expire_all()
    payments_made, refunds = money_of(accepted)
    assert payments_made == [650, 500, 1] and sum(a for a, _ in refunds) == 1
    (alert,) = mails_to(outbox, "comptoir@example.org")
    assert "alors que 15,00 € étaient demandés" in plain(alert.body)
