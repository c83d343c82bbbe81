"""Opening Stripe Checkout for a just-placed order: shared by the HTML checkout and the API."""

from __future__ import annotations

from conciergerie.extensions import db
from conciergerie.mail import external_url
from conciergerie.models import Order, utcnow
from conciergerie.orders import notes
from conciergerie.payments import service
from conciergerie.payments.gateway import GatewayError, get_gateway


def open_checkout(order: Order) -> str | None:
    """The Checkout URL of `order`, or None when Stripe cannot be reached (the order is then
    cancelled and its places freed).

    The order is committed first, so that no slot row stays locked during the call to Stripe.
    The return links are built on PUBLIC_URL, never on the request's Host header.
    """
    db.session.commit()
    try:
        url = service.start_checkout(
            db.session,
            order,
            gateway=get_gateway(),
            success_url=external_url("payments.payment_return", order_id=order.id),
            cancel_url=external_url("orders.detail", order_id=order.id),
            now=utcnow(),
        )
    except (GatewayError, service.PaymentError):
        db.session.rollback()
        service.fail_payment(
            db.session, order, now=utcnow(), reason=notes.note("stripe_unreachable")
        )
        db.session.commit()
        return None
    db.session.commit()
    return url
