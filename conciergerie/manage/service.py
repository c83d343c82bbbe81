"""The concierge manages the catalogue (providers, their hours, offers) and the member companies;
every change is logged: who, when, and each field before and after."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conciergerie.accounts import employees
from conciergerie.errors import DomainError
from conciergerie.i18n import day_date
from conciergerie.invoices import service as invoices
from conciergerie.manage.geocoding import AddressApi, Found
from conciergerie.models import (
    AuditEntry,
    CompanySubscription,
    MemberCompany,
    Offer,
    OfferKind,
    Provider,
    ProviderOpeningRange,
    User,
)
from conciergerie.subscriptions import service as subscriptions
from conciergerie.timeutils import local_date

# What the log follows, per kind of row (the other columns are bookkeeping).
AUDITED: dict[type, tuple[str, tuple[str, ...]]] = {
    Provider: (
        "provider",
        (
            "name",
            "slug",
            "category_id",
            "summary",
            "description",
            "ess_status",
            "local_story",
            "address",
            "latitude",
            "longitude",
            "commission_rate_bp",
            "is_active",
            "is_integration_enterprise",
        ),
    ),  # fmt: skip
    Offer: (
        "offer",
        (
            "name",
            "description",
            "kind",
            "price_cents",
            "unit",
            "turnaround_days",
            "position",
            "is_active",
            "delivery_weekday",
            "order_cutoff_weekday",
            "order_cutoff_time",
            "is_repair",
            "weight_grams",
            "on_quote",
            "stock_per_delivery",
        ),
    ),  # fmt: skip
    MemberCompany: (
        "member_company",
        (
            "name",
            "slug",
            "headcount",
            "is_subscriber",
            "yearly_fee_cents",
            "address",
            "siret",
            "billing_email",
            "email_domains",
        ),
    ),
    User: (
        "user",
        (
            "role",
            "member_company_id",
            "company_verified_at",
            "provider_id",
            "solidarity_rate",
            "is_active_account",
            "invited_at",
        ),
    ),
}

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RANGE = re.compile(r"\s*(\d{1,2})[:h](\d{2})\s*[-–]\s*(\d{1,2})[:h](\d{2})\s*")


class ManageError(DomainError):
    """A rule refused the change; `field` names the form's field at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


class ManageConflict(ManageError):
    """What another concierge did a moment ago forbids the change: an identifier saved in the
    same instant, the last active concierge gone."""

    code = "conflict"
    status = 409


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(getattr(value, "value", value))


def _label(obj: object) -> str:
    # A person is named by number only: the log outlives an erased account (RGPD).
    return f"#{obj.id}" if isinstance(obj, User) else str(obj.name)


def record(
    session: Session,
    obj: object,
    *,
    actor: User,
    now: datetime,
    extra: dict[str, list] | None = None,
    action: str | None = None,
) -> AuditEntry | None:
    """Log the changes pending on `obj` (call before flushing them); None when nothing changed.
    `action`: what the entry says was done, when more than "create" or "update"."""
    entity, fields = AUDITED[type(obj)]
    state = sa.inspect(obj)
    creating = state.transient or state.pending
    changes: dict[str, list] = {}
    for name in fields:
        history = state.attrs[name].history
        if creating:
            value = getattr(obj, name)
            if value is not None:
                changes[name] = [None, _text(value)]
        elif history.has_changes():
            before = _text(history.deleted[0]) if history.deleted else None
            after = _text(history.added[0]) if history.added else None
            if before != after:
                changes[name] = [before, after]
    for name, (before, after) in (extra or {}).items():
        if before != after:
            changes[name] = [before, after]
    if not changes:
        return None
    session.flush()  # the new row's id
    entry = AuditEntry(
        at=now,
        actor_id=actor.id,
        entity=entity,
        entity_id=obj.id,
        label=_label(obj)[:200],
        action=action or ("create" if creating else "update"),
        changes=changes,
    )
    session.add(entry)
    session.flush()
    return entry


def _slug_taken(session: Session, model: type, slug: str, own_id: int | None) -> bool:
    query = sa.select(model.id).where(model.slug == slug)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return session.scalar(query) is not None


def _apply(obj: object, values: Mapping[str, object]) -> None:
    """Set the columns of `obj` given in `values`: only those the log follows."""
    unknown = set(values) - set(AUDITED[type(obj)][1])
    if unknown:
        raise ValueError(f"not set through the management pages: {sorted(unknown)}")
    for name, value in values.items():
        setattr(obj, name, value)


