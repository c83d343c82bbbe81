"""Moving an order's drop-off or pickup to another desk slot.

The customer moves them until the order's `cancellable_until` (the drop-off slot's start, or the
basket cut-off); the concierge any time before the slot concerned starts. The new slot must be
to come and have a place left (taken as a booking takes it: `slots.reserve_place`, the same
guarantee under concurrency), and the pickup must still leave time for the work
(`service.ready_from`, the rule of the booking). The history records the move and the customer
is mailed the new times with a link to the updated calendar file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie import policy
from conciergerie.i18n import long_day
from conciergerie.models import DeskSlot, OfferKind, Order, OrderEvent, OrderStatus, Role, User
from conciergerie.orders import notes, notifications
from conciergerie.orders.service import (
    OrderError,
    OrderNotAllowed,
    OrderSettings,
    SlotUnavailable,
    TooLate,
    basket_cutoff,
    lock,
    next_delivery_day,
    ready_from,
)
from conciergerie.rounds import stale
from conciergerie.slots import service as slots

# An order in these states has its items handed over or its places given back: nothing to move.
FINISHED = frozenset(status for status in OrderStatus if status.is_final)
# Not yet dropped off: the drop-off may still move (a payment awaited holds its places too).
DROPOFF_MOVABLE = policy.NOT_DROPPED_OFF


def slots_to_offer(
    session: Session,
    order: Order,
    *,
    now: datetime,
    settings: OrderSettings,
    horizon: timedelta,
) -> tuple[list[DeskSlot], list[DeskSlot]]:
    """The slots with a place left that the order could move to, for `horizon`: drop-offs (none
    once the items are in or the slot has begun) and pickups from when the work allows, its
    own slots left out."""
    dropoffs: list[DeskSlot] = []
    current = order.dropoff_slot
    if current is not None and order.status in DROPOFF_MOVABLE and now < current.starts_at:
        dropoffs = [
            slot
            for slot in slots.open_slots(session, after=now, until=now + horizon)
            if slot.id != current.id
        ]
    pickups: list[DeskSlot] = []
    if now < order.pickup_slot.starts_at:
        earliest = order_ready_from(
            session, order, dropoff_slot=current, now=now, settings=settings
        )
        pickups = [
            slot
            for slot in slots.open_slots(
                session, after=earliest - timedelta(seconds=1), until=earliest + horizon
            )
            if slot.id != order.pickup_slot_id
        ]
    return dropoffs, pickups


def order_ready_from(
    session: Session,
    order: Order,
    *,
    dropoff_slot: DeskSlot | None,
    now: datetime,
    settings: OrderSettings,
) -> datetime:
    """The earliest pickup start the order's work allows with `dropoff_slot` as its drop-off:
    the booking's rule (`ready_from`) over the turnarounds the lines were sold with and the
    basket delivery the order was placed for. Items handed in at the counter count from then."""
    return ready_from(
        session,
        services=[
            (line.turnaround_days, line.provider)
            for line in order.lines
            if line.kind is OfferKind.SERVICE and not line.undone
        ],
        handed_in=dropoff_slot.starts_at if dropoff_slot is not None else order.placed_at,
        dropoff_ends=dropoff_slot.ends_at if dropoff_slot is not None else None,
        delivery_days=[
            line.delivery_day or next_delivery_day(line.offer, order.placed_at)
            for line in order.lines
            if line.kind is OfferKind.BASKET
        ],
        now=now,
        settings=settings,
    )


def _check_actor(order: Order, actor: User, *, now: datetime) -> bool:
    """Whose move it is; True for the desk. Raises OrderNotAllowed (not theirs), TooLate."""
    by_desk = actor.role is Role.CONCIERGE
    if not (by_desk or actor.id == order.customer_id):
        raise OrderNotAllowed(_("Cette commande n'est pas la vôtre."))
    if order.status in FINISHED:
        raise TooLate(_("Cette commande est terminée ou annulée : ses créneaux ne bougent plus."))
    if not by_desk and now >= order.cancellable_until:
        raise TooLate(
            _(
                "Trop tard pour changer de créneau en ligne (possible jusqu'au %(when)s) : "
                "appelez le comptoir.",
                when=long_day(order.cancellable_until),
            )
        )
    return by_desk


def _check_new_dropoff(order: Order, slot: DeskSlot, *, now: datetime) -> None:
    field = "dropoff_slot_id"
    if order.dropoff_slot is None:
        raise OrderError(_("Cette commande n'a pas de créneau de dépôt."), field=field)
    if order.status not in DROPOFF_MOVABLE:
        raise TooLate(_("Les articles sont déjà déposés : le dépôt ne bouge plus."), field=field)
    if now >= order.dropoff_slot.starts_at:
        raise TooLate(_("Le créneau de dépôt a déjà commencé."), field=field)
    if slot.starts_at <= now:
        raise OrderError(_("Ce créneau de dépôt est déjà passé."), field=field)


def _check_pickup(
    session: Session,
    order: Order,
    slot: DeskSlot,
    *,
    dropoff_slot: DeskSlot | None,
    moved: bool,
    now: datetime,
    settings: OrderSettings,
) -> None:
    """The pickup the order would have (`moved`: a new one) is to come and fits the work."""
    field = "pickup_slot_id"
    if moved and now >= order.pickup_slot.starts_at:
        raise TooLate(_("Le créneau de retrait a déjà commencé."), field=field)
    if moved and slot.starts_at <= now:
        raise OrderError(_("Ce créneau de retrait est déjà passé."), field=field)
    earliest = order_ready_from(
        session, order, dropoff_slot=dropoff_slot, now=now, settings=settings
    )
    if slot.starts_at < earliest:
        message = _(
            "Trop tôt pour le retrait : le travail sera prêt à partir du %(when)s.",
            when=long_day(earliest),
        )
        if not moved:
            message += " " + _("Choisissez aussi un autre créneau de retrait.")
        raise OrderError(message, field=field)


def _swap_places(session: Session, changes: Sequence[tuple[str, DeskSlot, DeskSlot]]) -> None:
    """Take a place in each new slot and give back the old one, every row in id order (as
    booking does: two moves in opposite directions never wait on each other). Raises
    SlotUnavailable when a new slot is full (the caller rolls back what was done)."""
    steps = [(new.id, 0, field, new) for field, _old, new in changes]
    steps += [(old.id, 1, field, old) for field, old, _new in changes]
    for _id, release, field, slot in sorted(steps, key=lambda step: step[:2]):
        if release:
            slots.release_place(session, slot)
            continue
        try:
            slots.reserve_place(session, slot)
        except slots.SlotFull as error:
            raise SlotUnavailable(str(error), field=field) from error


def _new_deadline(order: Order, dropoff_slot: DeskSlot) -> datetime:
    """Until when the customer may cancel, with the new drop-off: its start, or a basket's
    cut-off if sooner (the delivery the order was placed for)."""
    deadlines = [dropoff_slot.starts_at]
    for line in order.lines:
        if line.kind is OfferKind.BASKET:
            delivery = line.delivery_day or next_delivery_day(line.offer, order.placed_at)
            deadlines.append(basket_cutoff(line.offer, delivery))
    return min(deadlines)


def _record(order: Order, key: str, old: DeskSlot, new: DeskSlot, *, actor: User, now: datetime):
    """A line in the order's history, its state unchanged."""
    note = notes.note(key, before=notes.slot(old), after=notes.slot(new))
    order.events.append(
        OrderEvent(
            from_status=order.status,
            to_status=order.status,
            actor=actor,
            at=now,
            **notes.columns(note),
        )
    )


