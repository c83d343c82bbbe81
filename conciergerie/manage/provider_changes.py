"""What the providers changed themselves (portal/offers.py), for the concierge: the list, and
reverting a change.

No history of its own: a provider's change is an entry of the change log (action
PROVIDER_CHANGE) with each field before and after; reverting it puts the "before" values back
through the same saving functions, which log that too (action REVERT, naming the entry
reverted under `reverts`). A change is reverted only while the values are still those the
provider left: after a later change, the concierge edits the offer by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie.manage import log as change_log
from conciergerie.manage import service as manage
from conciergerie.models import AuditEntry, Offer, Provider, Role, User
from conciergerie.portal.offers import OFFER_FIELDS, PROVIDER_CHANGE, notify_reverted

REVERT = "revert"


@dataclass(frozen=True)
class ProviderChange:
    line: change_log.Line
    reverted: AuditEntry | None  # the entry that reverted it
    revertible: bool  # not reverted, and the values are still the provider's


def _target(session: Session, entry: AuditEntry) -> Offer | Provider | None:
    model = {"offer": Offer, "provider": Provider}.get(entry.entity)
    return session.get(model, entry.entity_id) if model is not None else None


def _current(target: Offer | Provider, names) -> dict[str, str | None]:
    """The target's values now, as the log writes them, for the fields `names`."""
    if isinstance(target, Provider):
        return {"opening_hours": manage.week_summary(target)} if "opening_hours" in names else {}
    return {name: manage.as_logged(getattr(target, name)) for name in names}


def _still_as_left(session: Session, entry: AuditEntry) -> bool:
    target = _target(session, entry)
    if target is None:
        return False
    wanted = {name: after or None for name, (_before, after) in entry.changes.items()}
    now = {name: value or None for name, value in _current(target, wanted).items()}
    return now == wanted


def _reverts(session: Session) -> dict[int, AuditEntry]:
    """The reverting entries, by the id of the entry each reverted."""
    found = {}
    for entry in session.scalars(sa.select(AuditEntry).where(AuditEntry.action == REVERT)):
        reverted = (entry.changes.get("reverts") or [None, None])[1]
        if reverted and str(reverted).isdigit():
            found[int(reverted)] = entry
    return found


def provider_changes(session: Session, *, limit: int = 100) -> list[ProviderChange]:
    """The providers' own changes, latest first, each with whether it was or can be reverted."""
    entries = list(
        session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == PROVIDER_CHANGE)
            .options(sa.orm.selectinload(AuditEntry.actor))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
    reverts = _reverts(session)
    return [
        ProviderChange(
            line=line,
            reverted=reverts.get(line.entry.id),
            revertible=line.entry.id not in reverts and _still_as_left(session, line.entry),
        )
        for line in change_log.lines(session, entries)
    ]


def recent_count(session: Session, *, now: datetime, days: int = 7) -> int:
    """How many changes the providers made themselves in the last `days` days."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == PROVIDER_CHANGE, AuditEntry.at >= now - timedelta(days=days))
    )


def revert(session: Session, entry: AuditEntry, *, actor: User, now: datetime) -> AuditEntry:
    """Put back the values a provider's change replaced, logged as a revert of `entry`; the
    provider's staff are mailed.

    Raises ManageError (not a provider's change, not the concierge) and ManageConflict (409:
    reverted already, or changed again since)."""
    if actor.role is not Role.CONCIERGE:
        raise manage.ManageError(_("Seule la conciergerie annule une modification."))
    if entry.action != PROVIDER_CHANGE:
        raise manage.ManageError(_("Seules les modifications des prestataires s'annulent ici."))
    target = _target(session, entry)
    if target is None:
        raise manage.ManageConflict(_("Ce qui a été modifié n'existe plus."))
    session.refresh(target, with_for_update=True)  # two concierges at once: one after the other
    if entry.id in _reverts(session):
        raise manage.ManageConflict(_("Cette modification est déjà annulée."))
    if not _still_as_left(session, entry):
        raise manage.ManageConflict(
            _("Modifié à nouveau depuis : corrigez à la main dans la fiche.")
        )
    before = {name: values[0] for name, values in entry.changes.items()}
    reverts = {"reverts": [None, str(entry.id)]}
    if isinstance(target, Provider):
        hours = manage.parse_week_summary(before.get("opening_hours") or "")
        saved = manage.save_provider(
            session, target, values={}, hours=hours, actor=actor, now=now,
            action=REVERT, extra=reverts,
        )  # fmt: skip
    else:
        saved = manage.save_offer(
            session, target, values=_offer_values(before), actor=actor, now=now,
            action=REVERT, extra=reverts,
        )  # fmt: skip
    notify_reverted(
        session, entry, provider=target if isinstance(target, Provider) else target.provider
    )
    return saved


def _offer_values(before: dict[str, str | None]) -> dict[str, object]:
    """The offer's columns from the log's texts (only those a provider changes)."""
    parse = {
        "description": lambda text: text or "",
        "price_cents": lambda text: int(text),
        "is_active": lambda text: text == "True",
    }
    return {name: parse[name](text) for name, text in before.items() if name in OFFER_FIELDS}
