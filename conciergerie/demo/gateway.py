"""Stripe's part in the demo's past: the orders paid online were paid, and their refunds made.

Handed to the payment services in place of `payments.gateway.StripeGateway` while the demo's
three months are replayed (demo/history.py): each Checkout Session it opens is paid at once and
each refund is made, under ids that say they are the demo's (cs_demo_…, pi_demo_…, re_demo_…).
It speaks to nobody.
"""

from __future__ import annotations

import dataclasses
import itertools

from conciergerie.payments.gateway import CURRENCY, CheckoutLine, CheckoutSession


class DemoStripe:
    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self._sessions: dict[str, CheckoutSession] = {}

    def create_checkout_session(
        self, *, order_id: int, lines: list[CheckoutLine], **_details: object
    ) -> CheckoutSession:
        number = next(self._numbers)
        checkout = CheckoutSession(
            id=f"cs_demo_{number:05d}",
            url=None,
            status="open",
            payment_status="unpaid",
            payment_intent=None,
            order_id=order_id,
            amount_total=sum(line.unit_amount_cents * line.quantity for line in lines),
            currency=CURRENCY,
        )
        self._sessions[checkout.id] = checkout
        return checkout

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        return self._sessions[session_id]

    def pay(self, session_id: str) -> CheckoutSession:
        """The customer paid the session: what Stripe says of it afterwards."""
        paid = dataclasses.replace(
            self._sessions[session_id],
            status="complete",
            payment_status="paid",
            payment_intent=session_id.replace("cs_demo_", "pi_demo_"),
        )
        self._sessions[session_id] = paid
        return paid

    def refund(self, *, payment_intent: str, amount_cents: int, idempotency_key: str) -> str:
        return f"re_demo_{next(self._numbers):05d}"