def _save_with_slug(
    session: Session,
    obj: Provider | MemberCompany,
    values: Mapping[str, object],
    save: Callable[[], None],
) -> None:
    """Set `values` on `obj` and run `save`, in a savepoint: an identifier that another
    concierge saved after our check_slug hits the unique index when we flush; that is a
    refusal on the slug (409), and the session stays usable.

    The values are set inside the savepoint: beginning one flushes what is pending, which
    would clear the history the log reads."""
    own_id, slug = obj.id, values.get("slug", obj.slug)
    try:
        with session.begin_nested():
            _apply(obj, values)
            save()
    except IntegrityError as error:
        if not _slug_taken(session, type(obj), slug, own_id):
            raise
        raise ManageConflict(_("Cet identifiant est déjà pris."), "slug") from error


def check_slug(session: Session, model: type, slug: str, own_id: int | None) -> None:
    if not SLUG.fullmatch(slug):
        raise ManageError(
            _("Lettres minuscules, chiffres et tirets seulement (ex. cordonnerie-gambetta)."),
            "slug",
        )
    if _slug_taken(session, model, slug, own_id):
        raise ManageError(_("Cet identifiant est déjà pris."), "slug")


# Opening hours: one text per weekday, "09:00-12:30, 14:00-19:00" -------------------------------


def parse_ranges(text: str) -> list[tuple[time, time]]:
    """ "09:00-12:30, 14h00-19h00" → [(9:00, 12:30), (14:00, 19:00)]; "" → []."""
    ranges = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = RANGE.fullmatch(part)
        if not match:
            raise ValueError(_("« %(part)s » : écrivez par exemple 09:00-12:30.", part=part))
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(_("« %(part)s » : cette heure n'existe pas.", part=part))
        opens, closes = time(h1, m1), time(h2, m2)
        if closes <= opens:
            raise ValueError(_("« %(part)s » : la fermeture doit suivre l'ouverture.", part=part))
        ranges.append((opens, closes))
    ranges.sort()
    for (_a, first_end), (second_start, _b) in zip(ranges, ranges[1:], strict=False):
        if second_start < first_end:
            raise ValueError(_("Deux plages de ce jour se chevauchent."))
    return ranges


def format_ranges(ranges: list[tuple[time, time]]) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)


def hours_text(provider: Provider) -> dict[int, str]:
    by_day: dict[int, list[tuple[time, time]]] = {day: [] for day in range(7)}
    for r in provider.opening_ranges:
        by_day[r.weekday].append((r.opens_at, r.closes_at))
    return {day: format_ranges(sorted(ranges)) for day, ranges in by_day.items()}


def _hours_summary(week: dict[int, str]) -> str:
    return " | ".join(f"{day}: {text}" for day, text in sorted(week.items()) if text)


@dataclass(frozen=True)
class Placement:
    """How a provider's position was set: `asked` whether the address API was asked, `found`
    its answer (None: not found, the typed position kept)."""

    asked: bool = False
    found: Found | None = None


def place_provider(
    values: dict[str, object],
    *,
    previous_address: str | None,
    geocoder: AddressApi | None,
    by_hand: bool,
) -> Placement:
    """Set `values`' latitude and longitude (the provider's columns, from the form): when the
    address is new or changed and the position is not marked as typed by hand, the address
    API's position replaces the typed one; when the API is off or does not find the address,
    the typed position stays. Raises ManageError on the latitude when there is none at all."""
    typed = values.get("latitude") is not None and values.get("longitude") is not None
    changed = (
        " ".join(str(values["address"]).split()).casefold()
        != " ".join((previous_address or "").split()).casefold()
    )
    placement = Placement()
    if geocoder is not None and not by_hand and (changed or not typed):
        placement = Placement(True, geocoder.locate(str(values["address"])))
    if placement.found is not None:
        values["latitude"], values["longitude"] = placement.found.lat, placement.found.lon
    elif not typed:
        raise ManageError(
            _("Adresse non trouvée : saisissez la latitude et la longitude.")
            if placement.asked
            else _("Saisissez la latitude et la longitude."),
            field="latitude",
        )
    return placement


def week_summary(provider: Provider) -> str:
    """The provider's week as the log keeps it: "0: 09:00-12:30, 14:00-19:00 | 5: 10:00-18:00"."""
    return _hours_summary(hours_text(provider))


