"""How many baskets are left for a delivery, and the producer's list of what was ordered.

A basket offer may say how many baskets its producer brings per delivery
(`Offer.stock_per_delivery`; None: as many as are ordered). Subscriptions take their places
first: what one-off orders (the customers' own, the counter's) may take is the stock less every
basket the live subscriptions are due that day, ordered or not yet, so that a one-off order can
never take a subscriber's place. A subscription's order (placed by the job before the cut-off)
may take whatever the one-off orders and the subscriptions ordered before it left: when the
stock was lowered below the subscriptions, the last subscriptions to be placed (newest first)
find the week short, and their subscriber is told (subscriptions.service). A delivery day on
which the producer is closed has no stock at all.

Counting reads the committed orders: callers lock the offers first (`lock_offers`), so that two
orders of the last baskets count one after the other. Plain functions over a session: no
commit, no mail, no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from conciergerie.closures.service import is_closed
from conciergerie.models import (
    BasketDelivery,
    BasketSubscription,
    Offer,
    OfferKind,
    Order,
    OrderLine,
    OrderOrigin,
    OrderStatus,
    Provider,
    SubscriptionStatus,
)

# An order that no longer holds its baskets.
RELEASED = (OrderStatus.CANCELLED, OrderStatus.NO_SHOW)


@dataclass(frozen=True)
class Availability:
    """The baskets of one offer for one delivery day."""

    stock: int | None  # None: no limit
    one_off: int  # taken by one-off orders
    subscribed: int  # ordered by subscriptions
    held: int  # due to live subscriptions whose order is not placed yet
    closed: bool = False  # the producer is closed that day

    @property
    def limited(self) -> bool:
        return self.stock is not None or self.closed

    @property
    def _stock(self) -> int:
        return 0 if self.closed else (self.stock or 0)

    @property
    def left_for_orders(self) -> int | None:
        """What a one-off order may still take (None: no limit)."""
        if not self.limited:
            return None
        return max(0, self._stock - self.one_off - self.subscribed - self.held)

    @property
    def left_for_subscriptions(self) -> int | None:
        """What a subscription's order may still take (None: no limit)."""
        if not self.limited:
            return None
        return max(0, self._stock - self.one_off - self.subscribed)

    @property
    def short(self) -> bool:
        """More baskets due to subscribers and taken by orders than the producer brings."""
        return self.limited and self.one_off + self.subscribed + self.held > self._stock


def lock_offers(session: Session, offers: Iterable[Offer]) -> None:
    """Lock the offers' rows (PostgreSQL: SELECT … FOR UPDATE), in id order, until the
    transaction ends: two orders of the same basket count its stock one after the other, and
    the second sees the first. Taken before the slots' places (orders.service), always in the
    same order, so that two orders never wait on each other. SQLite serialises writes anyway."""
    ids = sorted({offer.id for offer in offers})
    if ids:
        session.execute(
            sa.select(Offer.id).where(Offer.id.in_(ids)).order_by(Offer.id).with_for_update()
        ).all()


def _ordered(session: Session, offer: Offer, day: date) -> tuple[int, int]:
    """(one-off, subscriptions): the baskets of `offer` ordered for `day` and still held."""
    rows = session.execute(
        sa.select(Order.origin, sa.func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.offer_id == offer.id,
            OrderLine.delivery_day == day,
            Order.status.not_in(RELEASED),
        )
        .group_by(Order.origin)
    ).all()
    totals = {False: 0, True: 0}
    for origin, total in rows:
        totals[origin is OrderOrigin.SUBSCRIPTION] += int(total or 0)
    return totals.get(False, 0), totals.get(True, 0)


def due_to_subscribers(subscription: BasketSubscription, day: date) -> bool:
    """Whether a live subscription brings a basket on `day` (every `every_weeks` weeks from
    its first delivery, not in a pause, its customer still one)."""
    gap = (day - subscription.first_delivery).days
    if gap < 0 or gap % (7 * subscription.every_weeks):
        return False
    if subscription.status is SubscriptionStatus.STOPPED:
        return False
    paused = subscription.status is SubscriptionStatus.PAUSED
    if paused and subscription.paused_until is not None and day <= subscription.paused_until:
        return False
    customer = subscription.customer
    return customer.is_active_account and customer.is_customer


