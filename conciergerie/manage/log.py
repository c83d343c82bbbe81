"""The change log (/gestion/journal) in words a person reads, in the reader's language.

An entry keeps what changed as the columns had it (`AuditEntry.changes`: {column: [before,
after]}, values as text): that stays the record. Here each column is named by its form's label
("Prix", not price_cents) and each value said as the pages say it: amounts through the money
filter, yes/no for a flag, an offer's kind or an account's role by its label, a company, a
provider or a category by its name, days and hours as dates and times."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from conciergerie.closures.forms import ClosureForm
from conciergerie.i18n import (
    day_date,
    kilograms,
    moment,
    money,
    month_label,
    rate,
    turnaround,
    weekday_name,
)
from conciergerie.manage.forms import CompanyForm, OfferForm, ProviderForm, UserForm
from conciergerie.models import AuditEntry, Category, MemberCompany, OfferKind, Provider, Role
from conciergerie.payouts.forms import PayoutForm


def _form_label(form: type, name: str) -> object:
    """The label a form gives its field `name` (its first argument, a lazy string)."""
    return getattr(form, name).args[0]


def _labels(form: type, names: Iterable[str], **others: object) -> dict[str, object]:
    return {name: _form_label(form, name) for name in names} | others


# What each kind of row is called, and each of its logged columns (manage.service.AUDITED and
# the entries written elsewhere: employees' verifications, payouts).
ENTITIES: dict[str, object] = {
    "provider": _l("Prestataire"),
    "offer": _l("Offre"),
    "member_company": _l("Entreprise"),
    "user": _l("Compte"),
    "provider_payout": _l("Versement"),
    "provider_closure": _l("Fermeture d'un prestataire"),
}
FIELDS: dict[str, dict[str, object]] = {
    "provider": _labels(
        ProviderForm,
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
            "is_active",
            "is_integration_enterprise",
        ),
        commission_rate_bp=_form_label(ProviderForm, "commission_rate"),
        opening_hours=_l("Horaires d'ouverture"),
        reverts=_l("Modification annulée"),
    ),  # fmt: skip
    "offer": _labels(
        OfferForm,
        (
            "name",
            "description",
            "kind",
            "unit",
            "turnaround_days",
            "position",
            "is_active",
            "delivery_weekday",
            "order_cutoff_weekday",
            "order_cutoff_time",
            "is_repair",
            "on_quote",
            "stock_per_delivery",
        ),
        price_cents=_form_label(OfferForm, "price"),
        weight_grams=_form_label(OfferForm, "weight_kg"),
        reverts=_l("Modification annulée"),
    ),  # fmt: skip
    "member_company": _labels(
        CompanyForm,
        ("name", "slug", "headcount", "is_subscriber", "address", "siret", "billing_email"),
        yearly_fee_cents=_form_label(CompanyForm, "yearly_fee"),
        email_domains=_form_label(CompanyForm, "email_domains"),
        fee_waiver_ended=_l("Fin de la gratuité du service pour les comptes"),
    ),
    "user": _labels(
        UserForm,
        ("role", "member_company_id", "provider_id", "solidarity_rate", "is_active_account"),
        company_verified_at=_l("Rattachement vérifié le"),
        domain=_l("Domaine de l'adresse e-mail"),
        invited_at=_l("Invitation envoyée le"),
    ),
    "provider_closure": _labels(ClosureForm, ("first_day", "last_day", "reason")),
    "provider_payout": _labels(
        PayoutForm,
        ("paid_on", "bank_reference"),
        amount_cents=_form_label(PayoutForm, "amount"),
        month=_l("Mois"),
    ),
}
ACTIONS: dict[str, object] = {
    "create": _l("création"),
    "update": _l("modification"),
    "verify_link": _l("rattachement vérifié par le lien de confirmation"),
    "verify_approve": _l("rattachement accepté"),
    "verify_decline": _l("rattachement refusé"),
    "verify_created": _l("rattachement vérifié à la création du compte"),
    "verify_kept": _l("rattachement repris d'avant la vérification"),
    "invite": _l("création, invitation envoyée"),
    "invite_again": _l("invitation renvoyée"),
    "provider_update": _l("modification par le prestataire"),
    "revert": _l("modification du prestataire annulée"),
    "delete": _l("suppression"),
}
OFFER_KINDS = {OfferKind.SERVICE.value: _l("Service"), OfferKind.BASKET.value: _l("Panier")}
ROLES = {
    Role.RESIDENT.value: _l("Habitant·e du quartier"),
    Role.EMPLOYEE.value: _l("Salarié·e d'une entreprise de La Grappe"),
    Role.VOLUNTEER.value: _l("Volontaire en service civique"),
    Role.PROVIDER.value: _l("Prestataire"),
    Role.CONCIERGE.value: _l("Concierge"),
}
NAMED = {"category_id": Category, "member_company_id": MemberCompany, "provider_id": Provider}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    entry: AuditEntry
    what: str  # "Offre", "Entreprise"…
    action: str
    changes: list[Change]


def _hours(text: str) -> str:
    """The provider's week as logged ("0: 09:00-12:30 | 5: 10:00-18:00"), with day names."""
    days = re.findall(r"(\d): ([^|]+)", text)
    if not days:
        return text
    return " ; ".join(f"{weekday_name(int(day))} {ranges.strip()}" for day, ranges in days)