def parse_week_summary(text: str) -> dict[int, list[tuple[time, time]]]:
    """The week of a `week_summary` (each of the seven days, closed ones empty)."""
    week: dict[int, list[tuple[time, time]]] = {day: [] for day in range(7)}
    for part in filter(None, (p.strip() for p in (text or "").split("|"))):
        day, _sep, ranges = part.partition(":")
        week[int(day)] = parse_ranges(ranges)
    return week


def as_logged(value: object) -> str | None:
    """A column's value as the log writes it (text; None stays None)."""
    return _text(value)


def save_provider(
    session: Session,
    provider: Provider,
    *,
    values: Mapping[str, object],
    hours: dict[int, list[tuple[time, time]]],
    actor: User,
    now: datetime,
    action: str | None = None,
    extra: dict[str, list] | None = None,
) -> AuditEntry | None:
    """Store a new or edited provider with `values` (its columns, as the form gives them) and
    its weekly hours, logged (`action`, `extra`: as `record` takes them); the log's entry, or
    None when nothing changed. Raises ManageError on the slug when another provider has it
    (ManageConflict, 409, when it was saved in the same instant)."""
    entries: list[AuditEntry | None] = []

    def save() -> None:
        entries.append(
            _save_provider(
                session, provider, hours=hours, actor=actor, now=now, action=action, extra=extra
            )
        )

    # No flush before the changes are logged: a flush would clear their history.
    with session.no_autoflush:
        _save_with_slug(session, provider, values, save)
    return entries[0]


def _save_provider(session, provider, *, hours, actor, now, action, extra) -> AuditEntry | None:
    check_slug(session, Provider, provider.slug, provider.id)
    before = _hours_summary(hours_text(provider)) if provider.id else ""
    wanted = {(day, a, b) for day, ranges in hours.items() for a, b in ranges}
    current = {(r.weekday, r.opens_at, r.closes_at): r for r in provider.opening_ranges}
    for key, opening in current.items():
        if key not in wanted:
            provider.opening_ranges.remove(opening)
    for day, opens, closes in sorted(wanted - set(current)):
        provider.opening_ranges.append(
            ProviderOpeningRange(weekday=day, opens_at=opens, closes_at=closes)
        )
    after = _hours_summary({day: format_ranges(sorted(r)) for day, r in hours.items()})
    if provider.id is None:
        session.add(provider)
    changes = {"opening_hours": [before, after], **(extra or {})}
    return record(session, provider, actor=actor, now=now, extra=changes, action=action)


def save_offer(
    session: Session,
    offer: Offer,
    *,
    values: Mapping[str, object],
    actor: User,
    now: datetime,
    action: str | None = None,
    extra: dict[str, list] | None = None,
) -> AuditEntry | None:
    """Store a new or edited offer with `values` (its columns, as the form gives them), logged
    (`action`, `extra`: as `record` takes them); the log's entry, or None when nothing changed.

    A new offer names its provider by `provider_id`: set through the relationship, it would
    sit in the provider's offers before it is saved, and be saved with the provider even
    when the form was refused."""
    old_price = offer.price_cents if offer.id is not None else None
    with session.no_autoflush:
        _apply(offer, values)
        if offer.id is None:
            session.add(offer)
        entry = record(session, offer, actor=actor, now=now, extra=extra, action=action)
    if old_price is not None and old_price != offer.price_cents and offer.kind is OfferKind.BASKET:
        subscriptions.tell_of_new_price(session, offer, old_price)
    return entry


def save_company(
    session: Session,
    company: MemberCompany,
    *,
    values: Mapping[str, object],
    actor: User,
    now: datetime,
    effective_on: date | None = None,
) -> None:
    """Save the company with `values` (its columns, as the form gives them), logged; a change
    of its subscription takes effect on `effective_on` (today when None; see
    keep_subscription_history). Raises ManageError on the field at fault (ManageConflict, 409,
    for an identifier saved by someone else in the same instant)."""

    def save() -> None:
        _save_company(session, company, actor=actor, now=now, effective_on=effective_on)

    with session.no_autoflush:
        _save_with_slug(session, company, values, save)


def _save_company(session, company, *, actor, now, effective_on) -> None:
    check_slug(session, MemberCompany, company.slug, company.id)
    if company.yearly_fee_cents and not company.is_subscriber:
        raise ManageError(
            _("Une entreprise qui ne s'abonne pas ne paie pas d'abonnement : mettez 0."),
            "yearly_fee",
        )
    try:
        company.email_domains = employees.normalise_domains(company.email_domains)
    except employees.EmployeeError as error:
        raise ManageError(str(error), "email_domains") from error
    if company.id is None:
        session.add(company)
    record(session, company, actor=actor, now=now, extra=_waivers_ended(session, company))
    keep_subscription_history(session, company, now=now, effective_on=effective_on)


