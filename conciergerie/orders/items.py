"""Each physical item of an order, moved one by one through its handovers, and the undoing of a
wrong tap.

The items are the truth of where things are: a line's stamps (`at_provider_at`, `ready_at`,
`back_at_desk_at`) are when its last item got there, and the order follows its slowest line
(orders/progress.py). Moving a whole line (the "Déposé" of a round, the provider's "Prête")
moves each of its items; a scan moves one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie.errors import DomainError
from conciergerie.models import (
    Item,
    ItemEvent,
    ItemStage,
    OfferKind,
    Order,
    OrderLine,
    OrderStatus,
    Role,
    RoundItem,
    User,
)
from conciergerie.orders.notes import Note, columns
from conciergerie.orders.stages import stage_label  # noqa: F401 (items.stage_label)

# Whoever recorded a step may undo it for this long; the concierge at any time.
UNDO_WINDOW = timedelta(minutes=15)

# Where an order's items are when the whole order is moved to a state (at the desk, by hand).
STAGE_OF_STATUS = {
    OrderStatus.DROPPED_OFF: ItemStage.AT_DESK,
    OrderStatus.AT_PROVIDER: ItemStage.AT_PROVIDER,
    OrderStatus.READY_AT_PROVIDER: ItemStage.READY,
    OrderStatus.BACK_AT_DESK: ItemStage.BACK_AT_DESK,
    OrderStatus.UNCOLLECTED: ItemStage.BACK_AT_DESK,
    OrderStatus.HANDED_OVER: ItemStage.HANDED_OVER,
}

# The line's stamps, each with the stage its items must all have reached.
LINE_STAMPS = (
    ("at_provider_at", ItemStage.AT_PROVIDER),
    ("ready_at", ItemStage.READY),
    ("back_at_desk_at", ItemStage.BACK_AT_DESK),
)


class ItemError(DomainError):
    """A step on an item that cannot be taken or undone now (the message says why)."""

    code = "item_step_refused"
    status = 409


class UndoNotAllowed(ItemError):
    """Not this person's step to undo, or no longer."""

    code = "undo_not_allowed"
    status = 403


# Creating them -----------------------------------------------------------------------------------


def stage_of_line(line: OrderLine) -> ItemStage:
    """Where a line's things are by its stamps and its order's state: the stage new items take
    (an order recorded before items were, or built by hand in a test)."""
    status = line.order.status if line.order is not None else OrderStatus.PLACED
    if status is OrderStatus.HANDED_OVER:
        return ItemStage.HANDED_OVER
    if line.back_at_desk_at is not None:
        return ItemStage.BACK_AT_DESK
    if line.ready_at is not None:
        return ItemStage.READY
    if line.at_provider_at is not None:
        return ItemStage.AT_PROVIDER
    return STAGE_OF_STATUS.get(status, ItemStage.EXPECTED)


def give_items(order: Order) -> None:
    """Give every service line of `order` that has none its items, numbered 1…N in the line and
    coded with their rank in the order."""
    rank = 0
    for line in order.lines:
        if line.kind is not OfferKind.SERVICE:
            continue
        if line.items:
            rank += len(line.items)
            continue
        stage = stage_of_line(line)
        for number in range(1, line.quantity + 1):
            rank += 1
            line.items.append(Item(number=number, code=f"{order.code}-{rank}", stage=stage))


def keep_received(line: OrderLine, count: int) -> None:
    """Fewer items came than were ordered: the ones that did not come are no items."""
    line.items[:] = [item for item in line.items if item.number <= count]


def _give_new_lines_their_items(session: Session, flush_context, instances) -> None:
    orders = {
        obj.order
        for obj in session.new
        if isinstance(obj, OrderLine) and obj.kind is OfferKind.SERVICE and obj.order is not None
    }
    for order in orders:
        give_items(order)


def install() -> None:
    """Every new service line gets its items when it is first written, whoever writes it."""
    if not sa.event.contains(Session, "before_flush", _give_new_lines_their_items):
        sa.event.listen(Session, "before_flush", _give_new_lines_their_items)


# Moving them -------------------------------------------------------------------------------------


def move_item(
    item: Item,
    to: ItemStage,
    *,
    actor: User | None,
    now: datetime,
    note: Note | str = "",
    round_item: RoundItem | None = None,
    undoable: bool = True,
) -> bool:
    """Move an item on to `to` (never back: that is `undo`); False if it is already there."""
    if item.stage.rank >= to.rank:
        return False
    item.events.append(
        ItemEvent(
            from_stage=item.stage,
            to_stage=to,
            actor=actor,
            at=now,
            **columns(note),
            round_item_id=round_item.id if round_item is not None else None,
            undoable=undoable,
        )
    )
    item.stage = to
    return True


