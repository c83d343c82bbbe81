"""What a provider sees of the orders, the "ready" and "cannot do" marks, and the price of a line
on quote.

A provider's staff see only their own lines, and never a customer's e-mail or phone: the order
code and the customer's initials are enough to match a label. Plain functions over a session:
they flush, never commit, raise an OrderError to refuse, and write the mails they cause to the
outbox in the same transaction (sent only if it is saved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, selectinload

from conciergerie.models import ItemStage, OfferKind, Order, OrderLine, OrderStatus, User
from conciergerie.orders import items, notes, quotes
from conciergerie.orders import service as orders
from conciergerie.orders.progress import follow_lines
from conciergerie.portal.notifications import notify_cannot_do, notify_quote

OPEN = (
    OrderStatus.CONFIRMED,
    OrderStatus.DROPPED_OFF,
    OrderStatus.AT_PROVIDER,
    OrderStatus.READY_AT_PROVIDER,
)


def initials(name: str) -> str:
    return "".join(part[0].upper() for part in name.split() if part[:1].isalpha())[:3]


@dataclass
class Workload:
    coming: list[OrderLine] = field(default_factory=list)  # at the desk or expected there
    with_us: list[OrderLine] = field(default_factory=list)  # to do
    ready: list[OrderLine] = field(default_factory=list)  # waiting for a round


def workload(session: Session, provider_id: int) -> Workload:
    lines = session.scalars(
        sa.select(OrderLine)
        .join(Order)
        .where(
            OrderLine.provider_id == provider_id,
            OrderLine.kind == OfferKind.SERVICE,
            OrderLine.back_at_desk_at.is_(None),
            Order.status.in_(OPEN),
        )
        .options(
            selectinload(OrderLine.order).selectinload(Order.customer),
            selectinload(OrderLine.order).selectinload(Order.pickup_slot),
        )
        .order_by(OrderLine.id)
    ).all()
    found = Workload()
    for line in lines:
        if line.at_provider_at is None:
            found.coming.append(line)
        elif line.ready_at is None:
            found.with_us.append(line)
        else:
            found.ready.append(line)
    return found


def _take(session: Session, line: OrderLine, actor: User) -> bool:
    """Lock the order and check the line is with this provider; False if already finished."""
    if actor.provider_id != line.provider_id:
        raise orders.OrderNotAllowed(_("Cette ligne n'est pas la vôtre."))
    orders.lock(session, line.order)
    session.refresh(line)
    if line.ready_at is not None:
        return False
    if line.at_provider_at is None:
        raise orders.InvalidTransition(
            _("%(code)s n'est pas encore chez vous.", code=line.order.code)
        )
    return True


def mark_ready(session: Session, line: OrderLine, *, actor: User, now: datetime) -> bool:
    """The provider has finished a line. Repeating it changes nothing (returns False). No mail:
    the customer is told when the work is back at the desk."""
    if not _take(session, line, actor):
        return False
    if quotes.blocks_work(line):
        raise orders.OrderNotAllowed(
            _(
                "%(code)s : le client n'a pas encore accepté votre devis ; rien n'est fait avant.",
                code=line.order.code,
            )
        )
    note = notes.note("ready_at", name=line.provider.name)
    items.move_line(line, ItemStage.READY, actor=actor, now=now, note=note)
    follow_lines(line.order, actor=actor, now=now, note=note)
    session.flush()
    return True


def mark_cannot_do(
    session: Session, line: OrderLine, *, reason: str, actor: User, now: datetime
) -> None:
    """The provider cannot do the work: the item goes back with the next round as it came, the
    concierge is told (in the transaction) and refunds the line. A line already marked ready (or
    impossible: a repeat) is refused with InvalidTransition, nothing changed and nobody mailed:
    the provider calls the desk."""
    if not _take(session, line, actor):
        raise orders.InvalidTransition(
            _("%(code)s est déjà marquée prête : appelez la conciergerie.", code=line.order.code)
        )
    line.cannot_do_reason = reason
    # The line's charge follows it (not done, not charged): no undo by a tap.
    items.move_line(line, ItemStage.READY, actor=actor, now=now, note=reason, undoable=False)
    follow_lines(
        line.order,
        actor=actor,
        now=now,
        note=notes.note("cannot_do_at", name=line.provider.name, reason=reason),
    )
    session.flush()
    notify_cannot_do(session, line)


def propose_quote(
    session: Session,
    line: OrderLine,
    *,
    unit_price_cents: int,
    note: str,
    actor: User,
    now: datetime,
) -> None:
    """The provider names the price of a line on quote (`quotes.propose`, which says what it
    refuses); the customer is mailed, once this is committed, to accept or decline it."""
    quotes.propose(
        session, line, unit_price_cents=unit_price_cents, note=note, actor=actor, now=now
    )
    notify_quote(session, line)
