"""Stripe in the tests: localstripe (a fake, stateful Stripe server) for PaymentIntents and
Refunds, and a stub HTTP client for Checkout Sessions, which localstripe lacks. The stub answers
with payloads shaped like Stripe's API reference (tests/fixtures/stripe/). The events there
(checkout.session.completed*.json) are whole, as Stripe posts them to the webhook, written after
that reference (API version 2024-06-20), not captured from a live account (`pay_as_recorded`)."""

from __future__ import annotations

import copy
import json
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import stripe

from conciergerie.payments.gateway import StripeGateway
from conciergerie.payments.testing import sign, signed_event

FIXTURES = Path(__file__).parent.parent / "fixtures" / "stripe"
SECRET_KEY = "sk_test_conciergerie"
WEBHOOK_SECRET = "whsec_test_conciergerie"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """Start localstripe on a free loopback port for the whole run."""
    port = _free_port()
    executable = Path(sys.executable).parent / "localstripe"
    process = subprocess.Popen(
        [str(executable), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/v1/customers", auth=(SECRET_KEY, ""), timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("localstripe did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


class CheckoutStub(stripe.RequestsClient):
    """Serves /v1/checkout/sessions from memory; everything else goes to localstripe."""

    def __init__(self):
        super().__init__()
        self.sessions: dict[str, dict] = {}
        self.requests_seen: list[tuple[str, str, dict]] = []
        self.down = False

    def request(self, method, url, headers, post_data=None):
        path = urlsplit(url).path
        if not path.startswith("/v1/checkout/sessions"):
            return super().request(method, url, headers, post_data)
        self.requests_seen.append((method, path, dict(headers or {})))
        if self.down:
            raise stripe.APIConnectionError("Stripe is down (stub)")
        if method == "post" and path == "/v1/checkout/sessions":
            return self._create(post_data or "", headers or {})
        session_id = path.rsplit("/", 1)[-1]
        if session_id not in self.sessions:
            return self._json(
                {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}},
                404,
            )
        return self._json(self.sessions[session_id])

    def _create(self, post_data: str, headers: dict):
        form = dict(parse_qsl(post_data))
        session = copy.deepcopy(json.loads((FIXTURES / "checkout_session.json").read_text()))
        session_id = "cs_test_" + secrets.token_hex(12)
        total, index = 0, 0
        while f"line_items[{index}][quantity]" in form:
            total += int(form[f"line_items[{index}][price_data][unit_amount]"]) * int(
                form[f"line_items[{index}][quantity]"]
            )
            index += 1
        session.update(
            id=session_id,
            amount_subtotal=total,
            amount_total=total,
            customer_email=form.get("customer_email"),
            client_reference_id=form.get("client_reference_id"),
            success_url=form["success_url"],
            cancel_url=form["cancel_url"],
            expires_at=int(form["expires_at"]),
            metadata={k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            url=f"http://localhost/payments/test-checkout/{session_id}",
        )
        session["_request_form"] = form
        session["_idempotency_key"] = headers.get("Idempotency-Key")
        self.sessions[session_id] = session
        return self._json({k: v for k, v in session.items() if not k.startswith("_")})

    @staticmethod
    def _json(body: dict, status: int = 200):
        return (
            json.dumps(body).encode(),
            status,
            {"Request-Id": "req_stub", "Content-Type": "application/json"},
        )

    # What Stripe does when the customer pays: a real PaymentIntent in localstripe, and the
    # session marked complete and paid; `as_recorded`, a session object from a recorded event,
    # says for how much and in which currency Stripe took the money.
    def pay(
        self, gateway: StripeGateway, session_id: str, *, as_recorded: dict | None = None
    ) -> str:
        session = self.sessions[session_id]
        if as_recorded is not None:
            session.update({key: as_recorded[key] for key in PAID_FIELDS})
        client = gateway.client
        method = client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {
                    "number": "4242424242424242",
                    "exp_month": 12,
                    "exp_year": 2030,
                    "cvc": "123",
                },
            }
        )
        intent = client.v1.payment_intents.create(
            params={
                "amount": session["amount_total"],
                "currency": session["currency"],
                "payment_method": method.id,
                "confirm": True,
                "payment_method_types": ["card"],
            }
        )
        assert intent.status == "succeeded"
        session.update(status="complete", payment_status="paid", payment_intent=intent.id)
        return intent.id


# What a paid session's recorded payload says about the money taken.
PAID_FIELDS = ("amount_subtotal", "amount_total", "currency", "total_details", "discounts")


@pytest.fixture
def checkout_stub():
    return CheckoutStub()


@pytest.fixture
def gateway(app, localstripe_url, checkout_stub):
    """Online payment switched on for this test, against the fake Stripe."""
    gateway = StripeGateway(
        SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        api_base=localstripe_url,
        http_client=checkout_stub,
    )
    previous = app.extensions.get("stripe_gateway"), app.config.get("STRIPE_WEBHOOK_SECRET")
    app.extensions["stripe_gateway"] = gateway
    app.config["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    yield gateway
    app.extensions["stripe_gateway"], app.config["STRIPE_WEBHOOK_SECRET"] = previous


def post_event(
    client,
    event_type,
    obj,
    *,
    secret=WEBHOOK_SECRET,
    event_id=None,
    timestamp=None,
    age_seconds=0,
    tamper=False,
):
    """Post a signed event; `age_seconds` signs it that long ago (by the test's clock)."""
    timestamp = timestamp or int(time.time()) - age_seconds
    body, signature = signed_event(
        event_type, obj, secret=secret, timestamp=timestamp, event_id=event_id
    )
    if tamper:
        body = body.replace(b'"livemode": false', b'"livemode": true')
    return post_signed_body(client, body, signature)


def post_signed_body(client, body: bytes, signature: str | None = None):
    """Post `body` to the webhook as it is, correctly signed now unless `signature` is given."""
    signature = signature or sign(body, secret=WEBHOOK_SECRET, timestamp=int(time.time()))
    return client.post(
        "/payments/stripe/webhook",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def pay_as_recorded(client, gateway, checkout_stub, order, name: str, *, session_id=None):
    """The customer pays `order`'s Checkout Session (or `session_id`) and Stripe posts the event
    recorded in tests/fixtures/stripe/`name`.json: whole, as Stripe sent it, only pointed at this
    test's session, order and PaymentIntent. The fake Stripe reports the session paid as the
    payload says (amount, currency), for the webhook's fetch of it and for refunds."""
    event = json.loads((FIXTURES / f"{name}.json").read_text())
    paid = event["data"]["object"]
    session_id = session_id or order.stripe_checkout_session_id
    paid.update(
        id=session_id,
        client_reference_id=str(order.id),
        metadata={"order_code": order.code, "order_id": str(order.id)},
    )
    paid["payment_intent"] = checkout_stub.pay(gateway, session_id, as_recorded=paid)
    return post_signed_body(client, json.dumps(event).encode())
