"""The concierge's dashboard: the last weeks at a glance, as server-drawn bar charts.

Twelve weeks (Monday to Sunday, Paris time) ending with the current one: orders placed per
week, sales per provider (work handed over), off-peak orders and residents against employees
(orders placed), the volunteers' rounds done and their distance per week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.models import (
    DeskSlot,
    Order,
    OrderLine,
    OrderStatus,
    PickupRound,
    Provider,
    Role,
    User,
)
from conciergerie.reports.impact import is_off_peak
from conciergerie.reports.service import DONE, handed_over_in
from conciergerie.rounds.hours import round_done
from conciergerie.timeutils import local_date, start_of_local_day

WEEKS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    shown: str  # the value as read (a price, a distance)


@dataclass(frozen=True)
class Dashboard:
    first_day: date
    last_day: date
    orders_per_week: list[Bar]
    sales_per_provider: list[Bar]
    off_peak: list[Bar]
    customers: list[Bar]
    rounds_per_week: list[Bar]
    distance_per_week: list[Bar]


def dashboard(session: Session, *, now: datetime, money, distance, labels) -> Dashboard:
    """`money`, `distance`: formatters; `labels`: the translated names of the fixed bars."""
    today = local_date(now)
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    start, end = start_of_local_day(weeks[0]), start_of_local_day(monday + timedelta(days=7))

    placed = _orders_placed(session, start, end)
    per_week = _orders_per_week(placed, weeks)
    off_peak = _off_peak_orders(session, placed)
    customers = _customers_by_role(placed)
    sales = _sales_per_provider(session, start, end)
    rounds_per_week, metres_per_week = _rounds_per_week(session, weeks, today=today, now=now)

    return Dashboard(
        first_day=weeks[0],
        last_day=monday + timedelta(days=6),
        orders_per_week=[Bar(_week_label(w), n, str(n)) for w, n in per_week.items()],
        sales_per_provider=[Bar(name, int(total), money(int(total))) for name, total in sales],
        off_peak=[
            Bar(labels["off_peak"], off_peak, str(off_peak)),
            Bar(labels["office_hours"], len(placed) - off_peak, str(len(placed) - off_peak)),
        ],
        customers=[
            Bar(labels["residents"], customers[Role.RESIDENT], str(customers[Role.RESIDENT])),
            Bar(labels["employees"], customers[Role.EMPLOYEE], str(customers[Role.EMPLOYEE])),
        ],
        rounds_per_week=[Bar(_week_label(w), n, str(n)) for w, n in rounds_per_week.items()],
        distance_per_week=[Bar(_week_label(w), m, distance(m)) for w, m in metres_per_week.items()],
    )


def _week_of(moment: datetime) -> date:
    day = local_date(moment)
    return day - timedelta(days=day.weekday())


def _week_label(week: date) -> str:
    return week.strftime("%d/%m")


def _orders_placed(session: Session, start: datetime, end: datetime) -> list[sa.Row]:
    """(placed_at, customer's role, drop-off slot id, pick-up slot id) of the orders placed
    between `start` and `end`, neither cancelled nor still awaiting their payment."""
    return session.execute(
        sa.select(Order.placed_at, User.role, Order.dropoff_slot_id, Order.pickup_slot_id)
        .join(User, User.id == Order.customer_id)
        .where(
            Order.placed_at >= start,
            Order.placed_at < end,
            Order.status.not_in([OrderStatus.CANCELLED, OrderStatus.AWAITING_PAYMENT]),
        )
    ).all()


def _orders_per_week(placed: list[sa.Row], weeks: list[date]) -> dict[date, int]:
    per_week = dict.fromkeys(weeks, 0)
    for placed_at, _role, _d, _p in placed:
        per_week[_week_of(placed_at)] = per_week.get(_week_of(placed_at), 0) + 1
    return per_week


def _off_peak_orders(session: Session, placed: list[sa.Row]) -> int:
    """How many of the orders `placed` use an off-peak slot (to drop off or to pick up)."""
    slot_ids = {s for row in placed for s in row[2:] if s is not None}
    starts = dict(
        session.execute(
            sa.select(DeskSlot.id, DeskSlot.starts_at).where(DeskSlot.id.in_(slot_ids))
        ).all()
    )
    return sum(
        1
        for _at, _role, d, p in placed
        if is_off_peak(starts[p]) or (d is not None and is_off_peak(starts[d]))
    )


def _customers_by_role(placed: list[sa.Row]) -> dict[Role, int]:
    """Orders placed by residents and by employees (other roles are not counted)."""
    customers = {Role.RESIDENT: 0, Role.EMPLOYEE: 0}
    for _at, role, _d, _p in placed:
        if role in customers:
            customers[role] += 1
    return customers


def _sales_per_provider(session: Session, start: datetime, end: datetime) -> list[sa.Row]:
    """(provider's name, sales in cents) of the ten providers who sold the most in the work
    handed over between `start` and `end`."""
    return session.execute(
        sa.select(Provider.name, sa.func.sum(OrderLine.unit_price_cents * OrderLine.quantity))
        .join(Provider, Provider.id == OrderLine.provider_id)
        .where(OrderLine.order_id.in_(handed_over_in(start, end)), DONE)
        .group_by(Provider.id, Provider.name)
        .order_by(sa.func.sum(OrderLine.unit_price_cents * OrderLine.quantity).desc())
        .limit(10)
    ).all()


def _rounds_per_week(
    session: Session, weeks: list[date], *, today: date, now: datetime
) -> tuple[dict[date, int], dict[date, int]]:
    """The rounds done and the metres they covered, per week, up to `today`."""
    rounds = session.execute(
        sa.select(PickupRound.day, PickupRound.distance_m).where(
            PickupRound.day >= weeks[0], PickupRound.day <= today, round_done(now)
        )
    ).all()
    rounds_per_week = dict.fromkeys(weeks, 0)
    metres_per_week = dict.fromkeys(weeks, 0)
    for day, metres in rounds:
        week = day - timedelta(days=day.weekday())
        rounds_per_week[week] += 1
        metres_per_week[week] += metres or 0
    return rounds_per_week, metres_per_week