def move_line(
    line: OrderLine,
    to: ItemStage,
    *,
    actor: User | None,
    now: datetime,
    note: Note | str = "",
    round_item: RoundItem | None = None,
    undoable: bool = True,
) -> int:
    """Move every item of a line on to `to`; the line's stamps follow. How many moved."""
    moved = sum(
        move_item(
            item, to, actor=actor, now=now, note=note, round_item=round_item, undoable=undoable
        )
        for item in line.items
    )
    follow_items(line, now)
    return moved


def move_order(order: Order, status: OrderStatus, *, actor: User | None, now: datetime) -> None:
    """The whole order moved to `status` at the desk: each of its items is there too. A
    reception and a hand-over are not undone item by item (they go with the order's mails,
    money and invoice)."""
    to = STAGE_OF_STATUS.get(status)
    if to is None:
        return
    undoable = status not in (OrderStatus.DROPPED_OFF, OrderStatus.HANDED_OVER)
    for line in order.lines:
        if line.kind is OfferKind.SERVICE:
            move_line(line, to, actor=actor, now=now, undoable=undoable)


def lowest_stage(line: OrderLine) -> ItemStage | None:
    return min((item.stage for item in line.items), key=lambda s: s.rank, default=None)


def follow_items(line: OrderLine, now: datetime) -> None:
    """Set the line's stamps from its items: a stamp is when its last item got there, and goes
    away when an item is taken back (an undo)."""
    lowest = lowest_stage(line)
    if lowest is None:
        return
    for name, stage in LINE_STAMPS:
        if lowest.rank < stage.rank:
            setattr(line, name, None)
        elif getattr(line, name) is None:
            setattr(line, name, now)


# Finding them ------------------------------------------------------------------------------------


def by_code(session: Session, code: str) -> Item | None:
    return session.scalar(sa.select(Item).where(Item.code == code.strip().upper()))


def looks_like_item_code(text: str) -> bool:
    """A label's code (EVG-4K7QP-3): the order's code and a rank."""
    head, _sep, rank = text.strip().upper().rpartition("-")
    return head.startswith("EVG-") and rank.isdigit()


def next_step(item: Item) -> str:
    """What happens next to an item, in words, for whoever scanned it."""
    provider = item.line.provider.name
    return {
        ItemStage.EXPECTED: _("À recevoir au comptoir (réception de la commande)."),
        ItemStage.AT_DESK: _("Au comptoir : attend sa tournée vers %(p)s.", p=provider),
        ItemStage.AT_PROVIDER: _("Chez %(p)s : en cours.", p=provider),
        ItemStage.READY: _("Prêt chez %(p)s : attend sa tournée de retour.", p=provider),
        ItemStage.BACK_AT_DESK: _("Au comptoir : à remettre au client."),
        ItemStage.HANDED_OVER: _("Remis au client."),
    }[item.stage]


# Undoing a step ----------------------------------------------------------------------------------


def last_step(item: Item) -> ItemEvent | None:
    """The step that brought the item where it is, unless it was undone."""
    for event in reversed(item.events):
        if event.undoes_id is None and event.undone_at is None and event.to_stage is item.stage:
            return event
    return None


def may_undo(step: ItemEvent | None, actor: User, now: datetime) -> bool:
    if step is None or not step.undoable:
        return False
    if actor.role is Role.CONCIERGE:
        return True
    return step.actor_id == actor.id and now - step.at <= UNDO_WINDOW


def undo_deadline(step: ItemEvent) -> datetime:
    return step.at + UNDO_WINDOW


def undo_window(
    steps: list[ItemEvent | None], actor: User, now: datetime
) -> tuple[bool, datetime | None]:
    """Whether `actor` may undo any of `steps` now, and until when (None: at any time)."""
    allowed = [step for step in steps if step is not None and may_undo(step, actor, now)]
    if not allowed:
        return False, None
    if actor.role is Role.CONCIERGE:
        return True, None
    return True, min(undo_deadline(step) for step in allowed)


def line_undo(line: OrderLine, actor: User, now: datetime) -> tuple[bool, datetime | None]:
    """Whether `actor` may undo the last tap on a line now, and until when (None: any time)."""
    return undo_window([last_step(item) for item in line.items], actor, now)


# Showing them ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    """An item as the staff see it: where it is, its last step, whether they may undo it."""

    item: Item
    count: int  # N, for "n of N"
    stage: str
    last: ItemEvent | None
    undoable_until: datetime | None  # None: this person may not undo it (or at any time)
    may_undo: bool


def rows_of(order: Order, actor: User, now: datetime) -> list[ItemRow]:
    rows = []
    for line in order.lines:
        for item in line.items:
            step = last_step(item)
            allowed, until = undo_window([step], actor, now)
            rows.append(
                ItemRow(
                    item=item,
                    count=len(line.items),
                    stage=stage_label(item.stage),
                    last=step,
                    undoable_until=until,
                    may_undo=allowed,
                )
            )
    return rows


def history_of(order: Order) -> list[ItemEvent]:
    """Every step of the order's items, and every undoing, in the order they happened."""
    events = [event for line in order.lines for item in line.items for event in item.events]
    return sorted(events, key=lambda event: (event.at, event.id))
