"""Providers' payouts: what the desk owes each provider month by month, and the payments the
concierge records against it.

A month's net due is what `reports.service.month_report` says the provider is owed (the sales of
the orders handed over in the month, less the commission at each line's rate); it is paid by one
payout or several (a part, then the rest). Paying more than is still owed for a month is refused:
an overpayment is a typing error far more often than an intent, and an advance on a month not yet
sold has no figure to stand against. Plain functions over a session: they flush, never commit,
and raise a PayoutError to refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from conciergerie.errors import DomainError
from conciergerie.i18n import money, month_label
from conciergerie.models import AuditEntry, Provider, ProviderPayout, Role, User
from conciergerie.reports.service import (
    StatementLine,
    commission_of,
    monthly_sales,
    provider_statement,
)
from conciergerie.timeutils import local_date

MAX_REFERENCE = 100


class PayoutError(DomainError):
    """A payout refused; `field` names the input at fault (amount_cents, paid_on,
    bank_reference), if any."""


class PayoutNotAllowed(PayoutError):
    code = "forbidden"
    status = 403


@dataclass(frozen=True)
class MonthAccount:
    """One provider's month: what it sold, what it is owed, what it was paid."""

    provider: Provider
    first_day: date
    sales: dict[int, int]  # {rate in basis points: gross cents}, as in reports.ProviderMonth
    payouts: tuple[ProviderPayout, ...] = ()  # loaded by month_account (lists give paid_cents)
    paid_cents: int = 0

    @property
    def gross_cents(self) -> int:
        return sum(self.sales.values())

    @property
    def commission_cents(self) -> int:
        return commission_of(self.sales)

    @property
    def net_cents(self) -> int:
        """What the desk owes the provider for the month."""
        return self.gross_cents - self.commission_cents

    @property
    def owed_cents(self) -> int:
        """What is still owed; below zero when the month was overpaid (its sales went down after
        it was paid)."""
        return self.net_cents - self.paid_cents


def month_account(
    session: Session, provider: Provider, first_day: date, *, default_rate_bp: int
) -> MonthAccount:
    """The provider's month, with its payouts in the order they were made."""
    sales = monthly_sales(
        session, default_rate_bp=default_rate_bp, provider_id=provider.id, first_day=first_day
    ).get((provider.id, first_day), {})
    payouts = tuple(
        session.scalars(
            sa.select(ProviderPayout)
            .where(ProviderPayout.provider_id == provider.id, ProviderPayout.month == first_day)
            .order_by(ProviderPayout.paid_on, ProviderPayout.id)
        )
    )
    return MonthAccount(provider, first_day, sales, payouts, sum(p.amount_cents for p in payouts))


@dataclass(frozen=True)
class Statement:
    """A provider's monthly statement: its lines, the month's figures and payouts."""

    account: MonthAccount
    lines: list[StatementLine]
    rates: list[int]  # the month's commission rates (the provider's own when nothing was sold)


def statement(
    session: Session, provider: Provider, first_day: date, *, default_rate_bp: int
) -> Statement:
    """The statement the concierge prints and the provider's staff read in the portal."""
    account = month_account(session, provider, first_day, default_rate_bp=default_rate_bp)
    lines = provider_statement(session, provider, first_day, default_rate_bp=default_rate_bp)
    own = provider.commission_rate_bp
    rates = sorted(account.sales) or [own if own is not None else default_rate_bp]
    return Statement(account, lines, rates)


def _paid(
    session: Session, provider_id: int | None = None, month: date | None = None
) -> dict[tuple[int, date], int]:
    """{(provider id, month): cents paid}, every month's (one provider's, one month's)."""
    query = sa.select(
        ProviderPayout.provider_id, ProviderPayout.month, sa.func.sum(ProviderPayout.amount_cents)
    ).group_by(ProviderPayout.provider_id, ProviderPayout.month)
    if provider_id is not None:
        query = query.where(ProviderPayout.provider_id == provider_id)
    if month is not None:
        query = query.where(ProviderPayout.month == month)
    return {(p, month): int(cents) for p, month, cents in session.execute(query)}


def _accounts(
    session: Session, *, default_rate_bp: int, provider_id: int | None = None
) -> list[MonthAccount]:
    """Every month with sales or payouts (one provider's with `provider_id`), latest first."""
    sales = monthly_sales(session, default_rate_bp=default_rate_bp, provider_id=provider_id)
    paid = _paid(session, provider_id)
    keys = set(sales) | set(paid)
    providers = {
        p.id: p
        for p in session.scalars(sa.select(Provider).where(Provider.id.in_({k[0] for k in keys})))
    }
    accounts = [
        MonthAccount(
            providers[p], month, sales.get((p, month), {}), paid_cents=paid.get((p, month), 0)
        )
        for p, month in keys
    ]
    accounts.sort(key=lambda a: (a.provider.name, a.provider.id, -a.first_day.toordinal()))
    return accounts


def provider_accounts(
    session: Session, provider: Provider, *, default_rate_bp: int
) -> list[MonthAccount]:
    """The provider's months (those with sales or payouts), the latest first: its statements."""
    return _accounts(session, default_rate_bp=default_rate_bp, provider_id=provider.id)


