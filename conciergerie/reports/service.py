"""The desk's economics for a month: what each provider sold through it, the commission the desk
keeps, the service fees and company subscriptions, against the cost of the salaried post.

A sale counts in the month its order was first handed over to the customer (the work is done and
the provider is owed), by the time of that step in Paris, for what the order's ledger charges
(payments/ledger.py: nothing for work not done, no fee when no work is done). A goodwill gesture
(a discount) counts in the month it was made, against the desk's balance: it is not shared out
between providers. Money given back for work not done or an order cancelled was never a sale:
the month shows it, apart, without it weighing on the balance.

A company's subscription counts for the days of the month it covered (its
periods are kept: stopping or changing the fee today leaves past months as they were).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.models import (
    CompanySubscription,
    Discount,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Provider,
    Refund,
)
from conciergerie.rooms import service as rooms
from conciergerie.timeutils import local_date, start_of_local_day

# Lines whose work was not done are no sale (the ledger charges nothing for them); a declined
# quote is such a line too.
DONE = OrderLine.cannot_do_reason.is_(None)


def commission(gross_cents: int, rate_bp: int) -> int:
    """The commission on `gross_cents` at `rate_bp` basis points, rounded half up to the cent."""
    return (gross_cents * rate_bp + 5_000) // 10_000


def commission_of(sales: dict[int, int]) -> int:
    """The commission on sales made at several rates ({rate in basis points: gross cents}): each
    rate on its own total, so that one rate alone gives `commission(gross, rate)`."""
    return sum(commission(gross, rate) for rate, gross in sales.items())


def line_rate(line_rate_bp: int | None, default_rate_bp: int) -> int:
    """The rate a line was sold at; lines older than the copy of rates onto lines, whose
    provider had no rate of its own, were sold at the default rate."""
    return line_rate_bp if line_rate_bp is not None else default_rate_bp


@dataclass(frozen=True)
class ProviderMonth:
    provider: Provider
    orders: int
    # Gross cents by the commission rate the lines were sold at (the provider's rate may change
    # during a month: each line keeps its own).
    sales: dict[int, int]

    @property
    def gross_cents(self) -> int:
        return sum(self.sales.values())

    @property
    def rate_bp(self) -> int | None:
        """The month's rate, or None when its lines were sold at different rates."""
        return next(iter(self.sales)) if len(self.sales) == 1 else None

    @property
    def commission_cents(self) -> int:
        return commission_of(self.sales)

    @property
    def net_cents(self) -> int:
        """What the desk owes the provider."""
        return self.gross_cents - self.commission_cents


@dataclass(frozen=True)
class MonthReport:
    first_day: date
    providers: list[ProviderMonth]
    fees_cents: int
    # The member companies' yearly fees, for the days of the month they subscribed (see
    # subscriptions_in).
    subscriptions_cents: int
    discounts_cents: int  # goodwill gestures, borne by the desk
    cost_cents: int
    orders: int = field(default=0)
    given_back_cents: int = field(default=0)  # every refund of the month, gestures included
    # What the rooms and desks of La Grappe charged for the month's bookings (rooms.service).
    rooms_cents: int = field(default=0)

    @property
    def commissions_cents(self) -> int:
        return sum(p.commission_cents for p in self.providers)

    @property
    def gross_cents(self) -> int:
        return sum(p.gross_cents for p in self.providers)

    @property
    def income_cents(self) -> int:
        return (
            self.commissions_cents + self.fees_cents + self.subscriptions_cents + self.rooms_cents
        )

    @property
    def balance_cents(self) -> int:
        """Income less the month's gestures (borne by the desk) and the post's cost."""
        return self.income_cents - self.discounts_cents - self.cost_cents

    @property
    def coverage_percent(self) -> int | None:
        """How much of the post the month's income, less gestures, pays for, in whole percent."""
        if self.cost_cents <= 0:
            return None
        return round(100 * (self.income_cents - self.discounts_cents) / self.cost_cents)


def month_bounds(first_day: date) -> tuple[datetime, datetime]:
    """The month starting on `first_day`, as aware datetimes (midnight in Paris)."""
    following = date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)
    return start_of_local_day(first_day), start_of_local_day(following)


def subscriptions_in(session: Session, first_day: date) -> int:
    """The month's share of the companies' yearly subscriptions, in cents.

    A month subscribed in full counts a twelfth of the yearly fee, whatever its length; a month
    subscribed in part, that twelfth × the days of the month covered (both ends count; a running
    period, to the month's end) / the days of the month. Summed exactly, then rounded half up
    to the cent once: the twelve months of a year add up to the yearly fee (give or take the
    cents of their rounding).
    """
    days_in_month = calendar.monthrange(first_day.year, first_day.month)[1]
    last_day = first_day.replace(day=days_in_month)
    rows = session.execute(
        sa.select(
            CompanySubscription.starts_on,
            CompanySubscription.ends_on,
            CompanySubscription.yearly_fee_cents,
        ).where(
            CompanySubscription.starts_on <= last_day,
            sa.or_(CompanySubscription.ends_on.is_(None), CompanySubscription.ends_on >= first_day),
        )
    ).all()
    fee_days = 0
    for starts_on, ends_on, yearly_fee_cents in rows:
        first, last = max(starts_on, first_day), min(ends_on or last_day, last_day)
        fee_days += yearly_fee_cents * ((last - first).days + 1)
    share = 12 * days_in_month
    return (2 * fee_days + share) // (2 * share)


