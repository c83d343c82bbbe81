"""Providers keep their own offers: their staff edit the description, price and availability of
their provider's offers, and its opening hours.

Each change goes through the concierge's own saving functions (manage.service), so it enters
the change log as every change of the catalogue does (who, when, each field before and after),
under the action PROVIDER_CHANGE; the catalogue's version follows by its triggers. The concierge
is mailed every change, sees them at /gestion/modifications-prestataires and may revert one
(manage/provider_changes.py). A new price holds for new orders only: an order line keeps the
price it was sold at (orders.service._order_line).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from conciergerie import policy
from conciergerie.accounts.service import active_concierges
from conciergerie.errors import DomainError
from conciergerie.i18n import babel_locale
from conciergerie.mail import external_url, send_templated
from conciergerie.manage import log as change_log
from conciergerie.manage import service as manage
from conciergerie.models import AuditEntry, Offer, Provider, Role, User

# The action of the log's entries for a change made by a provider's staff.
PROVIDER_CHANGE = "provider_update"
# What a provider's staff may change of their offers (the rest is the concierge's: name, kind,
# unit, turnaround, basket days, commission…).
OFFER_FIELDS = ("description", "price_cents", "is_active")


class NotYourProvider(DomainError):
    """Only a provider's own staff change its offers and hours."""

    code = "forbidden"
    status = 403


def _check(actor: User, provider_id: int) -> None:
    if not policy.can_edit_own_offers(actor, provider_id):
        raise NotYourProvider(_("Ce prestataire n'est pas le vôtre."))


def edit_offer(
    session: Session,
    offer: Offer,
    *,
    values: Mapping[str, object],
    actor: User,
    now: datetime,
) -> AuditEntry | None:
    """Change the offer's description, price (in cents) or availability (`is_active`) as its
    provider's staff: logged, the concierge mailed; None when nothing changed. Raises
    NotYourProvider for another provider's offer, ValueError for a column not theirs."""
    _check(actor, offer.provider_id)
    unknown = set(values) - set(OFFER_FIELDS)
    if unknown:
        raise ValueError(f"not changed by a provider: {sorted(unknown)}")
    entry = manage.save_offer(
        session, offer, values=values, actor=actor, now=now, action=PROVIDER_CHANGE
    )
    if entry is not None:
        notify_concierges(session, entry, provider=offer.provider)
    return entry


def edit_hours(
    session: Session,
    provider: Provider,
    *,
    hours: dict[int, list[tuple[time, time]]],
    actor: User,
    now: datetime,
) -> AuditEntry | None:
    """Replace the provider's weekly opening hours as its staff: logged, the concierge mailed;
    None when nothing changed. Raises NotYourProvider for another provider."""
    _check(actor, provider.id)
    entry = manage.save_provider(
        session, provider, values={}, hours=hours, actor=actor, now=now, action=PROVIDER_CHANGE
    )
    if entry is not None:
        notify_concierges(session, entry, provider=provider)
    return entry


def notify_concierges(session: Session, entry: AuditEntry, *, provider: Provider) -> None:
    """Mail every active concierge what the provider changed (written to the outbox with the
    change), each in their language, with the page where it can be reverted."""
    for concierge in active_concierges(session):
        with force_locale(babel_locale(concierge.locale)):
            [line] = change_log.lines(session, [entry])
        send_templated(
            concierge,
            "provider_changed",
            _l("%(provider)s a modifié son offre au catalogue", provider=provider.name),
            provider=provider.name,
            line=line,
            changes_url=external_url("manage.provider_changes_page"),
        )


def notify_reverted(session: Session, change: AuditEntry, *, provider: Provider) -> None:
    """Mail the provider's staff that the concierge put back what their `change` replaced
    (written to the outbox with the revert), with the values in force again."""
    staff = session.scalars(
        sa.select(User).where(
            User.provider_id == provider.id,
            User.role == Role.PROVIDER,
            User.is_active_account.is_(True),
        )
    )
    for person in staff:
        with force_locale(babel_locale(person.locale)):
            [line] = change_log.lines(session, [change])
        send_templated(
            person,
            "provider_change_reverted",
            _l("La conciergerie a annulé votre modification de « %(label)s »", label=change.label),
            line=line,
            offers_url=external_url("portal.offers"),
        )
