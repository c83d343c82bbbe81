"""An order's states: moving it from one to the next (with its history), and their names.

Kept apart from the order rules (service.py) so that what only needs these (the item tracking in
progress.py, the templates' `status_label` filter in i18n.py) imports no rule."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from conciergerie.models import OfferKind, Order, OrderEvent, OrderStatus, User
from conciergerie.orders.notes import Note, columns


def record(
    order: Order,
    to_status: OrderStatus,
    *,
    actor: User | None,
    now: datetime,
    note: Note | str = "",
) -> None:
    """Move `order` to `to_status`, with a line in its history: `note` is words someone typed,
    or a Note the app writes (read in the reader's language, orders/notes.py)."""
    order.events.append(
        OrderEvent(
            from_status=order.status, to_status=to_status, actor=actor, at=now, **columns(note)
        )
    )
    order.status = to_status


def status_label(status: OrderStatus) -> str:
    labels = {
        OrderStatus.PLACED: _("Enregistrée"),
        OrderStatus.AWAITING_PAYMENT: _("En attente du paiement en ligne"),
        OrderStatus.CONFIRMED: _("Confirmée"),
        OrderStatus.DROPPED_OFF: _("Déposée au comptoir"),
        OrderStatus.AT_PROVIDER: _("Chez le prestataire"),
        OrderStatus.READY_AT_PROVIDER: _("Prête chez le prestataire"),
        OrderStatus.BACK_AT_DESK: _("Prête à retirer au comptoir"),
        OrderStatus.HANDED_OVER: _("Remise au client"),
        OrderStatus.CANCELLED: _("Annulée"),
        OrderStatus.NO_SHOW: _("Non déposée"),
        OrderStatus.UNCOLLECTED: _("Non retirée dans le délai"),
    }
    return labels[status]


def order_state_label(order: Order, status: OrderStatus | None = None) -> str:
    """The order's state (or `status`, a step of its history) as its customer and the desk read
    it: an order none of whose work could be done is never "ready" (each line says why)."""
    status = order.status if status is None else status
    services = [line for line in order.lines if line.kind is OfferKind.SERVICE]
    if services and all(line.cannot_do_reason is not None for line in services):
        labels = {
            OrderStatus.READY_AT_PROVIDER: _("Non réalisable : revient au comptoir"),
            OrderStatus.BACK_AT_DESK: _("Non réalisable : à reprendre au comptoir"),
            OrderStatus.HANDED_OVER: _("Rendue sans travail"),
        }
        if status in labels:
            return labels[status]
    return status_label(status)
