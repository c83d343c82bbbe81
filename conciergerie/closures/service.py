"""Provider closures: one-off days a provider is closed (holidays, a day off).

Recorded by the concierge or by the provider's own staff (`policy.can_manage_closures`), shown
to customers on the provider's page. While closed, a provider does no work (its lines'
turnaround counts no working day then: orders.service, rounds.service), no round visits it (its
opening that day is none: rounds.service.provider_opening) and it delivers no basket (its next
delivery is the first one after: orders.service.next_delivery_day). Plain functions over a
session: they flush, never commit, and raise a ClosureError with a message a person can read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie import policy
from conciergerie.closures import notifications
from conciergerie.errors import DomainError
from conciergerie.models import (
    AuditEntry,
    DeskClosure,
    OfferKind,
    Order,
    OrderLine,
    OrderStatus,
    Provider,
    ProviderClosure,
    User,
)

MAX_LENGTH_DAYS = 366
MAX_REASON = 200


class ClosureError(DomainError):
    """A closure cannot be recorded or removed as asked."""


class ClosureNotAllowed(ClosureError):
    code = "forbidden"
    status = 403


def is_closed(provider: Provider, day: date) -> bool:
    """Whether one of the provider's closures covers `day` (reads `provider.closures`)."""
    return any(closure.covers(day) for closure in provider.closures)


def closed_days(provider: Provider, start: date, end: date) -> set[date]:
    """The provider's closed days in [start, end]."""
    days = set()
    for closure in provider.closures:
        day = max(closure.first_day, start)
        while day <= min(closure.last_day, end):
            days.add(day)
            day += timedelta(days=1)
    return days


def coming(provider: Provider, today: date) -> list[ProviderClosure]:
    """The provider's closures not over yet (under way or to come), first first."""
    return [closure for closure in provider.closures if closure.last_day >= today]


def coming_desk_closures(session: Session, today: date, *, days: int = 90) -> list[DeskClosure]:
    """The desk's own closure days in the next `days` days (for the home page)."""
    return list(
        session.scalars(
            sa.select(DeskClosure)
            .where(DeskClosure.day.between(today, today + timedelta(days=days)))
            .order_by(DeskClosure.day)
        )
    )


def orders_caught(session: Session, closure: ProviderClosure) -> list[Order]:
    """The orders holding baskets of the provider for a delivery during `closure`: the desk
    settles them with their customers (the concierges are mailed when the closure is made)."""
    return list(
        session.scalars(
            sa.select(Order)
            .join(OrderLine, Order.id == OrderLine.order_id)
            .where(
                OrderLine.provider_id == closure.provider_id,
                OrderLine.kind == OfferKind.BASKET,
                OrderLine.delivery_day.between(closure.first_day, closure.last_day),
                Order.status.not_in((OrderStatus.CANCELLED, OrderStatus.NO_SHOW)),
            )
            .distinct()
            .order_by(Order.code)
        )
    )


def add_closure(
    session: Session,
    provider: Provider,
    *,
    first_day: date,
    last_day: date | None,
    reason: str,
    actor: User,
    today: date,
    now: datetime,
) -> ProviderClosure:
    """Close `provider` from `first_day` to `last_day` (the same day when None). Refused: to
    anyone but the concierge and the provider's staff (403), a day already past, a last day
    before the first, more than a year, no reason, days overlapping another closure of it."""
    if not policy.can_manage_closures(actor, provider):
        raise ClosureNotAllowed(_("Ce prestataire n'est pas le vôtre."))
    last_day = last_day or first_day
    reason = (reason or "").strip()
    if first_day < today:
        raise ClosureError(_("Ce jour est déjà passé."), field="first_day")
    if last_day < first_day:
        raise ClosureError(_("Le dernier jour suit le premier."), field="last_day")
    if (last_day - first_day).days >= MAX_LENGTH_DAYS:
        raise ClosureError(_("Une fermeture dure au plus un an."), field="last_day")
    if not reason or len(reason) > MAX_REASON:
        raise ClosureError(
            _(
                "Dites en %(max)d caractères au plus pourquoi (les clients le liront).",
                max=MAX_REASON,
            ),
            field="reason",
        )
    # The provider's row, locked: two closures recorded at once check overlaps one after the
    # other.
    session.execute(
        sa.select(Provider.id).where(Provider.id == provider.id).with_for_update()
    ).all()
    overlapping = session.scalar(
        sa.select(ProviderClosure).where(
            ProviderClosure.provider_id == provider.id,
            ProviderClosure.first_day <= last_day,
            ProviderClosure.last_day >= first_day,
        )
    )
    if overlapping is not None:
        raise ClosureError(_("Ces jours recoupent une fermeture déjà notée."), field="first_day")
    closure = ProviderClosure(
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        created_by_id=actor.id,
        created_at=now,
    )
    provider.closures.append(closure)
    session.flush()
    _log(session, closure, "create", actor=actor, now=now)
    caught = orders_caught(session, closure)
    if caught:
        notifications.orders_caught(session, closure, caught)
    return closure


def remove_closure(
    session: Session, closure: ProviderClosure, *, actor: User, today: date, now: datetime
) -> None:
    """Remove a closure not over yet (one that is over stays, for the record)."""
    if not policy.can_manage_closures(actor, closure.provider):
        raise ClosureNotAllowed(_("Ce prestataire n'est pas le vôtre."))
    if closure.last_day < today:
        raise ClosureError(_("Cette fermeture est passée : elle reste notée."))
    _log(session, closure, "delete", actor=actor, now=now)
    closure.provider.closures.remove(closure)
    session.flush()


def _log(
    session: Session, closure: ProviderClosure, action: str, *, actor: User, now: datetime
) -> None:
    """The closure in the change log (/gestion/journal), under its provider's name, whoever
    recorded or removed it (the concierge or the provider's staff)."""
    values = {
        "first_day": closure.first_day.isoformat(),
        "last_day": closure.last_day.isoformat(),
        "reason": closure.reason,
    }
    session.add(
        AuditEntry(
            at=now,
            actor_id=actor.id,
            entity="provider_closure",
            entity_id=closure.id,
            label=closure.provider.name[:200],
            action=action,
            changes={
                name: [None, value] if action == "create" else [value, None]
                for name, value in values.items()
            },
        )
    )