def _apply(
    order: Order,
    dropoff_slot: DeskSlot | None,
    pickup_slot: DeskSlot | None,
    *,
    actor: User,
    now: datetime,
) -> list[str]:
    """Point the order at its new slots, with its history; the reminder of a moved slot is
    due again, and a new drop-off moves the customer's deadline with it."""
    moved = []
    if dropoff_slot is not None:
        _record(order, "dropoff_moved", order.dropoff_slot, dropoff_slot, actor=actor, now=now)
        order.dropoff_slot = dropoff_slot
        order.dropoff_reminder_sent_at = None
        order.cancellable_until = _new_deadline(order, dropoff_slot)
        moved.append("dropoff")
    if pickup_slot is not None:
        _record(order, "pickup_moved", order.pickup_slot, pickup_slot, actor=actor, now=now)
        order.pickup_slot = pickup_slot
        order.pickup_reminder_sent_at = None
        moved.append("pickup")
    return moved


def move_slots(
    session: Session,
    order: Order,
    actor: User,
    *,
    dropoff_slot: DeskSlot | None = None,
    pickup_slot: DeskSlot | None = None,
    now: datetime,
    settings: OrderSettings,
) -> list[str]:
    """Move the order's drop-off and/or pickup to the slots given (None, or the slot it has:
    unchanged). Returns what moved ("dropoff", "pickup").

    Raises OrderNotAllowed (not the actor's order), TooLate (409: past the customer's deadline
    or the slot's start, the items dropped off already), OrderError (422: a slot past, a pickup
    too early for the work, nothing to move) and SlotUnavailable (409: a slot full). Nothing of
    it may be kept then: a place may already have been taken."""
    _check_actor(order, actor, now=now)
    lock(session, order)  # two moves of one order: one after the other, on its state then
    by_desk = _check_actor(order, actor, now=now)
    if dropoff_slot is not None and dropoff_slot.id == order.dropoff_slot_id:
        dropoff_slot = None
    if pickup_slot is not None and pickup_slot.id == order.pickup_slot_id:
        pickup_slot = None
    if dropoff_slot is None and pickup_slot is None:
        raise OrderError(_("Choisissez un autre créneau que ceux de la commande."))
    if dropoff_slot is not None:
        _check_new_dropoff(order, dropoff_slot, now=now)
    _check_pickup(
        session,
        order,
        pickup_slot or order.pickup_slot,
        dropoff_slot=dropoff_slot or order.dropoff_slot,
        moved=pickup_slot is not None,
        now=now,
        settings=settings,
    )
    changes = [
        (field, old, new)
        for field, old, new in (
            ("dropoff_slot_id", order.dropoff_slot, dropoff_slot),
            ("pickup_slot_id", order.pickup_slot, pickup_slot),
        )
        if new is not None
    ]
    _swap_places(session, changes)
    moved = _apply(order, dropoff_slot, pickup_slot, actor=actor, now=now)
    session.flush()
    # The rounds planned for its old and new days may carry it, or now must.
    stale.order_changed(
        session, order, now=now, slots=[slot for _, old, new in changes for slot in (old, new)]
    )
    notifications.send_slots_moved(order, moved=moved, by_desk=by_desk)
    return moved
