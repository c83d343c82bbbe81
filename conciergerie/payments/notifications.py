"""Mails about payments."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from conciergerie.mail import external_url, send_templated
from conciergerie.models import Order


def send_late_payment_refunded(order: Order) -> None:
    """The payment arrived after the order had expired: it is refunded, say so."""
    send_templated(
        order.customer,
        "late_payment_refunded",
        _l("Commande %(code)s : paiement remboursé", code=order.code),
        order=order,
        order_url=external_url("orders.detail", order_id=order.id),
        desk_name=current_app.config["DESK_NAME"],
        desk_address=current_app.config["DESK_ADDRESS"],
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
        desk_name=current_app.config["DESK_NAME"],
        desk_address=current_app.config["DESK_ADDRESS"],
    )
