"""Taking back a wrong tap: the last step of an item, within 15 minutes by whoever recorded it
(the concierge at any time). The history keeps both the step and its undoing; the order follows
back; a mail already sent is not recalled, but a customer told their order was ready gets a
correction. Steps that moved money (a reception, a hand-over, work that cannot be done) are not
undone this way (orders.items marks them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie.models import Item, ItemEvent, OrderLine, OrderStatus, RoundItem, User
from conciergerie.orders import items, notes, notifications, progress
from conciergerie.orders import service as orders


def undo_item(session: Session, item: Item, *, actor: User, now: datetime) -> ItemEvent:
    """Take back the last step of an item: the item is where it was, the undoing is in its
    history next to the step, a round's tap is open again, the line's stamps and the order's
    state follow back; a customer already told their order was ready gets a correction.
    Raises ItemError when there is no step this person may undo."""
    order = item.line.order
    orders.lock(session, order)
    session.refresh(item)
    step = items.last_step(item)
    if step is None or not step.undoable:
        raise items.ItemError(_("%(code)s : rien à annuler.", code=item.code))
    if not items.may_undo(step, actor, now):
        if step.actor_id != actor.id:
            raise items.UndoNotAllowed(
                _("Seule la personne qui a enregistré cette étape peut l'annuler.")
            )
        raise items.UndoNotAllowed(
            _(
                "Trop tard pour annuler : c'était il y a plus de %(n)d minutes.",
                n=items.UNDO_WINDOW // timedelta(minutes=1),
            )
        )
    step.undone_at = now
    item.events.append(
        ItemEvent(
            from_stage=step.to_stage,
            to_stage=step.from_stage,
            actor=actor,
            at=now,
            **notes.columns(notes.note("undo_step", stage=notes.stage(step.to_stage))),
            undoes_id=step.id,
            undoable=False,
        )
    )
    item.stage = step.from_stage
    if step.round_item_id is not None:
        tap = session.get(RoundItem, step.round_item_id)
        if tap is not None:
            tap.done_at, tap.done_by_id = None, None
    items.follow_items(item.line, now)
    went_back = progress.follow_back(
        order, actor=actor, now=now, note=notes.note("undo_item", code=item.code)
    )
    session.flush()
    if OrderStatus.BACK_AT_DESK in went_back:
        notifications.send_not_ready_after_all(order)
    return step


def undo_line(session: Session, line: OrderLine, *, actor: User, now: datetime) -> int:
    """Undo the last tap on a line (every item it moved, that this person may undo)."""
    steps = [(item, items.last_step(item)) for item in line.items]
    steps = [(item, step) for item, step in steps if items.may_undo(step, actor, now)]
    if not steps:
        raise items.ItemError(_("Rien à annuler sur cette ligne."))
    latest = max(step.at for _item, step in steps)
    undone = 0
    for item, step in steps:
        if step.at == latest:
            undo_item(session, item, actor=actor, now=now)
            undone += 1
    return undone
