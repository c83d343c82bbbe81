"""Mails about orders: confirmation, the day-before reminder, ready to collect (and not ready
after all); those three also as texts to those who get texts (conciergerie.texts)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conciergerie.mail import external_url, send_templated
from conciergerie.models import Order
from conciergerie.orders.progress import awaited_since
from conciergerie.texts import service as texts


def _context(order: Order) -> dict[str, object]:
    return {
        "order": order,
        "order_url": external_url("orders.detail", order_id=order.id),
    }


def send_confirmation(order: Order) -> None:
    send_templated(
        order.customer,
        "order_confirmed",
        _l("Commande %(code)s confirmée", code=order.code),
        **_context(order),
    )


def send_reminder(order: Order, *, which: str) -> None:
    """`which`: "dropoff" or "pickup" — the slot of tomorrow."""
    send_templated(
        order.customer,
        "slot_reminder",
        _l("Demain au comptoir : commande %(code)s", code=order.code),
        which=which,
        slot=order.dropoff_slot if which == "dropoff" else order.pickup_slot,
        **_context(order),
    )
    texts.text_reminder(order, which=which)


def send_ready(order: Order) -> None:
    send_templated(
        order.customer,
        "order_ready",
        _l("Commande %(code)s prête à retirer", code=order.code),
        **_context(order),
    )
    texts.text_ready(order)


def send_not_ready_after_all(order: Order) -> None:
    """The customer was told the order was ready, and a wrong tap was undone since."""
    send_templated(
        order.customer,
        "order_not_ready",
        _l("Commande %(code)s : pas encore prête, finalement", code=order.code),
        **_context(order),
    )
    texts.text_not_ready_after_all(order)


def send_uncollected(order: Order) -> None:
    send_templated(
        order.customer,
        "order_uncollected",
        _l("Commande %(code)s : elle vous attend au comptoir", code=order.code),
        since=awaited_since(order),
        **_context(order),
    )


def send_marked_uncollected(order: Order) -> None:
    send_templated(
        order.customer,
        "order_marked_uncollected",
        _l("Commande %(code)s non retirée", code=order.code),
        since=awaited_since(order),
        **_context(order),
    )


def send_slots_moved(order: Order, *, moved: list[str], by_desk: bool) -> None:
    """The new times of the slots that moved (`moved`: "dropoff", "pickup"), with the link to the
    updated calendar file: the desk's move tells the customer, the customer's own confirms it."""
    subject = (
        _l("Commande %(code)s : la conciergerie a changé vos créneaux", code=order.code)
        if by_desk
        else _l("Commande %(code)s : changement de créneau confirmé", code=order.code)
    )
    send_templated(
        order.customer,
        "slots_moved",
        subject,
        moved=moved,
        by_desk=by_desk,
        ics_url=external_url("orders.ics", order_id=order.id),
        **_context(order),
    )