def _first_handed_over():
    """When each order was handed over, the first time: later notes on a finished order (a
    refund, a payment) are recorded with the same status and must not count it again. Work left
    uncollected counts from the day it was marked so (the provider is owed it), and not again
    when handed over later."""
    return (
        sa.select(OrderEvent.order_id, sa.func.min(OrderEvent.at).label("at"))
        .where(OrderEvent.to_status.in_([OrderStatus.HANDED_OVER, OrderStatus.UNCOLLECTED]))
        .group_by(OrderEvent.order_id)
        .subquery()
    )


def handed_over_in(start: datetime, end: datetime):
    first = _first_handed_over()
    return sa.select(first.c.order_id).where(first.c.at >= start, first.c.at < end)


def monthly_sales(
    session: Session,
    *,
    default_rate_bp: int,
    provider_id: int | None = None,
    first_day: date | None = None,
) -> dict[tuple[int, date], dict[int, int]]:
    """The sales of every month, counted as `month_report` counts them (the month in Paris of
    the order's first handing over, lines done only), per provider and rate:
    {(provider id, first day of the month): {rate in basis points: gross cents}}.

    One provider's only with `provider_id`, one month's only with `first_day`. What a provider
    is owed for a month is the gross less `commission_of` these sales (payouts/service.py)."""
    handed = _first_handed_over()
    query = (
        sa.select(
            OrderLine.provider_id,
            handed.c.at,
            OrderLine.commission_rate_bp,
            sa.func.sum(OrderLine.unit_price_cents * OrderLine.quantity),
        )
        .join(handed, handed.c.order_id == OrderLine.order_id)
        .where(DONE)
        .group_by(
            OrderLine.provider_id, OrderLine.order_id, handed.c.at, OrderLine.commission_rate_bp
        )
    )
    if provider_id is not None:
        query = query.where(OrderLine.provider_id == provider_id)
    if first_day is not None:
        start, end = month_bounds(first_day)
        query = query.where(handed.c.at >= start, handed.c.at < end)
    found: dict[tuple[int, date], dict[int, int]] = {}
    for provider, at, rate_bp, gross in session.execute(query):
        by_rate = found.setdefault((provider, local_date(at).replace(day=1)), {})
        rate = line_rate(rate_bp, default_rate_bp)
        by_rate[rate] = by_rate.get(rate, 0) + int(gross or 0)
    return found


def month_report(
    session: Session, first_day: date, *, default_rate_bp: int, cost_cents: int
) -> MonthReport:
    start, end = month_bounds(first_day)
    handed_over = handed_over_in(start, end)
    rows = session.execute(
        sa.select(
            OrderLine.provider_id,
            OrderLine.commission_rate_bp,
            sa.func.sum(OrderLine.unit_price_cents * OrderLine.quantity),
        )
        .where(OrderLine.order_id.in_(handed_over), DONE)
        .group_by(OrderLine.provider_id, OrderLine.commission_rate_bp)
    ).all()
    counts = dict(
        session.execute(
            sa.select(OrderLine.provider_id, sa.func.count(sa.distinct(OrderLine.order_id)))
            .where(OrderLine.order_id.in_(handed_over), DONE)
            .group_by(OrderLine.provider_id)
        ).all()
    )
    sales: dict[int, dict[int, int]] = {}
    for provider_id, rate_bp, gross in rows:
        by_rate = sales.setdefault(provider_id, {})
        rate = line_rate(rate_bp, default_rate_bp)
        by_rate[rate] = by_rate.get(rate, 0) + int(gross or 0)
    providers = {
        p.id: p for p in session.scalars(sa.select(Provider).where(Provider.id.in_(list(sales))))
    }
    months = [
        ProviderMonth(provider=providers[provider_id], orders=counts[provider_id], sales=by_rate)
        for provider_id, by_rate in sales.items()
    ]
    months.sort(key=lambda m: (-m.gross_cents, m.provider.name))
    fees, orders = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Order.fee_cents), 0), sa.func.count()).where(
            Order.id.in_(handed_over)
        )
    ).one()
    return MonthReport(
        first_day=first_day,
        providers=months,
        fees_cents=int(fees),
        subscriptions_cents=subscriptions_in(session, first_day),
        discounts_cents=_sum_in(session, Discount, start, end),
        given_back_cents=_sum_in(session, Refund, start, end),
        cost_cents=cost_cents,
        orders=orders,
        rooms_cents=rooms.income_between(session, start, end),
    )


def _sum_in(session: Session, model, start: datetime, end: datetime) -> int:
    """The amounts of the month's discounts or refunds, by when they were made."""
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(model.amount_cents), 0)).where(
                model.created_at >= start, model.created_at < end
            )
        )
    )


@dataclass(frozen=True)
class StatementLine:
    order_code: str
    handed_over_at: datetime
    name: str
    quantity: int
    unit_price_cents: int
    rate_bp: int

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


def provider_statement(
    session: Session, provider: Provider, first_day: date, *, default_rate_bp: int
) -> list[StatementLine]:
    """The provider's lines of the orders handed over in the month, for its monthly statement."""
    start, end = month_bounds(first_day)
    handed = _first_handed_over()
    rows = session.execute(
        sa.select(Order.code, handed.c.at, OrderLine)
        .join(handed, handed.c.order_id == OrderLine.order_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.provider_id == provider.id, handed.c.at >= start, handed.c.at < end, DONE)
        .order_by(handed.c.at, Order.code, OrderLine.id)
    ).all()
    return [
        StatementLine(
            code,
            at,
            line.name,
            line.quantity,
            line.unit_price_cents,
            line_rate(line.commission_rate_bp, default_rate_bp),
        )
        for code, at, line in rows
    ]
