"""What the desk did for the district, for the association's funders: computed from the orders
and the rounds, never typed in.

Over a period (a month or a year, in Paris time): the orders handed over (first hand-over in the
period, as in the monthly accounts) and what they brought to the providers, to the integration
enterprises among them, the items repaired, the kilograms of baskets, who the customers were, how
many orders used an off-peak slot; and the rounds the volunteers did, on foot or on wheels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from conciergerie.models import (
    DeskSlot,
    Order,
    OrderLine,
    PickupRound,
    Role,
    TransportMode,
    User,
    VolunteerProfile,
)
from conciergerie.reports.service import DONE, commission_of, handed_over_in, line_rate
from conciergerie.rooms import service as rooms
from conciergerie.rounds.hours import round_done
from conciergerie.timeutils import PARIS, start_of_local_day


def is_off_peak(starts_at: datetime) -> bool:
    """A slot outside office hours: before 9:00, over lunch (12:00–14:00), from 18:00, or on a
    Saturday (Paris time) — the hours the desk opened for people who work."""
    local = starts_at.astimezone(PARIS)
    minutes = local.hour * 60 + local.minute
    return (
        local.weekday() == 5
        or minutes < 9 * 60
        or 12 * 60 <= minutes < 14 * 60
        or minutes >= 18 * 60
    )


@dataclass(frozen=True)
class Impact:
    first_day: date
    last_day: date
    orders: int
    to_providers_cents: int  # what the providers received (sales less the desk's commission)
    to_integration_cents: int  # of which, to integration enterprises
    items_repaired: int
    produce_grams: int
    resident_customers: int
    employee_customers: int
    off_peak_orders: int
    rounds: int
    distance_on_foot_m: int
    distance_by_bike_m: int  # bike and cargo bike
    # La Grappe's rooms used by district associations (rooms.service.association_use).
    association_bookings: int = 0
    association_minutes: int = 0
    associations: int = 0

    @property
    def off_peak_percent(self) -> int | None:
        return round(100 * self.off_peak_orders / self.orders) if self.orders else None


def impact(
    session: Session, first_day: date, last_day: date, *, default_rate_bp: int, now: datetime
) -> Impact:
    """The impact of the days `first_day` to `last_day` (inclusive)."""
    start = start_of_local_day(first_day)
    end = start_of_local_day(date.fromordinal(last_day.toordinal() + 1))
    handed_over = handed_over_in(start, end)

    lines = _lines_handed_over(session, handed_over, default_rate_bp=default_rate_bp)
    customers = _customers_by_role(session, handed_over)
    slots = _slot_starts(session, handed_over)
    off_peak = sum(1 for d, p in slots if is_off_peak(p) or (d is not None and is_off_peak(d)))

    rounds = _rounds_done(session, first_day, last_day, now=now)
    use = rooms.association_use(session, start, end)
    on_foot = sum(d or 0 for d, mode in rounds if mode is TransportMode.FOOT)
    by_bike = sum(d or 0 for d, mode in rounds if mode is not TransportMode.FOOT)
    return Impact(
        first_day=first_day,
        last_day=last_day,
        orders=len(slots),
        to_providers_cents=lines.to_providers_cents,
        to_integration_cents=lines.to_integration_cents,
        items_repaired=lines.items_repaired,
        produce_grams=lines.produce_grams,
        resident_customers=customers.get(Role.RESIDENT, 0),
        employee_customers=customers.get(Role.EMPLOYEE, 0),
        off_peak_orders=off_peak,
        rounds=len(rounds),
        distance_on_foot_m=on_foot,
        distance_by_bike_m=by_bike,
        association_bookings=use.bookings,
        association_minutes=use.minutes,
        associations=use.associations,
    )


class _LinesHandedOver(NamedTuple):
    to_providers_cents: int
    to_integration_cents: int
    items_repaired: int
    produce_grams: int


def _lines_handed_over(
    session: Session, handed_over: sa.Select, *, default_rate_bp: int
) -> _LinesHandedOver:
    """What the lines of the orders `handed_over` brought to the providers (and to the
    integration enterprises among them), the items repaired and the grams of produce."""
    repaired = grams = 0
    # What each line was sold as (its rate, repair, weight, integration enterprise), not what
    # the catalogue says today.
    lines = session.execute(
        sa.select(OrderLine).where(OrderLine.order_id.in_(handed_over), DONE)
    ).scalars()
    # provider → rate → gross, as in the month's accounts (the commission rounded once per
    # provider and rate, whatever the flags), and the same for the lines sold as integration
    # enterprise's work.
    sales: dict[int, dict[int, int]] = {}
    integration: dict[int, dict[int, int]] = {}
    for line in lines:
        rate = line_rate(line.commission_rate_bp, default_rate_bp)
        for totals in (sales, integration) if line.integration_enterprise else (sales,):
            by_rate = totals.setdefault(line.provider_id, {})
            by_rate[rate] = by_rate.get(rate, 0) + line.total_cents
        if line.is_repair:
            repaired += line.quantity
        if line.weight_grams:
            grams += line.quantity * line.weight_grams
    to_providers = sum(sum(by_rate.values()) - commission_of(by_rate) for by_rate in sales.values())
    to_integration = sum(
        sum(by_rate.values()) - commission_of(by_rate) for by_rate in integration.values()
    )
    return _LinesHandedOver(to_providers, to_integration, repaired, grams)


def _customers_by_role(session: Session, handed_over: sa.Select) -> dict[Role, int]:
    """How many different customers of each role the orders `handed_over` had."""
    return dict(
        session.execute(
            sa.select(User.role, sa.func.count(sa.distinct(User.id)))
            .join(Order, Order.customer_id == User.id)
            .where(Order.id.in_(handed_over))
            .group_by(User.role)
        ).all()
    )


def _slot_starts(session: Session, handed_over: sa.Select) -> list[sa.Row]:
    """(drop-off start or None, pick-up start) of each order `handed_over`."""
    dropoff, pickup = aliased(DeskSlot), aliased(DeskSlot)
    return session.execute(
        sa.select(dropoff.starts_at, pickup.starts_at)
        .select_from(Order)
        .join(pickup, pickup.id == Order.pickup_slot_id)
        .outerjoin(dropoff, dropoff.id == Order.dropoff_slot_id)
        .where(Order.id.in_(handed_over))
    ).all()


def _rounds_done(
    session: Session, first_day: date, last_day: date, *, now: datetime
) -> list[sa.Row]:
    """(distance in metres, the volunteer's transport) of each round done in the period."""
    return session.execute(
        sa.select(PickupRound.distance_m, VolunteerProfile.transport)
        .outerjoin(VolunteerProfile, VolunteerProfile.user_id == PickupRound.volunteer_id)
        .where(PickupRound.day >= first_day, PickupRound.day <= last_day, round_done(now))
    ).all()
