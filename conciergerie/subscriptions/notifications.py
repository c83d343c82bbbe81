"""Mails about subscriptions: each week's basket ordered or not placed, a basket withdrawn
(once, when it stops being offered), and a basket's new price."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conciergerie.mail import external_url, send_templated
from conciergerie.models import BasketDelivery, BasketSubscription, DeliveryOutcome, PaymentMethod
from conciergerie.orders.service import basket_cutoff
from conciergerie.timeutils import start_of_local_day


def _subject(record: BasketDelivery):
    name = record.subscription.offer.name
    if record.outcome is DeliveryOutcome.ORDERED:
        return _l("Votre panier « %(name)s » est commandé", name=name)
    if record.outcome is DeliveryOutcome.WITHDRAWN:
        return _l("Le panier « %(name)s » n'est pas proposé en ce moment", name=name)
    if record.outcome is DeliveryOutcome.SHORT:
        return _l("Pas de panier « %(name)s » cette semaine", name=name)
    return _l("Votre panier « %(name)s » n'a pas pu être commandé", name=name)


def send_delivery(record: BasketDelivery) -> None:
    """The basket of `record.day` is ordered (skip until the cut-off), could not be (no place
    left), is short (the producer brings fewer baskets than subscribers that day, or is closed),
    or is withdrawn (the subscription is kept; sent for the first withdrawn week only,
    see `service.announce`)."""
    subscription = record.subscription
    order = record.order
    ordered = record.outcome is DeliveryOutcome.ORDERED
    online = ordered and order.payment_method is PaymentMethod.ONLINE
    template = {
        DeliveryOutcome.ORDERED: "subscription_ordered",
        DeliveryOutcome.WITHDRAWN: "subscription_withdrawn",
        DeliveryOutcome.SHORT: "subscription_short",
    }.get(record.outcome, "subscription_not_placed")
    send_templated(
        subscription.customer,
        template,
        _subject(record),
        subscription=subscription,
        order=order,
        day=start_of_local_day(record.day),
        cutoff=basket_cutoff(subscription.offer, record.day),
        online=online,
        order_url=external_url("orders.detail", order_id=order.id) if ordered else None,
        subscriptions_url=external_url("subscriptions.mine"),
        subscription_url=external_url(
            "subscriptions.mine", _anchor=f"abonnement-{subscription.id}"
        ),
    )


def send_new_price(subscription: BasketSubscription, old_cents: int) -> None:
    """The basket's price changed: the next baskets are ordered at the new one."""
    offer = subscription.offer
    send_templated(
        subscription.customer,
        "subscription_price",
        _l("Le prix du panier « %(name)s » change", name=offer.name),
        subscription=subscription,
        old_cents=old_cents,
        new_cents=offer.price_cents,
        subscription_url=external_url(
            "subscriptions.mine", _anchor=f"abonnement-{subscription.id}"
        ),
    )
