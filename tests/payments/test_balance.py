"""An accepted price on quote, for an order paid online: the balance is paid through the same
Checkout flow (confirmed by the webhook as a payment on an order under way)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conciergerie.database import commit
from conciergerie.models import OrderStatus, PaymentKind, PaymentMethod, Role
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.ledger import ledger
from tests import factories
from tests.conftest import sign_in, submit
from tests.payments.conftest import post_event
from tests.payments.test_payments import ONLINE, SOON


@pytest.fixture
def accepted(session, gateway, checkout_stub):
    """An order paid online (a polish at 5 € and a repair on quote), its quote accepted."""
    cobbler = factories.make_provider(session)
    staff = factories.make_user(session, Role.PROVIDER, provider=cobbler)
    polish = factories.make_offer(session, provider=cobbler, price_cents=500, turnaround_days=1)
    repair = factories.make_offer(session, provider=cobbler, price_cents=1500, on_quote=True)
    customer = factories.make_user(session, email="nadia@example.org")
    now = datetime.now(UTC)
    order = orders.place_order(
        session,
        customer=customer,
        lines=[orders.RequestedLine(polish, 1), orders.RequestedLine(repair, 1)],
        dropoff_slot=factories.make_slot(session, starts_at=SOON),
        pickup_slot=factories.make_slot(session, starts_at=SOON + timedelta(days=7)),
        note="",
        payment=PaymentMethod.ONLINE,
        now=now,
        settings=ONLINE,
    )
    payments.start_checkout(
        session, order, gateway=gateway, success_url="http://localhost/ok",
        cancel_url="http://localhost/ko", now=now,
    )  # fmt: skip
    first = checkout_stub.sessions[order.stripe_checkout_session_id]
    assert first["amount_total"] == 650  # the repair is not charged yet
    checkout_stub.pay(gateway, order.stripe_checkout_session_id)
    payments.confirm_payment(
        session,
        order,
        gateway.retrieve_checkout_session(order.stripe_checkout_session_id),
        gateway=gateway,
        now=now,
    )
    concierge = factories.make_user(session, Role.CONCIERGE)
    for step in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, step, actor=concierge, now=now)
    line = order.lines[1]
    quotes.propose(session, line, unit_price_cents=2000, note="Semelle", actor=staff, now=now)
    quotes.accept(session, line, actor=customer, now=now)
    commit(session)
    return order


def test_the_balance_is_paid_online_once(client, session, accepted, gateway, checkout_stub):
    order = accepted
    assert ledger(order).balance_due_cents == 2000
    sign_in(client, order.customer)
    url = f"/commandes/{order.id}"
    page = client.get(url).get_data(as_text=True)
    assert "payer-le-solde" in page and "20,00" in page
    response = submit(client, f"{url}/payer-le-solde", {}, form_url=url)
    assert response.status_code == 303
    session.expire_all()
    session_id = order.stripe_checkout_session_id
    assert checkout_stub.sessions[session_id]["amount_total"] == 2000
    # A second click hands out the same open session.
    again = submit(client, f"{url}/payer-le-solde", {}, form_url=url)
    session.expire_all()
    assert again.location == response.location and order.stripe_checkout_session_id == session_id
    checkout_stub.pay(gateway, session_id)
    answer = post_event(
        client, "checkout.session.completed", {"id": session_id, "object": "checkout.session"}
    )
    assert answer.status_code == 200
    session.expire_all()
    assert ledger(order).paid_cents == 2650 and ledger(order).balance_due_cents == 0
    assert order.status is OrderStatus.AT_PROVIDER
    page = client.get(url).get_data(as_text=True)
    assert "payer-le-solde" not in page


def test_paying_the_balance_with_stripe_unreachable_says_so_on_the_order(
    client, session, accepted, gateway, monkeypatch
):
    from conciergerie.payments.gateway import GatewayError

    order = accepted
    before = order.stripe_checkout_session_id

    def unreachable(**kw):
        raise GatewayError("timeout")

    monkeypatch.setattr(gateway, "create_checkout_session", unreachable)
    monkeypatch.setattr(gateway, "retrieve_checkout_session", lambda session_id: unreachable())
    sign_in(client, order.customer)
    url = f"/commandes/{order.id}"
    response = submit(client, f"{url}/payer-le-solde", {}, form_url=url)
    assert response.status_code == 503  # the order's page, with why
    html = response.get_data(as_text=True)
    assert "indisponible pour le moment" in html and order.code in html
    session.expire_all()
    assert order.stripe_checkout_session_id == before and ledger(order).balance_due_cents == 2000


def test_nothing_owed_is_refused_on_the_order_s_page(client, session, accepted, gateway):
    order = accepted
    order.lines[1].unit_price_cents = 0
    order.subtotal_cents, order.total_cents = 500, 650
    session.flush()
    sign_in(client, order.customer)
    url = f"/commandes/{order.id}"
    response = submit(client, f"{url}/payer-le-solde", {}, form_url=url)
    assert response.status_code == 422
    assert "Rien à régler en ligne" in response.get_data(as_text=True)


def test_nothing_owed_nothing_to_pay(session, accepted, gateway):
    order = accepted
    order.lines[1].unit_price_cents = 0
    order.subtotal_cents, order.total_cents = 500, 650
    session.flush()
    with pytest.raises(payments.PaymentError):
        payments.start_balance_checkout(
            session, order, gateway=gateway, success_url="http://x/ok", cancel_url="http://x/ko",
            now=datetime.now(UTC),
        )  # fmt: skip


def test_a_replaced_balance_session_paid_all_the_same_is_recorded_and_the_excess_refunded(
    client, session, accepted, gateway, checkout_stub
):
    order = accepted
    now = datetime.now(UTC)

    def open_balance() -> str:
        payments.start_balance_checkout(
            session, order, gateway=gateway, success_url="http://x/ok", cancel_url="http://x/ko",
            now=now,
        )  # fmt: skip
        commit(session)
        return order.stripe_checkout_session_id

    first = open_balance()  # 20 € left to pay
    concierge = factories.make_user(session, Role.CONCIERGE)
    payments.record_desk_payment(
        session, order, amount_cents=500, kind=PaymentKind.DESK_CASH, actor=concierge, now=now
    )
    second = open_balance()  # 15 € now: a new session replaces the first one, still open
    assert second != first and checkout_stub.sessions[second]["amount_total"] == 1500
    # The customer pays the first one, from a tab left open: the money is taken, so it counts.
    checkout_stub.pay(gateway, first)
    answer = post_event(
        client, "checkout.session.completed", {"id": first, "object": "checkout.session"}
    )
    assert answer.status_code == 200 and answer.json["status"] == "handled"
    session.expire_all()
    assert ledger(order).paid_cents == 650 + 500 + 2000 and ledger(order).balance_due_cents == 0
    # The 5 € paid twice go back at once, by card.
    assert ledger(order).refunded_cents == 500
    assert {r.payment.kind for r in order.refunds} == {PaymentKind.STRIPE}
    # The second one paid too: all of it goes back, and a replay changes nothing.
    checkout_stub.pay(gateway, second)
    for _ in range(2):
        post_event(
            client, "checkout.session.completed", {"id": second, "object": "checkout.session"}
        )
    session.expire_all()
    assert ledger(order).refunded_cents == 500 + 1500
    assert ledger(order).paid_cents - ledger(order).refunded_cents == order.total_cents == 2650
