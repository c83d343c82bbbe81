"""Mails about payments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from conciergerie.accounts.service import active_concierges
from conciergerie.mail import external_url, send_templated
from conciergerie.models import Order, Payment


def alert_amount_mismatch(
    session: Session, payment: Payment, *, currency: str, asked_cents: int, refunded_cents: int
) -> None:
    """Tell every concierge (same transaction) that Stripe took another amount than the app
    asked (or another currency), and what was done about it: all of it given back (the order
    not confirmed), or only what exceeds what was asked."""
    order = payment.order
    for concierge in active_concierges(session):
        send_templated(
            concierge,
            "payment_amount_mismatch",
            _l("%(code)s : paiement en ligne différent du montant demandé", code=order.code),
            order=order,
            customer=order.customer,
            paid_cents=payment.amount_cents,
            currency=currency,
            asked_cents=asked_cents,
            refunded_cents=refunded_cents,
            payment_intent=payment.stripe_payment_intent_id,
            desk_url=external_url("desk.index", q=order.code),
        )


def send_late_payment_refunded(order: Order) -> None:
    """The payment arrived after the order had expired: it is refunded, say so."""
    send_templated(
        order.customer,
        "late_payment_refunded",
        _l("Commande %(code)s : paiement remboursé", code=order.code),
        order=order,
        order_url=external_url("orders.detail", order_id=order.id),
    )


def send_refunded(order: Order, amount_cents: int) -> None:
    """Money went back through Stripe for work not done or an order cancelled: say how much."""
    send_templated(
        order.customer,
        "order_refunded",
        _l("Commande %(code)s : remboursement", code=order.code),
        order=order,
        amount_cents=amount_cents,
        order_url=external_url("orders.detail", order_id=order.id),
    )
