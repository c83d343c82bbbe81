"""Lines on quote (sur devis): the provider sees the item and names a price, the customer accepts
or declines it, and nothing is done before they accept.

The line costs nothing until then (`unit_price_cents` = 0). Accepted, the quoted price becomes
the line's and the order's totals follow; what is still owed is paid online or at the desk.
Declined, the item comes back as it went, free: the line takes the path of a line the provider
could not do (ready to go back with the next round, no sale), but no refund is proposed since
nothing was charged.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie.models import (
    ItemStage,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    QuoteState,
    User,
)
from conciergerie.orders import items, notes
from conciergerie.orders.progress import follow_lines
from conciergerie.orders.service import InvalidTransition, OrderError, OrderNotAllowed, lock

MAX_UNIT_PRICE_CENTS = 10_000_000  # 100 000 €, as in the catalogue
MAX_NOTE_LENGTH = 280


def declined_reason() -> str:
    return _("Devis refusé par le client")


def waits_for_answer(order: Order) -> bool:
    """Whether a price is proposed on one of the order's lines and the customer has not answered:
    for a badge on the desk screen."""
    return any(line.quote_state is QuoteState.PROPOSED for line in order.lines)


def blocks_work(line: OrderLine) -> bool:
    """A line on quote whose price the customer has not accepted: nothing may be done yet."""
    return line.on_quote and line.quote_state is not QuoteState.ACCEPTED


def _note(order: Order, note: notes.Note, *, actor: User, now: datetime) -> None:
    """A step of the order's history that does not change its status."""
    order.events.append(
        OrderEvent(
            from_status=order.status,
            to_status=order.status,
            actor=actor,
            at=now,
            **notes.columns(note),
        )
    )


def _at_provider(session: Session, line: OrderLine) -> None:
    """Lock the order, reload the line, and check the item is with the provider, not done."""
    lock(session, line.order)
    session.refresh(line)
    if line.at_provider_at is None:
        raise InvalidTransition(
            _("%(code)s n'est pas encore chez le prestataire.", code=line.order.code)
        )
    if line.ready_at is not None or line.order.status not in (
        OrderStatus.DROPPED_OFF,  # another line of the order may not be at its provider yet
        OrderStatus.AT_PROVIDER,
    ):
        raise InvalidTransition(
            _("%(code)s : cet article a déjà quitté l'atelier.", code=line.order.code)
        )


def propose(
    session: Session,
    line: OrderLine,
    *,
    unit_price_cents: int,
    note: str,
    actor: User,
    now: datetime,
) -> None:
    """The provider has seen the item and names a price per unit, with what the work is. One
    proposal per line: the customer's answer is on that price."""
    if actor.provider_id is None or actor.provider_id != line.provider_id:
        raise OrderNotAllowed(_("Cette ligne n'est pas la vôtre."))
    if not line.on_quote:
        raise OrderError(_("Cette prestation a un prix fixe : pas de devis."))
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE_LENGTH:
        raise OrderError(
            _("Décrivez le travail en %(n)d caractères au plus.", n=MAX_NOTE_LENGTH),
            field="note",
        )
    if not 0 <= unit_price_cents <= MAX_UNIT_PRICE_CENTS:
        raise OrderError(_("Entre 0 et 100 000 €."), field="price")
    _at_provider(session, line)
    if line.quote_state is not QuoteState.AWAITING_QUOTE:
        raise InvalidTransition(
            _("%(code)s : un prix a déjà été proposé pour cet article.", code=line.order.code)
        )
    line.quote_state = QuoteState.PROPOSED
    line.quoted_unit_price_cents = unit_price_cents
    line.quote_note = note
    line.quoted_at = now
    _note(
        line.order,
        notes.note(
            "quote_proposed",
            provider=line.provider.name,
            name=line.name,
            price=notes.amount(unit_price_cents, unit=line.unit),
            note=note,
        ),
        actor=actor,
        now=now,
    )
    session.flush()


def _answerable(session: Session, line: OrderLine, actor: User) -> None:
    if actor.id != line.order.customer_id:
        raise OrderNotAllowed(_("Cette commande n'est pas la vôtre."))
    _at_provider(session, line)
    if line.quote_state is not QuoteState.PROPOSED:
        raise InvalidTransition(
            _("Ce devis a déjà reçu votre réponse.")
            if line.quote_state in (QuoteState.ACCEPTED, QuoteState.DECLINED)
            else _("Aucun prix n'est encore proposé pour cet article.")
        )


def accept(session: Session, line: OrderLine, *, actor: User, now: datetime) -> None:
    """The customer accepts the price: it becomes the line's, the order's totals follow, and the
    provider may do the work."""
    _answerable(session, line, actor)
    order = line.order
    line.quote_state = QuoteState.ACCEPTED
    line.quote_answered_at = now
    line.unit_price_cents = line.quoted_unit_price_cents or 0  # the order's ledger follows
    _note(
        order,
        notes.note("quote_accepted", name=line.name, amount=notes.amount(line.total_cents)),
        actor=actor,
        now=now,
    )
    session.flush()


def decline(session: Session, line: OrderLine, *, actor: User, now: datetime) -> None:
    """The customer declines: nothing is done, the item goes back with the next round, free."""
    _answerable(session, line, actor)
    line.quote_state = QuoteState.DECLINED
    line.quote_answered_at = now
    line.cannot_do_reason = declined_reason()
    # Nothing done: its items are ready to come back, and that is not undone by a tap.
    items.move_line(line, ItemStage.READY, actor=actor, now=now, undoable=False)
    note = notes.note("quote_declined", name=line.name)
    _note(line.order, note, actor=actor, now=now)
    follow_lines(line.order, actor=actor, now=now, note=note)
    session.flush()
