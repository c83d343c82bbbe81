"""Where each service line of an order is, and the order's state that follows from it.

An order can send a pair of shoes to the cobbler and two shirts to the ironing service: each line
travels on its own rounds. The order moves on when its slowest line does, through every state
in turn, so that its history reads the same as for a single-line order.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from conciergerie.models import OfferKind, Order, OrderLine, OrderStatus, User
from conciergerie.orders import items
from conciergerie.orders.notes import Note
from conciergerie.orders.states import record, status_label
from conciergerie.timeutils import local_date

# The states a travelling order goes through, in order.
TRAVEL = (
    OrderStatus.DROPPED_OFF,
    OrderStatus.AT_PROVIDER,
    OrderStatus.READY_AT_PROVIDER,
    OrderStatus.BACK_AT_DESK,
)


def travelling_lines(order: Order) -> list[OrderLine]:
    """The lines whose things go to a provider and back (not the baskets)."""
    return [line for line in order.lines if line.kind is OfferKind.SERVICE]


def line_stage(line: OrderLine) -> OrderStatus:
    if line.back_at_desk_at is not None:
        return OrderStatus.BACK_AT_DESK
    if line.ready_at is not None:
        return OrderStatus.READY_AT_PROVIDER
    if line.at_provider_at is not None:
        return OrderStatus.AT_PROVIDER
    return OrderStatus.DROPPED_OFF


def line_state_label(line: OrderLine) -> str:
    """Where a service line is, in words; a line whose work is not done says so instead of
    "ready" (and, once back, that it waits at the desk)."""
    stage = line_stage(line)
    if line.cannot_do_reason is None:
        return status_label(stage)
    if line.quote_state is not None and line.quote_state.value == "declined":
        what = _("Devis refusé : revient sans frais")
    else:
        what = _("Non réalisable : %(reason)s", reason=line.cannot_do_reason)
    if stage is OrderStatus.BACK_AT_DESK:
        return _("%(what)s — de retour au comptoir", what=what)
    return what


def stamp_lines(
    order: Order, to_status: OrderStatus, now: datetime, *, actor: User | None = None
) -> None:
    """The whole order moved by hand (at the desk): every item, and so every line, is at least
    there too."""
    if not order.has_dropoff:
        return
    items.move_order(order, to_status, actor=actor, now=now)


def follow_lines(order: Order, *, actor: User | None, now: datetime, note: Note | str = "") -> list:
    """Move the order as far as its slowest line has gone; return the states it went through."""
    lines = travelling_lines(order)
    if order.status not in TRAVEL or not lines:
        return []
    target = min((line_stage(line) for line in lines), key=TRAVEL.index)
    passed = []
    while TRAVEL.index(order.status) < TRAVEL.index(target):
        step = TRAVEL[TRAVEL.index(order.status) + 1]
        record(order, step, actor=actor, now=now, note=note)
        passed.append(step)
    return passed


def follow_back(order: Order, *, actor: User | None, now: datetime, note: Note | str = "") -> list:
    """After an undo: move the order back to where its slowest line now is, through each state
    in turn (its history keeps both ways); return the states it left."""
    lines = travelling_lines(order)
    if order.status not in TRAVEL or not lines:
        return []
    target = min((line_stage(line) for line in lines), key=TRAVEL.index)
    left = []
    while TRAVEL.index(order.status) > TRAVEL.index(target):
        left.append(order.status)
        record(order, TRAVEL[TRAVEL.index(order.status) - 1], actor=actor, now=now, note=note)
    return left


def line_journey(order: Order, line: OrderLine) -> list[tuple[OrderStatus, datetime]]:
    """Where a service line has been so far, with when: "where is my shoe?" (for the customer
    and the desk). The steps of the whole order (dropped off, handed over) frame the line's own
    (at the provider, ready, back at the desk)."""

    def first(status: OrderStatus) -> datetime | None:
        return min((e.at for e in order.events if e.to_status is status), default=None)

    steps = [
        (OrderStatus.DROPPED_OFF, first(OrderStatus.DROPPED_OFF)),
        (OrderStatus.AT_PROVIDER, line.at_provider_at),
        (OrderStatus.READY_AT_PROVIDER, line.ready_at),
        (OrderStatus.BACK_AT_DESK, line.back_at_desk_at),
        (OrderStatus.HANDED_OVER, first(OrderStatus.HANDED_OVER)),
    ]
    return [(status, at) for status, at in steps if at is not None]


def awaited_since(order: Order) -> date:
    """The day an order waiting at the desk could first be collected: its pickup day, or the
    day its work came back if that was later."""
    back = [line.back_at_desk_at for line in order.lines if line.back_at_desk_at is not None]
    day = local_date(order.pickup_slot.ends_at)
    return max(day, local_date(max(back))) if back else day