def _as_day(text: str) -> str:
    return day_date(date.fromisoformat(text), "d MMMM y")


def _as_month(text: str) -> str:
    year, month = text.split("-")[:2]
    return month_label(date(int(year), int(month), 1))


SAYERS: dict[str, Callable[[str], str]] = {
    "commission_rate_bp": lambda v: rate(int(v)),
    "weight_grams": lambda v: kilograms(int(v)),
    "turnaround_days": lambda v: turnaround(int(v)),
    "delivery_weekday": lambda v: weekday_name(int(v)),
    "order_cutoff_weekday": lambda v: weekday_name(int(v)),
    "kind": lambda v: str(OFFER_KINDS.get(v, v)),
    "role": lambda v: str(ROLES.get(v, v)),
    "company_verified_at": lambda v: moment(datetime.fromisoformat(v)),
    "invited_at": lambda v: moment(datetime.fromisoformat(v)),
    "paid_on": _as_day,
    "first_day": _as_day,
    "last_day": _as_day,
    "month": _as_month,
    "opening_hours": _hours,
    "reverts": lambda v: f"n° {int(v)}",
}


def _say(name: str, value: str | None, names: dict[tuple[str, str], str]) -> str:
    """A logged value as the pages say it; the value as it was logged when it cannot be read
    (a column logged differently long ago)."""
    if value is None or value == "":
        return "—"
    if value in ("True", "False"):
        return _("Oui") if value == "True" else _("Non")
    try:
        if name.endswith("_cents"):
            return money(int(value))
        if name in NAMED:
            return names.get((name, value), f"#{value}")
        if name in SAYERS:
            return SAYERS[name](value)
    except (TypeError, ValueError):
        pass
    return value


def _names(session: Session, entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """The names of the categories, companies and providers the entries refer to by id, in
    one query per kind."""
    wanted: dict[str, set[int]] = {name: set() for name in NAMED}
    for entry in entries:
        for name, values in entry.changes.items():
            if name in NAMED:
                wanted[name] |= {int(v) for v in values if v not in (None, "") and v.isdigit()}
    found = {}
    for name, ids in wanted.items():
        if ids:
            model = NAMED[name]
            rows = session.execute(sa.select(model.id, model.name).where(model.id.in_(ids)))
            found |= {(name, str(row.id)): row.name for row in rows}
    return found


def lines(session: Session, entries: list[AuditEntry]) -> list[Line]:
    """The log's entries as the page shows them."""
    names = _names(session, entries)
    shown = []
    for entry in entries:
        fields = FIELDS.get(entry.entity, {})
        changes = sorted(
            (
                Change(
                    str(fields.get(name, name)),
                    _say(name, before, names),
                    _say(name, after, names),
                )
                for name, (before, after) in entry.changes.items()
            ),
            key=lambda change: change.field,
        )
        shown.append(
            Line(
                entry,
                str(ENTITIES.get(entry.entity, entry.entity)),
                str(ACTIONS.get(entry.action, ACTIONS["update"])),
                changes,
            )
        )
    return shown
