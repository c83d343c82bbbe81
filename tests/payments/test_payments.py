"""Online payment end to end against the fake Stripe, signed webhooks, refunds, the desk."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.database import commit
from conciergerie.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    Refund,
    Role,
    StripeEvent,
)
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.gateway import GatewayError
from conciergerie.payments.ledger import ledger
from tests import factories
from tests.conftest import sign_in, submit
from tests.factories import SETTINGS
from tests.payments.conftest import post_event, post_signed_body

ONLINE = replace(SETTINGS, online_payment=True, payment_hold_minutes=30)
SOON = (factories.NOW + timedelta(days=2)).replace(hour=7, minute=0)  # Friday, 8:00 in Paris


@pytest.fixture
def online_order(session, gateway, make_user):
    """An order placed for online payment, its Checkout Session opened (awaiting payment)."""
    customer = make_user(Role.RESIDENT, email="nadia@example.org")
    offer = factories.make_offer(session, name="Ressemelage", price_cents=1800, turnaround_days=1)
    now = datetime.now(UTC)
    order = orders.place_order(
        session,
        customer=customer,
        lines=[orders.RequestedLine(offer, 1)],
        dropoff_slot=factories.make_slot(session, starts_at=SOON),
        pickup_slot=factories.make_slot(session, starts_at=SOON + timedelta(days=7)),
        note="",
        payment=PaymentMethod.ONLINE,
        now=now,
        settings=ONLINE,
    )
    payments.start_checkout(
        session,
        order,
        gateway=gateway,
        success_url="http://localhost/ok",
        cancel_url="http://localhost/ko",
        now=now,
    )
    commit(session)
    return order


def completed(client, order, **kw):
    return post_event(
        client,
        "checkout.session.completed",
        {"id": order.stripe_checkout_session_id, "object": "checkout.session"},
        **kw,
    )


def test_checkout_session_carries_the_order(online_order, checkout_stub):
    assert online_order.status is OrderStatus.AWAITING_PAYMENT
    assert online_order.dropoff_slot.booked == 1  # the places are held
    session = checkout_stub.sessions[online_order.stripe_checkout_session_id]
    form = session["_request_form"]
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][unit_amount]"] == "1800"
    assert form["line_items[1][price_data][unit_amount]"] == "150"  # the resident's fee
    assert form["metadata[order_id]"] == str(online_order.id)
    assert form["customer_email"] == "nadia@example.org"
    assert (
        form["success_url"] == "http://localhost/ok" and form["cancel_url"] == "http://localhost/ko"
    )
    assert session["_idempotency_key"] == f"checkout-order-{online_order.id}-{online_order.code}"
    assert session["amount_total"] == online_order.total_cents == 1950


def test_paid_session_confirms_the_order_once(
    client, session, online_order, gateway, checkout_stub, outbox
):
    intent = checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    response = completed(client, online_order, event_id="evt_paid_1")
    assert response.status_code == 200 and response.get_json()["status"] == "handled"
    session.refresh(online_order)
    assert online_order.status is OrderStatus.CONFIRMED
    payment = session.scalar(sa.select(Payment).where(Payment.order_id == online_order.id))
    assert (payment.kind, payment.amount_cents, payment.stripe_payment_intent_id) == (
        PaymentKind.STRIPE,
        1950,
        intent,
    )
    assert len(outbox) == 1 and online_order.code in outbox[0].subject
    # The same event again, and another event for the same session: nothing changes.
    assert (
        completed(client, online_order, event_id="evt_paid_1").get_json()["status"] == "duplicate"
    )
    assert completed(client, online_order, event_id="evt_paid_2").status_code == 200
    assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert [e.to_status for e in online_order.events].count(OrderStatus.CONFIRMED) == 1


def test_an_online_payment_gets_one_receipt(client, session, online_order, gateway, checkout_stub):
    from conciergerie.models import Document, DocumentKind

    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order, event_id="evt_paid_receipt")
    completed(client, online_order, event_id="evt_paid_receipt_again")  # changes nothing
    [receipt] = session.scalars(sa.select(Document).where(Document.order_id == online_order.id))
    assert receipt.kind is DocumentKind.RECEIPT and receipt.total_cents == 1950
    assert receipt.number.startswith("R-") and receipt.payment.kind is PaymentKind.STRIPE
    assert "Mode de paiement : carte bancaire en ligne" in receipt.content["notes"]


def test_the_payload_is_only_a_trigger(client, session, online_order):
    # An event saying "completed" for a session Stripe still reports unpaid confirms nothing.
    assert completed(client, online_order).status_code == 200
    session.refresh(online_order)
    assert online_order.status is OrderStatus.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secret": "whsec_wrong"},
        {"tamper": True},
        {"age_seconds": 301},  # older than Stripe's 5-minute tolerance
    ],
    ids=["wrong-secret", "tampered-body", "stale"],
)
def test_badly_signed_webhooks_are_refused_and_change_nothing(
    client, session, online_order, gateway, checkout_stub, kwargs
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    response = completed(client, online_order, **kwargs)
    assert response.status_code == 400
    session.refresh(online_order)
    assert online_order.status is OrderStatus.AWAITING_PAYMENT
    assert session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 0


def test_unsigned_webhook_is_refused(client, gateway):
    response = client.post(
        "/payments/stripe/webhook",
        data=b'{"id": "evt_x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def _event(session_id: str, **changes) -> bytes:
    """A checkout.session.completed event for `session_id`, with some of its fields replaced."""
    event = {
        "id": "evt_malformed",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {"id": session_id, "object": "checkout.session"}},
    }
    event.update(changes)
    return json.dumps(event).encode()


# Correctly signed, but not the shape of a Stripe event: (body from the session id, logged reason).
MALFORMED_EVENTS = {
    "no-id": (lambda s: _event(s).replace(b'"id": "evt_malformed", ', b""), "event id"),
    "id-of-300-characters": (lambda s: _event(s, id="evt_" + "x" * 296), "event id"),
    "numeric-id": (lambda s: _event(s, id=12), "event id"),
    "no-type": (lambda s: _event(s, type=None), "event type"),
    "data-a-list": (lambda s: _event(s, data=[{"object": {"id": s}}]), "data.object"),
    "object-not-an-object": (lambda s: _event(s, data={"object": s}), "data.object"),
    "numeric-object-id": (lambda s: _event(s, data={"object": {"id": 12}}), "data.object.id"),
    "a-list": (lambda s: json.dumps([_event(s).decode()]).encode(), "not a JSON object"),
    "a-string": (lambda s: b'"evt_1"', "not a JSON object"),
    "not-json": (lambda s: b"{", "not JSON"),
    "nested-100000-deep": (lambda s: b"[" * 100_000, "not JSON"),
}


@pytest.mark.parametrize("make_body, reason", MALFORMED_EVENTS.values(), ids=MALFORMED_EVENTS)
def test_signed_but_malformed_events_are_refused_logged_and_change_nothing(
    client, session, online_order, gateway, checkout_stub, caplog, make_body, reason
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    with caplog.at_level(logging.WARNING, logger="conciergerie.payments"):
        response = post_signed_body(client, make_body(online_order.stripe_checkout_session_id))
    assert response.status_code == 400
    (record,) = [r for r in caplog.records if r.name.startswith("conciergerie.payments")]
    assert record.levelno == logging.WARNING and reason in record.getMessage()
    session.refresh(online_order)
    assert online_order.status is OrderStatus.AWAITING_PAYMENT
    assert session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 0
    # The same event, well formed, is handled: only its shape was at fault.
    response = post_signed_body(client, _event(online_order.stripe_checkout_session_id))
    assert response.status_code == 200 and response.get_json()["status"] == "handled"


def test_events_whose_object_has_no_id_are_acknowledged(client, gateway):
    # A balance has no id: a well-formed event about it is ignored, not refused.
    body = json.dumps(
        {
            "id": "evt_balance",
            "object": "event",
            "type": "balance.available",
            "data": {"object": {"object": "balance", "available": []}},
        }
    ).encode()
    response = post_signed_body(client, body)
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"


def test_unknown_event_types_are_acknowledged_and_ignored(client, session, gateway):
    response = post_event(client, "customer.created", {"id": "cus_123", "object": "customer"})
    assert response.status_code == 200 and response.get_json()["status"] == "ignored"


def test_events_out_of_order_never_move_an_order_backwards(
    client, session, online_order, gateway, checkout_stub
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order)
    failed = post_event(
        client,
        "checkout.session.async_payment_failed",
        {"id": online_order.stripe_checkout_session_id, "object": "checkout.session"},
    )
    assert failed.status_code == 200
    session.refresh(online_order)
    assert online_order.status is OrderStatus.CONFIRMED


def test_expired_hold_frees_the_places_and_a_late_payment_is_refunded(
    client, session, online_order, gateway, checkout_stub, outbox
):
    later = online_order.payment_expires_at + timedelta(seconds=1)
    assert payments.expire_unpaid_orders(session, now=later) == 1
    commit(session)
    assert online_order.status is OrderStatus.CANCELLED
    session.refresh(online_order.dropoff_slot)
    assert online_order.dropoff_slot.booked == 0
    # The customer pays anyway, in the still-open Stripe page.
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order)
    session.refresh(online_order)
    assert online_order.status is OrderStatus.CANCELLED  # never confirmed
    refund = session.scalar(sa.select(Refund).where(Refund.order_id == online_order.id))
    assert refund.amount_cents == 1950 and refund.stripe_refund_id.startswith("re_")
    assert refund.actor is None
    assert [m.subject for m in outbox] == [f"Commande {online_order.code} : paiement remboursé"]


def test_expiry_job_is_safe_to_rerun(session, online_order):
    later = online_order.payment_expires_at + timedelta(minutes=1)
    assert payments.expire_unpaid_orders(session, now=later) == 1
    assert payments.expire_unpaid_orders(session, now=later) == 0
    assert payments.expire_unpaid_orders(session, now=online_order.placed_at) == 0


def test_full_path_order_checkout_webhook_cancel_refund(
    client, session, online_order, gateway, checkout_stub
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order)
    sign_in(client, online_order.customer)
    response = submit(
        client,
        f"/commandes/{online_order.id}/annuler",
        {},
        form_url=f"/commandes/{online_order.id}",
    )
    assert response.status_code == 302
    assert "annulée et remboursée" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    session.expire_all()
    order = session.get(Order, online_order.id)
    assert order.status is OrderStatus.CANCELLED
    assert ledger(order).refunded_cents == 1950
    assert order.refunds[0].actor_id == order.customer_id and order.refunds[0].stripe_refund_id
    assert any("Remboursé" in e.note for e in order.events)


def test_concierge_refunds_part_of_an_order(
    client, session, online_order, gateway, checkout_stub, login_as
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order)
    concierge = login_as(Role.CONCIERGE)
    url = f"/comptoir/commandes/{online_order.id}/rembourser"
    page = f"/comptoir/commandes/{online_order.id}"
    done = submit(client, url, {"amount": "5,00", "reason": "Retouche impossible"}, form_url=page)
    assert done.status_code == 302 and done.location.endswith(page)  # back to the order
    too_much = submit(client, url, {"amount": "20", "reason": "Trop"}, form_url=page)
    assert too_much.status_code == 422  # the order's desk page again
    html = too_much.get_data(as_text=True)
    assert "au plus 14,50" in html and online_order.code in html and "<h1>Commande" in html
    session.expire_all()
    order = session.get(Order, online_order.id)
    assert [(r.amount_cents, r.reason, r.actor_id) for r in order.refunds] == [
        (500, "Retouche impossible", concierge.id)
    ]


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "12,345", ""])
def test_bad_refund_amounts_are_refused(
    client, session, online_order, gateway, checkout_stub, login_as, amount
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order)
    login_as(Role.CONCIERGE)
    response = submit(
        client,
        f"/comptoir/commandes/{online_order.id}/rembourser",
        {"amount": amount, "reason": "x"},
        form_url="/comptoir/",
    )
    assert response.status_code == 422
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0


def test_return_page_waits_for_stripe_then_confirms_by_asking_it(
    client, session, online_order, gateway, checkout_stub
):
    sign_in(client, online_order.customer)
    waiting = client.get(f"/commandes/{online_order.id}/paiement")
    assert waiting.status_code == 200 and "Paiement en cours de confirmation" in waiting.get_data(
        as_text=True
    )
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    back = client.get(f"/commandes/{online_order.id}/paiement")
    assert back.status_code == 302
    session.refresh(online_order)
    assert online_order.status is OrderStatus.CONFIRMED


def test_return_page_with_stripe_unreachable_leaves_it_to_the_webhook(
    client, session, online_order, gateway, checkout_stub, monkeypatch
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)

    def unreachable(session_id):
        raise GatewayError("timeout")

    monkeypatch.setattr(gateway, "retrieve_checkout_session", unreachable)
    sign_in(client, online_order.customer)
    page = client.get(f"/commandes/{online_order.id}/paiement")
    assert page.status_code == 200
    assert "Paiement en cours de confirmation" in page.get_data(as_text=True)
    session.refresh(online_order)
    assert online_order.status is OrderStatus.AWAITING_PAYMENT


def test_return_page_racing_the_webhook_keeps_nothing_of_its_own(
    client, session, online_order, gateway, checkout_stub, monkeypatch, outbox
):
    """The webhook records the same payment at that very moment: the return page's attempt
    (here failing on the unique PaymentIntent) is undone in its savepoint, mail included, and
    the page says the payment is being confirmed."""
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    confirm = payments.confirm_payment

    def racing(session, order, checkout, **kw):
        confirm(session, order, checkout, **kw)
        raise sa.exc.IntegrityError("INSERT INTO payment", {}, Exception("duplicate key"))

    monkeypatch.setattr(payments, "confirm_payment", racing)
    sign_in(client, online_order.customer)
    page = client.get(f"/commandes/{online_order.id}/paiement")
    assert page.status_code == 200
    assert "Paiement en cours de confirmation" in page.get_data(as_text=True)
    session.expire_all()
    assert online_order.status is OrderStatus.AWAITING_PAYMENT and not online_order.payments
    assert outbox == []  # no confirmation for a payment this request did not record


def test_stripe_unreachable_during_a_webhook_is_a_503_and_keeps_nothing(
    client, session, online_order, gateway, checkout_stub, monkeypatch
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    retrieve = gateway.retrieve_checkout_session

    def unreachable(session_id):
        raise GatewayError("timeout")

    monkeypatch.setattr(gateway, "retrieve_checkout_session", unreachable)
    response = completed(client, online_order, event_id="evt_retried")
    assert response.status_code == 503
    assert session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 0
    # Stripe sends it again once we can reach it: handled, not a duplicate.
    monkeypatch.setattr(gateway, "retrieve_checkout_session", retrieve)
    again = completed(client, online_order, event_id="evt_retried")
    assert again.status_code == 200 and again.get_json()["status"] == "handled"
    session.refresh(online_order)
    assert online_order.status is OrderStatus.CONFIRMED


def test_checkout_page_offers_online_payment_and_redirects_to_stripe(
    client, session, gateway, checkout_stub, login_as
):
    login_as(Role.RESIDENT)
    offer = factories.make_offer(session, turnaround_days=0)
    slots = [factories.make_slot(session, starts_at=SOON + timedelta(days=n)) for n in range(10)]
    submit(client, "/panier/ajouter", {"offer_id": offer.id, "quantity": 1}, form_url="/")
    page = client.get(f"/commande?depot={slots[0].id}").get_data(as_text=True)
    assert 'value="online"' in page
    response = submit(
        client,
        "/commande",
        {"dropoff_slot": slots[0].id, "pickup_slot": slots[3].id, "payment": "online"},
        form_url=f"/commande?depot={slots[0].id}",
    )
    assert (
        response.status_code == 303
        and "/payments/test-checkout/cs_test_" in response.headers["Location"]
    )
    order = session.scalar(sa.select(Order))
    assert order.status is OrderStatus.AWAITING_PAYMENT
    # Where Stripe sends the customer back: our public address, never the request's Host.
    form = checkout_stub.sessions[order.stripe_checkout_session_id]["_request_form"]
    assert form["success_url"] == f"http://127.0.0.1:5000/commandes/{order.id}/paiement"
    assert form["cancel_url"] == f"http://127.0.0.1:5000/commandes/{order.id}"


def test_stripe_down_at_checkout_cancels_the_order_and_frees_the_places(
    client, session, gateway, checkout_stub, login_as
):
    checkout_stub.down = True
    login_as(Role.RESIDENT)
    offer = factories.make_offer(session, turnaround_days=0)
    slots = [factories.make_slot(session, starts_at=SOON + timedelta(days=n)) for n in range(10)]
    submit(client, "/panier/ajouter", {"offer_id": offer.id, "quantity": 1}, form_url="/")
    response = submit(
        client,
        "/commande",
        {"dropoff_slot": slots[0].id, "pickup_slot": slots[3].id, "payment": "online"},
        form_url=f"/commande?depot={slots[0].id}",
        follow_redirects=True,
    )
    assert "paiement en ligne est indisponible" in response.get_data(as_text=True)
    order = session.scalar(sa.select(Order))
    assert order.status is OrderStatus.CANCELLED
    session.refresh(slots[0])
    assert slots[0].booked == 0


def test_api_online_order_answers_with_the_checkout_url(client, session, gateway, make_user):
    from conciergerie.api import service as tokens

    token = tokens.issue_token(session, make_user(Role.RESIDENT), now=datetime.now(UTC))
    offer = factories.make_offer(session, turnaround_days=0)
    dropoff = factories.make_slot(session, starts_at=SOON)
    pickup = factories.make_slot(session, starts_at=SOON + timedelta(days=5))
    response = client.post(
        "/api/v1/orders",
        json={
            "lines": [{"offer_id": offer.id, "quantity": 1}],
            "dropoff_slot_id": dropoff.id,
            "pickup_slot_id": pickup.id,
            "payment": "online",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (
        body["status"] == "awaiting_payment" and "/payments/test-checkout/" in body["checkout_url"]
    )


def test_test_checkout_page_pays_through_a_signed_webhook(
    client, session, online_order, gateway, checkout_stub
):
    sign_in(client, online_order.customer)
    page = f"/payments/test-checkout/{online_order.stripe_checkout_session_id}"
    assert client.get(page).status_code == 200
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    response = submit(client, page, {}, form_url=page)
    assert response.status_code == 302
    session.refresh(online_order)
    assert online_order.status is OrderStatus.CONFIRMED


def test_test_checkout_page_is_a_404_outside_the_testing_configuration(tmp_path):
    from conciergerie import create_app
    from conciergerie.config import DevelopmentConfig

    app = create_app(
        DevelopmentConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/dev.db",
        STRIPE_WEBHOOK_SECRET="whsec_x",
    )
    assert app.test_client().get("/payments/test-checkout/cs_test_anything").status_code == 404


# Without Stripe ---------------------------------------------------------------------------------


def test_without_stripe_online_payment_is_hidden_and_refused(client, session, login_as):
    login_as(Role.RESIDENT)
    offer = factories.make_offer(session, turnaround_days=0)
    slots = [factories.make_slot(session, starts_at=SOON + timedelta(days=n)) for n in range(10)]
    submit(client, "/panier/ajouter", {"offer_id": offer.id, "quantity": 1}, form_url="/")
    page = client.get(f"/commande?depot={slots[0].id}").get_data(as_text=True)
    assert 'value="online"' not in page and 'value="desk"' in page
    with pytest.raises(orders.OrderError):
        factories.make_order(session, payment=PaymentMethod.ONLINE)
    assert client.post("/payments/stripe/webhook", data=b"{}").status_code == 400


def test_concierge_records_a_desk_payment(client, session, login_as):
    order = factories.make_order(session)
    login_as(Role.CONCIERGE)
    response = submit(
        client,
        f"/comptoir/commandes/{order.id}/encaisser",
        {"amount": "10,00", "kind": "desk_card"},  # part of the 11,50 € due
        form_url=f"/comptoir/commandes/{order.id}",
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/comptoir/commandes/{order.id}")
    session.refresh(order)
    assert [(p.kind, p.amount_cents) for p in order.payments] == [(PaymentKind.DESK_CARD, 1000)]
    assert ledger(order).balance_due_cents == order.total_cents - 1000 == 150
    assert any("Payé au comptoir" in e.note for e in order.events)


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.RESIDENT, Role.PROVIDER])
def test_only_the_concierge_handles_money(client, session, login_as, role):
    order = factories.make_order(session)
    login_as(role)
    for path in ("encaisser", "rembourser"):
        response = submit(
            client,
            f"/comptoir/commandes/{order.id}/{path}",
            {"amount": "5", "reason": "x"},
            form_url="/",
        )
        assert response.status_code == 403
    assert client.get("/comptoir/export-paiements.csv").status_code == 403


def test_accountant_export_lists_payments_and_refunds_safely(client, session, login_as, make_user):
    tricky = make_user(Role.RESIDENT, full_name='=HYPERLINK("http://evil")')
    order = factories.make_order(session, customer=tricky)
    concierge = login_as(Role.CONCIERGE)
    payments.record_desk_payment(
        session,
        order,
        amount_cents=order.total_cents,
        kind=PaymentKind.DESK_CASH,
        actor=concierge,
        now=datetime.now(UTC),
    )
    payments.manual_refund(
        session,
        order,
        amount_cents=300,
        reason="Ourlet raté",
        actor=concierge,
        gateway=None,
        now=datetime.now(UTC),
    )
    session.flush()
    response = client.get("/comptoir/export-paiements.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith(
        "\ufeffdate;commande;client;moyen;brut;frais;part prestataires;remboursement"
    )
    assert f";{order.code};\"'=HYPERLINK" in text  # quoted: a spreadsheet will not run it
    assert ";desk_cash;" in text and ";3,00" in text


def test_expire_unpaid_command(app, session, online_order):
    result = app.test_cli_runner().invoke(args=["expire-unpaid"])
    assert result.exit_code == 0 and "annulées : 0" in result.output  # the hold still runs


def test_no_desk_payment_on_an_order_waiting_for_its_online_payment(
    session, online_order, login_as
):
    concierge = login_as(Role.CONCIERGE)
    with pytest.raises(payments.PaymentError, match="paiement en ligne"):
        payments.record_desk_payment(
            session,
            online_order,
            amount_cents=500,
            kind=PaymentKind.DESK_CASH,
            actor=concierge,
            now=datetime.now(UTC),
        )


def test_cancelling_gives_back_online_money_online_only(
    client, session, online_order, gateway, checkout_stub
):
    checkout_stub.pay(gateway, online_order.stripe_checkout_session_id)
    completed(client, online_order)
    session.refresh(online_order)
    concierge = factories.make_user(session, Role.CONCIERGE)
    # A little cash too (an extra 3 € on the line's price, paid at the desk): the cancel refunds
    # the card payment online, and the cash is to give back at the counter.
    line = online_order.lines[0]
    line.unit_price_cents += 300 // line.quantity
    session.flush()
    payments.record_desk_payment(
        session,
        online_order,
        amount_cents=300,
        kind=PaymentKind.DESK_CASH,
        actor=concierge,
        now=datetime.now(UTC),
    )
    payments.cancel_and_refund(
        session, online_order, actor=concierge, gateway=gateway, now=datetime.now(UTC)
    )
    assert [(r.payment.kind, r.amount_cents) for r in online_order.refunds] == [
        (PaymentKind.STRIPE, 1950)
    ]
    figures = ledger(online_order)
    assert (figures.total_cents, figures.desk_refund_due_cents) == (0, 300)
    payments.refund_at_desk(session, online_order, actor=concierge, now=datetime.now(UTC))
    figures = ledger(online_order)
    assert (figures.refund_due_cents, figures.balance_due_cents, figures.refunded_cents) == (
        0,
        0,
        2250,
    )


def test_export_counts_the_fee_once_for_an_order_paid_in_parts(client, session, login_as):
    order = factories.make_order(session)  # 10,00 € + 1,50 € fee
    concierge = login_as(Role.CONCIERGE)
    now = datetime.now(UTC)
    for cents in (600, 550):
        payments.record_desk_payment(
            session, order, amount_cents=cents, kind=PaymentKind.DESK_CASH, actor=concierge, now=now
        )
    session.flush()
    lines = [
        line.split(";")
        for line in client.get("/comptoir/export-paiements.csv")
        .get_data(as_text=True)
        .splitlines()[1:]
    ]
    fees = [line[5] for line in lines if line[1] == order.code]
    assert fees == ["1,50", "0,00"]
