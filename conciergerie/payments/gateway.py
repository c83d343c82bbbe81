"""The only module that talks to Stripe (and the only one importing `stripe`).

It returns plain dataclasses, so the rest of the app never handles Stripe objects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

import stripe
from flask import Flask, current_app

from conciergerie.orders.service import OrderSettings

WEBHOOK_TOLERANCE_SECONDS = 300
# The app's one currency, as Stripe spells it (ISO 4217, lower case); amounts are in its cents.
CURRENCY = "eur"


class GatewayError(Exception):
    """Stripe could not be reached or refused the call."""


class InvalidWebhook(Exception):
    """Unsigned, badly signed, stale or malformed webhook."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    payment_intent: str | None
    order_id: int | None
    amount_total: int | None  # in the smallest unit of `currency`: what was (or is to be) paid
    currency: str | None = None  # lower case, as Stripe spells it: "eur"


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    object_id: str | None


# Stripe's ids (evt_…, cs_…) and event types (checkout.session.completed), within the columns
# that keep them (stripe_event.id, stripe_event.type).
_STRIPE_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
_EVENT_TYPE = re.compile(r"[a-z0-9_.]{1,100}")


def webhook_event(data: object) -> WebhookEvent:
    """The event in a webhook body whose signature was verified, or InvalidWebhook saying what is
    wrong with its shape.

    A correct signature says who sent the body, not that it is an event: every field the app
    uses is checked here, once, so that nothing malformed reaches the database (an id longer
    than its column, a number where an id is expected). An object without an id (a balance) is
    well formed: such events are acknowledged and ignored.
    """
    if not isinstance(data, dict):
        raise InvalidWebhook("the body is not a JSON object")
    event_id, event_type, body = data.get("id"), data.get("type"), data.get("data")
    if not isinstance(event_id, str) or not _STRIPE_ID.fullmatch(event_id):
        raise InvalidWebhook("no valid event id")
    if not isinstance(event_type, str) or not _EVENT_TYPE.fullmatch(event_type):
        raise InvalidWebhook(f"{event_id}: no valid event type")
    if not isinstance(body, dict) or not isinstance(body.get("object"), dict):
        raise InvalidWebhook(f"{event_id}: data.object is not an object")
    object_id = body["object"].get("id")
    if object_id is not None and not (
        isinstance(object_id, str) and _STRIPE_ID.fullmatch(object_id)
    ):
        raise InvalidWebhook(f"{event_id}: data.object.id is not a Stripe id")
    return WebhookEvent(id=event_id, type=event_type, object_id=object_id)


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount_cents: int
    quantity: int


def _session(obj) -> CheckoutSession:
    data = obj if isinstance(obj, dict) else obj.to_dict()
    metadata = data.get("metadata") or {}
    intent = data.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    order_id = metadata.get("order_id")
    return CheckoutSession(
        id=data["id"],
        url=data.get("url"),
        status=data.get("status") or "open",
        payment_status=data.get("payment_status") or "unpaid",
        payment_intent=intent,
        order_id=int(order_id) if order_id and str(order_id).isdigit() else None,
        amount_total=data.get("amount_total"),
        currency=(data.get("currency") or "").lower() or None,
    )


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        *,
        webhook_secret: str | None,
        api_base: str | None = None,
        http_client: object | None = None,
    ):
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=http_client,
            max_network_retries=2,
        )

    def create_checkout_session(
        self,
        *,
        order_id: int,
        order_code: str,
        lines: list[CheckoutLine],
        customer_email: str,
        success_url: str,
        cancel_url: str,
        expires_at: datetime,
        idempotency_key: str | None = None,
    ) -> CheckoutSession:
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": CURRENCY,
                        "unit_amount": line.unit_amount_cents,
                        "product_data": {"name": line.name},
                    },
                    "quantity": line.quantity,
                }
                for line in lines
            ],
            "customer_email": customer_email,
            "client_reference_id": str(order_id),
            "metadata": {"order_id": str(order_id), "order_code": order_code},
            "payment_intent_data": {"metadata": {"order_id": str(order_id)}},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.timestamp()),
            "locale": "fr",
        }
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params,
                # The random order code too: ids repeat when a test database is reset.
                options={
                    "idempotency_key": idempotency_key or f"checkout-order-{order_id}-{order_code}"
                },
            )
        except stripe.StripeError as error:
            raise GatewayError(str(error)) from error
        return _session(session)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        try:
            return _session(self.client.v1.checkout.sessions.retrieve(session_id))
        except stripe.StripeError as error:
            raise GatewayError(str(error)) from error

    def refund(self, *, payment_intent: str, amount_cents: int, idempotency_key: str) -> str:
        """Refund part of a PaymentIntent; the key makes a retry return the same refund."""
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_intent, "amount": amount_cents},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise GatewayError(str(error)) from error
        return refund.id

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify the Stripe-Signature header (HMAC-SHA256, at most 5 minutes old), then read
        the event (`webhook_event`). InvalidWebhook says what is wrong."""
        if not signature or not self.webhook_secret:
            raise InvalidWebhook("unsigned")
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, self.webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidWebhook(str(error)) from error
        try:
            data = json.loads(payload)
        except (ValueError, RecursionError) as error:
            raise InvalidWebhook(f"not JSON: {str(error)[:100]}") from None
        return webhook_event(data)


def init_app(app: Flask) -> None:
    key = app.config.get("STRIPE_SECRET_KEY")
    app.extensions["stripe_gateway"] = (
        StripeGateway(
            key,
            webhook_secret=app.config.get("STRIPE_WEBHOOK_SECRET"),
            api_base=app.config.get("STRIPE_API_BASE"),
        )
        if key
        else None
    )


def get_gateway() -> StripeGateway | None:
    """The configured gateway, or None: without a key, online payment is off."""
    return current_app.extensions.get("stripe_gateway")


def order_settings() -> OrderSettings:
    """The app's rules for placing orders, online payment offered when Stripe is configured."""
    return OrderSettings.from_config(current_app.config, online_payment=get_gateway() is not None)
