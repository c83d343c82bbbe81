"""Mails about subscriptions: each week's basket, ordered or not placed."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from conciergerie.mail import external_url, send_templated
from conciergerie.models import BasketDelivery, DeliveryOutcome, PaymentMethod
from conciergerie.timeutils import start_of_local_day


def send_delivery(record: BasketDelivery) -> None:
    """The basket of `record.day` is ordered (skip until the cut-off), or could not be."""
    from conciergerie.subscriptions.service import cutoff

    subscription = record.subscription
    order = record.order
    ordered = record.outcome is DeliveryOutcome.ORDERED
    online = ordered and order.payment_method is PaymentMethod.ONLINE
    send_templated(
        subscription.customer,
        "subscription_ordered" if ordered else "subscription_not_placed",
        _l("Votre panier « %(name)s » est commandé", name=subscription.offer.name)
        if ordered
        else _l("Votre panier « %(name)s » n'a pas pu être commandé", name=subscription.offer.name),
        subscription=subscription,
        order=order,
        day=start_of_local_day(record.day),
        cutoff=cutoff(subscription, record.day),
        online=online,
        order_url=external_url("orders.detail", order_id=order.id) if ordered else None,
        subscriptions_url=external_url("subscriptions.mine"),
        desk_name=current_app.config["DESK_NAME"],
        desk_address=current_app.config["DESK_ADDRESS"],
    )