def _waivers_ended(session: Session, company: MemberCompany) -> dict[str, list]:
    """For the log of a company that stops subscribing: whose fee waiver ends with it (the
    verified employees, by number), from the day the change takes effect."""
    stops = True in sa.inspect(company).attrs.is_subscriber.history.deleted
    if company.id is None or not stops or company.is_subscriber:
        return {}
    ids = employees.verified_employee_ids(session, company)
    return {"fee_waiver_ended": [None, ", ".join(f"#{i}" for i in ids)]} if ids else {}


def keep_subscription_history(
    session: Session, company: MemberCompany, *, now: datetime, effective_on: date | None = None
) -> None:
    """Bring the company's subscription periods in step with its state (`is_subscriber`,
    `yearly_fee_cents`, already set), from the day of the change (`effective_on`, today in
    Paris when None): the accounts of the days before it stay.

    Starting opens a period that day; stopping ends the running period the day before (a
    period counts every day it covers: that day is no longer paid for); a new fee ends the
    running period the day before and opens one that day. The same day, changes replace one
    another instead of leaving periods of no day: a period that started that day is dropped,
    and one that ended the day before at the fee wanted again goes on. A no-op when in step.

    A past day corrects the months since (a subscription signed earlier, recorded late); it
    cannot be in the future, nor go back before the running period's start or the last
    period's end (the history before them stays as it is). Raises ManageError on the
    "effective_on" field.
    """
    if company.id is not None:
        # Two concierges saving the company at once: the second waits for the first, then works
        # on the periods as the first left them (never two running periods, never one left
        # running for a company the last save says does not subscribe).
        session.execute(
            sa.select(MemberCompany.id).where(MemberCompany.id == company.id).with_for_update()
        )
        session.refresh(company, ["subscriptions"])
    today = effective_on or local_date(now)
    yesterday = today - timedelta(days=1)
    wanted = company.yearly_fee_cents if company.is_subscriber else None
    running = next((p for p in company.subscriptions if p.ends_on is None), None)
    if running is not None and running.yearly_fee_cents == wanted:
        return
    if running is None and wanted is None:
        return
    _check_change_day(company, today, running=running, now=now)
    if running is not None:
        if running.starts_on >= today:
            # Replaced the day it started: its invoice, if issued, is cancelled by an avoir.
            invoices.withdraw_subscription_invoice(session, company, running.starts_on, now=now)
            company.subscriptions.remove(running)
        else:
            running.ends_on = yesterday
        # Now, so that no second running period exists even for a moment (unique index).
        session.flush()
    if wanted is None:
        return
    last = max(company.subscriptions, key=lambda p: p.starts_on, default=None)
    if last is not None and last.ends_on == yesterday and last.yearly_fee_cents == wanted:
        last.ends_on = None
    else:
        period = CompanySubscription(starts_on=today, yearly_fee_cents=wanted)
        company.subscriptions.append(period)
        session.flush()
        invoices.issue_subscription_invoice(session, company, period, now=now)
    session.flush()


def _check_change_day(
    company: MemberCompany, day: date, *, running: CompanySubscription | None, now: datetime
) -> None:
    if day > local_date(now):
        raise ManageError(_("Le changement prend effet aujourd'hui au plus tard."), "effective_on")
    if running is not None and day < running.starts_on:
        raise ManageError(
            _(
                "L'abonnement en cours a commencé le %(day)s : le changement ne peut pas "
                "prendre effet avant.",
                day=day_date(running.starts_on, "d MMMM y"),
            ),
            "effective_on",
        )
    ended = [p.ends_on for p in company.subscriptions if p.ends_on is not None]
    if running is None and ended and day <= max(ended):
        raise ManageError(
            _(
                "La dernière période d'abonnement a pris fin le %(day)s : le changement "
                "prend effet après.",
                day=day_date(max(ended), "d MMMM y"),
            ),
            "effective_on",
        )


def log_entries(session: Session, *, limit: int = 200) -> list[AuditEntry]:
    return list(
        session.scalars(
            sa.select(AuditEntry)
            .options(sa.orm.selectinload(AuditEntry.actor))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