def held_by_subscriptions(session: Session, offer: Offer, day: date) -> int:
    """The baskets live subscriptions are due on `day` whose week is not recorded yet (a week
    recorded is ordered, counted with the orders, or brings nothing)."""
    recorded = sa.select(BasketDelivery.id).where(
        BasketDelivery.subscription_id == BasketSubscription.id, BasketDelivery.day == day
    )
    subscriptions = session.scalars(
        sa.select(BasketSubscription)
        .where(
            BasketSubscription.offer_id == offer.id,
            BasketSubscription.status != SubscriptionStatus.STOPPED,
            ~recorded.exists(),
        )
        .options(selectinload(BasketSubscription.customer))
    ).all()
    return sum(s.quantity for s in subscriptions if due_to_subscribers(s, day))


def availability(session: Session, offer: Offer, day: date) -> Availability:
    """The baskets of `offer` for the delivery of `day`."""
    one_off, subscribed = _ordered(session, offer, day)
    return Availability(
        stock=offer.stock_per_delivery,
        one_off=one_off,
        subscribed=subscribed,
        held=held_by_subscriptions(session, offer, day),
        closed=is_closed(offer.provider, day),
    )


def first_short_delivery(
    session: Session, offer: Offer, *, today: date, weeks: int = 4
) -> tuple[date, Availability] | None:
    """The first of the offer's next `weeks` deliveries where the subscribers are due more
    baskets than the stock (after the concierge lowered it, say), with its figures; None when
    every one holds them."""
    if offer.kind is not OfferKind.BASKET or offer.stock_per_delivery is None:
        return None
    day = today + timedelta(days=(offer.delivery_weekday - today.weekday()) % 7)
    for _week in range(weeks):
        seen = availability(session, offer, day)
        if not seen.closed and seen.subscribed + seen.held > offer.stock_per_delivery:
            return day, seen
        day += timedelta(weeks=1)
    return None


# The producer's list --------------------------------------------------------------------------


def initials(name: str) -> str:
    """A customer's initials (privacy: the producer needs no more to match a basket)."""
    return "".join(part[0].upper() for part in name.split() if part[:1].isalpha())[:3]


@dataclass(frozen=True)
class DeliveryRow:
    line: OrderLine

    @property
    def initials(self) -> str:
        return initials(self.line.order.customer.full_name or "")


@dataclass
class DeliveryList:
    """What was ordered from a producer for one delivery day: a row per order line, and the
    total per offer with its stock."""

    day: date
    rows: list[DeliveryRow] = field(default_factory=list)
    totals: list[tuple[Offer, int, Availability]] = field(default_factory=list)


def basket_offers(session: Session, provider_id: int) -> list[Offer]:
    return list(
        session.scalars(
            sa.select(Offer)
            .where(Offer.provider_id == provider_id, Offer.kind == OfferKind.BASKET)
            .options(selectinload(Offer.provider).selectinload(Provider.closures))
            .order_by(Offer.position, Offer.id)
        )
    )


def delivery_days(session: Session, provider_id: int, *, today: date, weeks: int = 4) -> list[date]:
    """The provider's delivery days from two weeks ago to `weeks` weeks ahead: the weekdays of
    its basket offers still sold, and any day it has basket lines for."""
    start, end = today - timedelta(weeks=2), today + timedelta(weeks=weeks)
    days = set(
        session.scalars(
            sa.select(OrderLine.delivery_day)
            .where(
                OrderLine.provider_id == provider_id,
                OrderLine.kind == OfferKind.BASKET,
                OrderLine.delivery_day.between(start, end),
            )
            .distinct()
        )
    )
    for offer in basket_offers(session, provider_id):
        if offer.is_active and offer.delivery_weekday is not None:
            day = start + timedelta(days=(offer.delivery_weekday - start.weekday()) % 7)
            while day <= end:
                days.add(day)
                day += timedelta(weeks=1)
    return sorted(days)


def delivery_list(session: Session, provider_id: int, day: date) -> DeliveryList:
    """The provider's basket lines for the delivery of `day` that still hold their baskets, by
    pickup slot then order code, with the totals per offer."""
    lines = session.scalars(
        sa.select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.provider_id == provider_id,
            OrderLine.kind == OfferKind.BASKET,
            OrderLine.delivery_day == day,
            Order.status.not_in(RELEASED),
        )
        .options(
            selectinload(OrderLine.order).selectinload(Order.customer),
            selectinload(OrderLine.order).selectinload(Order.pickup_slot),
        )
    ).all()
    lines = sorted(lines, key=lambda line: (line.order.pickup_slot.starts_at, line.order.code))
    found = DeliveryList(day=day, rows=[DeliveryRow(line) for line in lines])
    for offer in basket_offers(session, provider_id):
        ordered = sum(line.quantity for line in lines if line.offer_id == offer.id)
        if ordered or (offer.is_active and offer.delivery_weekday == day.weekday()):
            found.totals.append((offer, ordered, availability(session, offer, day)))
    return found