def paid_in_month(session: Session, first_day: date) -> dict[int, int]:
    """{provider id: cents paid towards the month}, for the month's page."""
    return {p: cents for (p, _month), cents in _paid(session, month=first_day).items()}


@dataclass(frozen=True)
class ProviderOwed:
    """What the desk still owes one provider, over every month not settled."""

    provider: Provider
    months: list[MonthAccount]  # the months not settled (or overpaid), latest first

    @property
    def owed_cents(self) -> int:
        return sum(m.owed_cents for m in self.months)


def owed_across_months(session: Session, *, default_rate_bp: int) -> list[ProviderOwed]:
    """Per provider, the months whose net due is not exactly paid and their sum, by provider
    name; providers whose every month is settled are left out."""
    found: dict[int, ProviderOwed] = {}
    for account in _accounts(session, default_rate_bp=default_rate_bp):
        if account.owed_cents != 0:
            owed = found.setdefault(account.provider.id, ProviderOwed(account.provider, []))
            owed.months.append(account)
    return list(found.values())


def record_payout(
    session: Session,
    provider: Provider,
    *,
    month: date,
    paid_on: date,
    amount_cents: int,
    bank_reference: str,
    actor: User,
    now: datetime,
    default_rate_bp: int,
) -> ProviderPayout:
    """Record that the desk paid `provider` `amount_cents` towards `month`'s net due, and log it.

    Refused unless the actor is the concierge, the month has begun, the day is neither in the
    future nor before the month, the amount is above zero and not more than what is still owed
    for the month, and the bank reference is given (100 characters at most). The provider's row
    is locked first: two concierges recording at once cannot together pay more than is owed."""
    if actor.role is not Role.CONCIERGE:
        raise PayoutNotAllowed(_("Seul·e la ou le concierge enregistre les versements."))
    month = month.replace(day=1)
    reference = _checked(month, paid_on, amount_cents, bank_reference, now=now)
    session.execute(sa.select(Provider.id).where(Provider.id == provider.id).with_for_update())
    account = month_account(session, provider, month, default_rate_bp=default_rate_bp)
    _check_not_overpaid(account, amount_cents)
    payout = ProviderPayout(
        provider=provider,
        month=month,
        paid_on=paid_on,
        amount_cents=amount_cents,
        bank_reference=reference,
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(payout)
    session.flush()
    _log(session, payout, actor=actor, now=now)
    return payout


def _checked(
    month: date, paid_on: date, amount_cents: int, bank_reference: str, *, now: datetime
) -> str:
    """The bank reference, trimmed, once the payout's own values are checked."""
    today = local_date(now)
    if month > today:
        raise PayoutError(
            _(
                "Le mois de %(month)s n'a pas commencé : rien n'est encore dû.",
                month=month_label(month),
            )
        )
    if amount_cents <= 0:
        raise PayoutError(_("Le montant doit être supérieur à zéro."), field="amount_cents")
    if paid_on > today:
        raise PayoutError(
            _("La date du versement ne peut pas être dans le futur."), field="paid_on"
        )
    if paid_on < month:
        raise PayoutError(
            _(
                "Un versement pour %(month)s est fait à partir du premier jour de ce mois.",
                month=month_label(month),
            ),
            field="paid_on",
        )
    reference = (bank_reference or "").strip()
    if not reference:
        raise PayoutError(_("Indiquez la référence du virement."), field="bank_reference")
    if len(reference) > MAX_REFERENCE:
        raise PayoutError(
            _("La référence tient en %(n)d caractères au plus.", n=MAX_REFERENCE),
            field="bank_reference",
        )
    return reference


def _check_not_overpaid(account: MonthAccount, amount_cents: int) -> None:
    if account.owed_cents <= 0:
        raise PayoutError(
            _(
                "Rien n'est dû à %(provider)s pour %(month)s (dû : %(net)s, déjà versé : "
                "%(paid)s).",
                provider=account.provider.name,
                month=month_label(account.first_day),
                net=money(account.net_cents),
                paid=money(account.paid_cents),
            ),
            field="amount_cents",
        )
    if amount_cents > account.owed_cents:
        raise PayoutError(
            _(
                "Il reste %(owed)s dus à %(provider)s pour %(month)s : un versement de "
                "%(amount)s le dépasserait. Vérifiez le montant.",
                owed=money(account.owed_cents),
                provider=account.provider.name,
                month=month_label(account.first_day),
                amount=money(amount_cents),
            ),
            field="amount_cents",
        )


def _log(session: Session, payout: ProviderPayout, *, actor: User, now: datetime) -> None:
    """The payout in the change log (/gestion/journal), under its provider's name."""
    session.add(
        AuditEntry(
            at=now,
            actor_id=actor.id,
            entity="provider_payout",
            entity_id=payout.id,
            label=payout.provider.name[:200],
            action="create",
            changes={
                "month": [None, payout.month.strftime("%Y-%m")],
                "paid_on": [None, payout.paid_on.isoformat()],
                "amount_cents": [None, str(payout.amount_cents)],
                "bank_reference": [None, payout.bank_reference],
            },
        )
    )
    session.flush()
