"""Basket subscriptions: their delivery days, skipping a week, pausing, stopping, and placing
each week's order.

Plain functions over a session: they flush, never commit, and raise a SubscriptionError with a
message a person can read. The caller commits once (with the mails, written to the outbox).

How a subscription's basket is paid: its orders are placed by the scheduled job while the
customer is at no checkout page, so they cannot follow the 30-minute online hold of a normal
checkout (`payments.expire_unpaid` would cancel them). They are therefore always placed as
paid at the desk, confirmed at once, places held. When the subscription says online, the order
is then marked online: still confirmed, with no hold to expire, it shows "pay online" on its
page (`payments.pay_balance`, linked from the mail), and what is not paid online by the pickup
is simply paid at the desk.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conciergerie.errors import DomainError
from conciergerie.i18n import calendar_day, moment
from conciergerie.models import (
    BasketDelivery,
    BasketSubscription,
    DeliveryOutcome,
    Offer,
    OfferKind,
    Order,
    OrderStatus,
    PaymentMethod,
    SubscriptionStatus,
    User,
)
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.slots import service as slots
from conciergerie.stock import service as stock
from conciergerie.subscriptions import notifications
from conciergerie.timeutils import at_local, local_date, start_of_local_day

log = logging.getLogger(__name__)

MAX_QUANTITY = 10
FIRST_DELIVERY_CHOICES = 6  # how many coming deliveries a new subscription may start on
MAX_PAUSE = timedelta(days=366)
# What a subscription's withdrawn basket may still be (cancelled already counts: nothing to do).
CANCELLABLE = orders.CANCELLABLE | {OrderStatus.CANCELLED}


class SubscriptionError(DomainError):
    """A subscription cannot be made or changed as asked."""


class SubscriptionNotAllowed(SubscriptionError):
    """Not this person's to do (another customer's subscription, a staff account)."""

    code = "forbidden"
    status = 403


class TooLate(SubscriptionError):
    """The delivery's order cut-off has passed."""

    code = "too_late"
    status = 409


class StateChanged(SubscriptionError):
    """The subscription or the week is no longer as the page showed it (stopped, resumed, the
    basket ordered meanwhile…)."""

    code = "invalid_transition"
    status = 409


class OrderNotWithdrawn(SubscriptionError):
    """The order of a week cannot be cancelled (under way at the desk, a refund refused): the
    refusal keeps the status of the order's own (409, or 502 when Stripe failed)."""

    def __init__(self, message: str, *, cause: DomainError):
        super().__init__(message)
        self.code, self.status = cause.code, cause.status


# Delivery days ----------------------------------------------------------------------------------


def is_delivery_day(subscription: BasketSubscription, day: date) -> bool:
    """Whether a basket is due on `day`: every `every_weeks` weeks from the first delivery."""
    gap = (day - subscription.first_delivery).days
    return gap >= 0 and gap % (7 * subscription.every_weeks) == 0


def delivery_days(subscription: BasketSubscription, *, start: date, count: int) -> list[date]:
    """The first `count` delivery days on or after `start`."""
    step = 7 * subscription.every_weeks
    gap = (start - subscription.first_delivery).days
    day = subscription.first_delivery + timedelta(days=max(0, -(-gap // step)) * step)
    return [day + timedelta(days=step * n) for n in range(count)]


def cutoff(subscription: BasketSubscription, day: date) -> datetime:
    return orders.basket_cutoff(subscription.offer, day)


def open_deliveries(offer: Offer, *, now: datetime, count: int = FIRST_DELIVERY_CHOICES):
    """The next `count` delivery days of `offer` that can still be ordered at `now`."""
    first = orders.next_delivery_day(offer, now)
    return [first + timedelta(weeks=n) for n in range(count)]


def in_pause(subscription: BasketSubscription, day: date) -> bool:
    return (
        subscription.status is SubscriptionStatus.PAUSED
        and subscription.paused_until is not None
        and day <= subscription.paused_until
    )


@dataclass(frozen=True)
class Delivery:
    """One coming delivery day of a subscription, as the customer sees it."""

    day: date
    cutoff: datetime
    record: BasketDelivery | None
    paused: bool
    withdrawn: bool = False  # the basket is not offered at the moment

    @property
    def state(self) -> str:
        """planned, ordered, skipped, paused, not_placed or withdrawn: what was recorded for the
        day, else what the day looks like now (a basket not offered now is not "planned")."""
        if self.record is not None:
            return self.record.outcome.value
        if self.paused:
            return "paused"
        return "withdrawn" if self.withdrawn else "planned"

    def can_change(self, now: datetime) -> bool:
        return now < self.cutoff


def coming_deliveries(
    session: Session, subscription: BasketSubscription, *, now: datetime, count: int = 4
) -> list[Delivery]:
    """The next `count` delivery days from today (Paris time), with what became of each; while
    the basket is withdrawn, the days not recorded yet are shown withdrawn, not planned."""
    if subscription.status is SubscriptionStatus.STOPPED:
        return []
    withdrawn = not subscription.is_offered
    days = delivery_days(subscription, start=local_date(now), count=count)
    records = {
        record.day: record
        for record in session.scalars(
            sa.select(BasketDelivery).where(
                BasketDelivery.subscription_id == subscription.id,
                BasketDelivery.day.in_(days),
            )
        )
    }
    return [
        Delivery(
            day=day,
            cutoff=cutoff(subscription, day),
            record=records.get(day),
            paused=in_pause(subscription, day),
            withdrawn=withdrawn,
        )
        for day in days
    ]


def next_delivery(
    session: Session, subscription: BasketSubscription, *, now: datetime
) -> Delivery | None:
    """The first coming delivery that brings a basket (planned or ordered), for the desk. While
    the basket is withdrawn, only a basket ordered before is one."""
    for delivery in coming_deliveries(session, subscription, now=now, count=8):
        if delivery.state in ("planned", "ordered"):
            return delivery
    return None


def tell_of_new_price(session: Session, offer: Offer, old_cents: int) -> int:
    """A basket's price changed (the concierge's form or its producer's portal): its live
    subscribers are mailed before a basket is ordered at it (orders keep the price they were
    placed at; a subscription's next week is a new order). Returns how many were told."""
    live = session.scalars(
        sa.select(BasketSubscription).where(
            BasketSubscription.offer_id == offer.id,
            BasketSubscription.status != SubscriptionStatus.STOPPED,
        )
    ).all()
    for subscription in live:
        notifications.send_new_price(subscription, old_cents)
    return len(live)


def subscriptions_of(session: Session, customer: User) -> list[BasketSubscription]:
    return list(
        session.scalars(
            sa.select(BasketSubscription)
            .where(BasketSubscription.customer_id == customer.id)
            .order_by(
                BasketSubscription.status == SubscriptionStatus.STOPPED, BasketSubscription.id
            )
        )
    )


def all_subscriptions(session: Session) -> list[BasketSubscription]:
    return list(
        session.scalars(
            sa.select(BasketSubscription)
            .options(
                sa.orm.selectinload(BasketSubscription.customer),
                sa.orm.selectinload(BasketSubscription.offer).selectinload(Offer.provider),
            )
            .order_by(
                BasketSubscription.status == SubscriptionStatus.STOPPED, BasketSubscription.id
            )
        )
    )


def frequency_label(subscription: BasketSubscription) -> str:
    return _("Chaque semaine") if subscription.every_weeks == 1 else _("Toutes les deux semaines")


def status_label(status: SubscriptionStatus) -> str:
    return {
        SubscriptionStatus.ACTIVE: _("En cours"),
        SubscriptionStatus.PAUSED: _("En pause"),
        SubscriptionStatus.STOPPED: _("Arrêté"),
    }[status]


# The customer's changes -------------------------------------------------------------------------


def _own(subscription: BasketSubscription, actor: User) -> None:
    if subscription.customer_id != actor.id:
        raise SubscriptionNotAllowed(_("Cet abonnement n'est pas le vôtre."))


def _lock(session: Session, subscription: BasketSubscription) -> None:
    """Reload the subscription's row under a lock (PostgreSQL: SELECT … FOR UPDATE) before a
    change: the job and the customer's clicks then act one after the other, each seeing the
    other's result (no basket ordered for a subscription stopped meanwhile, no stopped
    subscription paused again from a page loaded before)."""
    session.refresh(subscription, with_for_update=True)


def _not_stopped(subscription: BasketSubscription) -> None:
    if subscription.status is SubscriptionStatus.STOPPED:
        raise StateChanged(_("Cet abonnement est arrêté."))


def _check_open(subscription: BasketSubscription, day: date, now: datetime) -> None:
    if not is_delivery_day(subscription, day):
        raise SubscriptionError(_("Pas de panier prévu ce jour-là."))
    closed = cutoff(subscription, day)
    if now >= closed:
        raise TooLate(
            _(
                "Trop tard : les commandes du panier du %(day)s ont fermé le %(when)s.",
                day=calendar_day(day),
                when=moment(closed),
            )
        )


def _check_subscription_request(
    customer: User,
    offer: Offer,
    *,
    quantity: int,
    every_weeks: int,
    first_delivery: date,
    payment: PaymentMethod,
    now: datetime,
    settings: orders.OrderSettings,
) -> None:
    """Who subscribes, to what, how often, from when and how they pay: the checks that need
    no lock."""
    if not customer.is_customer:
        raise SubscriptionNotAllowed(
            _("Seuls les habitant·es et salarié·es de La Grappe s'abonnent.")
        )
    if offer.kind is not OfferKind.BASKET:
        raise SubscriptionError(_("Seuls les paniers se prennent en abonnement."))
    if not (offer.is_active and offer.provider.is_active):
        raise SubscriptionError(_("L'offre « %(name)s » n'est plus proposée.", name=offer.name))
    if not 1 <= quantity <= MAX_QUANTITY:
        raise SubscriptionError(
            _("La quantité doit être comprise entre 1 et %(max)d.", max=MAX_QUANTITY)
        )
    if every_weeks not in (1, 2):
        raise SubscriptionError(_("Choisissez chaque semaine ou toutes les deux semaines."))
    if first_delivery not in open_deliveries(offer, now=now):
        raise SubscriptionError(_("Choisissez une des prochaines livraisons encore ouvertes."))
    if payment is PaymentMethod.ONLINE and not settings.online_payment:
        raise SubscriptionError(_("Le paiement en ligne n'est pas disponible."))


def _lock_no_live_subscription(session: Session, customer: User, offer: Offer) -> None:
    """Lock the customer's row, then check they have no live subscription to `offer`."""
    # One live subscription per basket (more baskets: a larger quantity). The customer's row is
    # locked so that a form sent twice cannot make two.
    session.refresh(customer, with_for_update=True)
    live = session.scalar(
        sa.select(BasketSubscription.id).where(
            BasketSubscription.customer_id == customer.id,
            BasketSubscription.offer_id == offer.id,
            BasketSubscription.status != SubscriptionStatus.STOPPED,
        )
    )
    if live is not None:
        raise StateChanged(_("Vous êtes déjà abonné·e à ce panier : modifiez cet abonnement-là."))


def _check_room(session: Session, offer: Offer, day: date, quantity: int) -> None:
    """A basket with a stock: the subscriptions due on its first delivery, this one added, fit
    in it (subscriptions take their places first: stock.service)."""
    if offer.stock_per_delivery is None:
        return
    stock.lock_offers(session, [offer])
    seen = stock.availability(session, offer, day)
    if seen.subscribed + seen.held + quantity > offer.stock_per_delivery:
        raise SubscriptionError(
            _(
                "Plus assez de « %(name)s » pour un nouvel abonnement : le producteur en apporte "
                "%(stock)d par livraison, et les abonné·es les ont déjà.",
                name=offer.name,
                stock=offer.stock_per_delivery,
            )
        )


def subscribe(
    session: Session,
    *,
    customer: User,
    offer: Offer,
    quantity: int,
    every_weeks: int,
    first_delivery: date,
    pickup_from: time,
    payment: PaymentMethod,
    now: datetime,
    lead: timedelta,
    settings: orders.OrderSettings,
) -> BasketSubscription:
    """Subscribe `customer` to `offer`, from `first_delivery` (still open for orders). A first
    basket already due (its cut-off near) is ordered at once."""
    _check_subscription_request(
        customer,
        offer,
        quantity=quantity,
        every_weeks=every_weeks,
        first_delivery=first_delivery,
        payment=payment,
        now=now,
        settings=settings,
    )
    _lock_no_live_subscription(session, customer, offer)
    _check_room(session, offer, first_delivery, quantity)
    subscription = BasketSubscription(
        customer=customer,
        offer=offer,
        quantity=quantity,
        every_weeks=every_weeks,
        first_delivery=first_delivery,
        pickup_from=pickup_from,
        payment_method=payment,
        status=SubscriptionStatus.ACTIVE,
        created_at=now,
    )
    session.add(subscription)
    session.flush()
    announce(session, place_due(session, subscription, now=now, lead=lead, settings=settings))
    return subscription


def _withdraw_order(
    session: Session, delivery: BasketDelivery, outcome: DeliveryOutcome, *, actor, gateway, now
) -> None:
    """Cancel the order of an ordered delivery (freeing its slot place, refunding an online
    payment) and record `outcome` instead."""
    order = delivery.order
    if order is not None and order.status is not OrderStatus.CANCELLED:
        try:
            payments.cancel_and_refund(session, order, actor=actor, gateway=gateway, now=now)
        except DomainError as error:  # under way at the desk already, a refund refused
            raise OrderNotWithdrawn(
                _(
                    "La commande %(code)s de ce panier ne peut pas être annulée : %(error)s",
                    code=order.code,
                    error=str(error),
                ),
                cause=error,
            ) from error
    delivery.outcome = outcome
    delivery.order = None
    delivery.at = now


def _record(session: Session, subscription: BasketSubscription, day: date) -> BasketDelivery | None:
    return session.scalar(
        sa.select(BasketDelivery)
        .where(BasketDelivery.subscription_id == subscription.id, BasketDelivery.day == day)
        .with_for_update()
    )


def skip(
    session: Session,
    subscription: BasketSubscription,
    day: date,
    *,
    actor: User,
    now: datetime,
    gateway=None,
) -> None:
    """Skip the basket of `day`, until its cut-off; an order already placed for it is cancelled."""
    _own(subscription, actor)
    _lock(session, subscription)
    _not_stopped(subscription)
    _check_open(subscription, day, now)
    record = _record(session, subscription, day)
    if record is None:
        if in_pause(subscription, day):
            raise SubscriptionError(_("Ce jour tombe dans votre pause : pas de panier prévu."))
        try:
            with session.begin_nested():
                session.add(
                    BasketDelivery(
                        subscription=subscription, day=day, outcome=DeliveryOutcome.SKIPPED, at=now
                    )
                )
        except IntegrityError as error:  # the job ordered it meanwhile
            raise StateChanged(_("Ce panier vient d'être commandé : réessayez.")) from error
    elif record.outcome is DeliveryOutcome.ORDERED:
        _withdraw_order(
            session, record, DeliveryOutcome.SKIPPED, actor=actor, gateway=gateway, now=now
        )
    elif record.outcome is not DeliveryOutcome.SKIPPED:
        raise SubscriptionError(_("Pas de panier prévu ce jour-là."))
    session.flush()


def unskip(
    session: Session,
    subscription: BasketSubscription,
    day: date,
    *,
    actor: User,
    now: datetime,
    lead: timedelta,
    settings: orders.OrderSettings,
) -> None:
    """Take back a skip before the cut-off; the order is placed at once if it is already due."""
    _own(subscription, actor)
    _lock(session, subscription)
    _not_stopped(subscription)
    _check_open(subscription, day, now)
    record = _record(session, subscription, day)
    if record is None or record.outcome is not DeliveryOutcome.SKIPPED:
        raise StateChanged(_("Ce panier n'est pas sauté."))
    session.delete(record)
    session.flush()
    announce(session, place_due(session, subscription, now=now, lead=lead, settings=settings))


def pause(
    session: Session,
    subscription: BasketSubscription,
    until: date,
    *,
    actor: User,
    now: datetime,
    gateway=None,
) -> None:
    """No basket up to `until` (included); baskets already ordered in the pause are cancelled
    while their cut-off is still ahead."""
    _own(subscription, actor)
    _lock(session, subscription)
    _not_stopped(subscription)
    today = local_date(now)
    if until < today:
        raise SubscriptionError(_("Cette date est déjà passée."))
    if until > today + MAX_PAUSE:
        raise SubscriptionError(_("Une pause dure au plus un an."))
    subscription.status = SubscriptionStatus.PAUSED
    subscription.paused_until = until
    for record in _changeable_orders(session, subscription, now=now, until=until):
        _withdraw_order(
            session, record, DeliveryOutcome.PAUSED, actor=actor, gateway=gateway, now=now
        )
    # A pause made shorter: the weeks after its new end get their basket again (the job
    # orders them).
    _give_back_paused_weeks(session, subscription, now=now, after=until)


def resume(
    session: Session,
    subscription: BasketSubscription,
    *,
    actor: User,
    now: datetime,
    lead: timedelta,
    settings: orders.OrderSettings,
) -> None:
    """End a pause now: the weeks still open get their basket again."""
    _own(subscription, actor)
    _lock(session, subscription)
    if subscription.status is not SubscriptionStatus.PAUSED:
        raise StateChanged(_("Cet abonnement n'est pas en pause."))
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.paused_until = None
    _give_back_paused_weeks(session, subscription, now=now)
    announce(session, place_due(session, subscription, now=now, lead=lead, settings=settings))


def _give_back_paused_weeks(
    session: Session, subscription: BasketSubscription, *, now: datetime, after: date | None = None
) -> None:
    """Forget the weeks recorded as paused (after `after`) whose cut-off is still ahead."""
    query = sa.select(BasketDelivery).where(
        BasketDelivery.subscription_id == subscription.id,
        BasketDelivery.outcome == DeliveryOutcome.PAUSED,
    )
    if after is not None:
        query = query.where(BasketDelivery.day > after)
    for record in session.scalars(query).all():
        if cutoff(subscription, record.day) > now:
            session.delete(record)
    session.flush()
    session.expire(subscription, ["deliveries"])


def stop(
    session: Session, subscription: BasketSubscription, *, actor: User, now: datetime, gateway=None
) -> None:
    """Stop for good; baskets already ordered are cancelled while their cut-off is ahead."""
    _own(subscription, actor)
    _lock(session, subscription)
    _not_stopped(subscription)
    subscription.status = SubscriptionStatus.STOPPED
    subscription.paused_until = None
    subscription.stopped_at = now
    for record in _changeable_orders(session, subscription, now=now):
        _withdraw_order(
            session, record, DeliveryOutcome.SKIPPED, actor=actor, gateway=gateway, now=now
        )
    session.flush()


def _changeable_orders(
    session: Session, subscription: BasketSubscription, *, now: datetime, until: date | None = None
) -> list[BasketDelivery]:
    query = sa.select(BasketDelivery).where(
        BasketDelivery.subscription_id == subscription.id,
        BasketDelivery.outcome == DeliveryOutcome.ORDERED,
        BasketDelivery.day >= local_date(now),
    )
    if until is not None:
        query = query.where(BasketDelivery.day <= until)
    return [
        record
        for record in session.scalars(query.with_for_update())
        if cutoff(subscription, record.day) > now
        # An order already under way (handed over early, say) is kept, like one past its cut-off.
        and (record.order is None or record.order.status in CANCELLABLE)
    ]


# Placing the week's orders ----------------------------------------------------------------------


def due_days(subscription: BasketSubscription, *, now: datetime, lead: timedelta) -> list[date]:
    """Delivery days whose cut-off falls in (now, now + lead]: the orders to place now."""
    days = delivery_days(subscription, start=local_date(now), count=1 + lead.days // 7 + 1)
    return [day for day in days if now < cutoff(subscription, day) <= now + lead]


def _pickup_slots(subscription: BasketSubscription, day: date, session: Session):
    """Slots of `day` from the customer's usual time, with a place left, earliest first."""
    return slots.open_slots(
        session,
        after=at_local(day, subscription.pickup_from) - timedelta(seconds=1),
        until=start_of_local_day(day + timedelta(days=1)),
        limit=20,
    )


def _order(
    session: Session,
    subscription: BasketSubscription,
    day: date,
    *,
    now: datetime,
    settings: orders.OrderSettings,
) -> Order | DeliveryOutcome:
    """Place the order of `day` in the first slot that takes it; SHORT when the producer brings
    too few baskets that day for this subscription too (stock.service), NOT_PLACED when no slot
    takes it."""
    offer = subscription.offer
    for slot in _pickup_slots(subscription, day, session):
        try:
            with session.begin_nested():  # a failed attempt gives back what it took
                order = orders.place_order(
                    session,
                    customer=subscription.customer,
                    lines=[orders.RequestedLine(offer, subscription.quantity)],
                    dropoff_slot=None,
                    pickup_slot=slot,
                    note="",
                    payment=PaymentMethod.DESK,  # see the module's docstring
                    now=now,
                    settings=settings,
                    for_subscription=day,  # not held to the customer's own limits
                    confirm_by_mail=False,  # the delivery's own mail tells the subscriber
                )
        except orders.SlotUnavailable:
            continue  # taken meanwhile: the next slot of the day
        except orders.SoldOut:
            return DeliveryOutcome.SHORT
        except orders.OrderError as error:
            log.info("subscription %s, %s: not placed: %s", subscription.id, day, error)
            return DeliveryOutcome.NOT_PLACED
        order.payment_method = subscription.payment_method  # see the module's docstring
        return order
    return DeliveryOutcome.NOT_PLACED


def _set_outcome(record: BasketDelivery, placed: Order | DeliveryOutcome) -> None:
    if isinstance(placed, Order):
        record.outcome, record.order = DeliveryOutcome.ORDERED, placed
    else:
        record.outcome, record.order = placed, None


def place_delivery(
    session: Session,
    subscription: BasketSubscription,
    day: date,
    *,
    now: datetime,
    settings: orders.OrderSettings,
) -> BasketDelivery | None:
    """Record what becomes of `day`: ordered, paused, withdrawn (the basket or its provider not
    offered at the moment: the subscription is kept, and the weeks after are ordered again once
    it is back), short (the producer brings too few baskets that day) or not placed (no pickup
    place left that day, the order refused).

    The day is claimed first by inserting its row: the unique (subscription, day) makes a
    concurrent run (or a customer's click) fail here, and None is returned, nothing done.
    """
    record = BasketDelivery(
        subscription_id=subscription.id, day=day, outcome=DeliveryOutcome.NOT_PLACED, at=now
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    if in_pause(subscription, day):
        record.outcome = DeliveryOutcome.PAUSED
    elif not subscription.is_offered:
        record.outcome = DeliveryOutcome.WITHDRAWN
    else:
        _set_outcome(record, _order(session, subscription, day, now=now, settings=settings))
    session.flush()
    return record


# The outcomes that say whether the basket was offered that week (a skipped or paused week does
# not: the job does not look at the offer then).
_OFFER_SEEN = (
    DeliveryOutcome.ORDERED,
    DeliveryOutcome.NOT_PLACED,
    DeliveryOutcome.WITHDRAWN,
    DeliveryOutcome.SHORT,
)


def newly_withdrawn(session: Session, record: BasketDelivery) -> bool:
    """Whether `record` is the first withdrawn week of a withdrawal: the week before it that
    says anything about the offer (skipped and paused weeks do not) was not withdrawn, or there
    is none. The customer is told then, once, not every week the basket stays withdrawn."""
    if record.outcome is not DeliveryOutcome.WITHDRAWN:
        return False
    before = session.scalar(
        sa.select(BasketDelivery.outcome)
        .where(
            BasketDelivery.subscription_id == record.subscription_id,
            BasketDelivery.day < record.day,
            BasketDelivery.outcome.in_(_OFFER_SEEN),
        )
        .order_by(BasketDelivery.day.desc())
        .limit(1)
    )
    return before is not DeliveryOutcome.WITHDRAWN


def announce(session: Session, records: Sequence[BasketDelivery]) -> None:
    """Mail the customer (in the transaction) each basket ordered or not placed, and the first week
    of a withdrawal (not the weeks after it: the basket is still withdrawn, nothing new)."""
    session.flush()
    for record in sorted(records, key=lambda record: record.day):
        if record.outcome is DeliveryOutcome.PAUSED:
            continue
        if record.outcome is DeliveryOutcome.WITHDRAWN and not newly_withdrawn(session, record):
            continue
        notifications.send_delivery(record)


def place_due(
    session: Session,
    subscription: BasketSubscription,
    *,
    now: datetime,
    lead: timedelta,
    settings: orders.OrderSettings,
) -> list[BasketDelivery]:
    """Place (or record as paused / withdrawn / not placed) each due delivery not recorded yet.
    A due day recorded as withdrawn is placed after all when its basket is back before the
    cut-off."""
    if subscription.status is SubscriptionStatus.STOPPED:
        return []
    customer = subscription.customer
    if not (customer.is_active_account and customer.is_customer):
        return []  # an account closed by the desk (or no longer a customer's): no basket
    if (
        subscription.status is SubscriptionStatus.PAUSED
        and subscription.paused_until is not None
        and subscription.paused_until < local_date(now)
    ):
        subscription.status = SubscriptionStatus.ACTIVE  # the holidays are over
        subscription.paused_until = None
    recorded = {
        day: outcome
        for day, outcome in session.execute(
            sa.select(BasketDelivery.day, BasketDelivery.outcome).where(
                BasketDelivery.subscription_id == subscription.id
            )
        )
    }
    done = []
    for day in due_days(subscription, now=now, lead=lead):
        if day < subscription.first_delivery:
            continue
        if day not in recorded:
            record = place_delivery(session, subscription, day, now=now, settings=settings)
        elif recorded[day] is DeliveryOutcome.WITHDRAWN and subscription.is_offered:
            record = _place_withdrawn_again(session, subscription, day, now=now, settings=settings)
        else:
            continue
        if record is not None:
            done.append(record)
    session.flush()
    return done


def _place_withdrawn_again(
    session: Session,
    subscription: BasketSubscription,
    day: date,
    *,
    now: datetime,
    settings: orders.OrderSettings,
) -> BasketDelivery | None:
    """The basket of `day` was withdrawn when the job came, and is offered again before the
    cut-off: order it after all (or record it not placed). None when it is no longer a
    withdrawn day (changed meanwhile) or falls in a pause."""
    record = _record(session, subscription, day)
    if record is None or record.outcome is not DeliveryOutcome.WITHDRAWN:
        return None
    if in_pause(subscription, day):
        return None
    _set_outcome(record, _order(session, subscription, day, now=now, settings=settings))
    record.at = now
    session.flush()
    return record


def place_subscription_orders(
    session: Session, *, now: datetime, lead: timedelta, settings: orders.OrderSettings
) -> dict[DeliveryOutcome | str, int]:
    """The scheduled sweep: every live subscription's due deliveries. Safe to run again (a day
    is recorded once); one subscription that fails is logged and the others go on."""
    counts: dict[DeliveryOutcome | str, int] = {}
    ids = session.scalars(
        sa.select(BasketSubscription.id)
        .where(BasketSubscription.status != SubscriptionStatus.STOPPED)
        .order_by(BasketSubscription.id)
    ).all()
    placed: list[BasketDelivery] = []
    for subscription_id in ids:
        try:
            with session.begin_nested():
                # Under a lock, as it is now: a customer's stop or pause committed since the
                # ids were read is seen, and one made during the run waits for it.
                subscription = session.get(
                    BasketSubscription,
                    subscription_id,
                    with_for_update=True,
                    populate_existing=True,
                )
                records = place_due(session, subscription, now=now, lead=lead, settings=settings)
        except Exception:
            log.exception("subscription %s: its orders could not be placed", subscription_id)
            counts["failed"] = counts.get("failed", 0) + 1
            continue
        placed.extend(records)  # only what was kept
        for record in records:
            counts[record.outcome] = counts.get(record.outcome, 0) + 1
    # Announced once every savepoint is over, for what was kept only.
    announce(session, placed)
    return counts


def figures(counts: dict[DeliveryOutcome | str, int]) -> dict[str, int]:
    """The counts of a run of `place_subscription_orders`, for the jobs page
    (jobs/summaries.py)."""
    return {
        "ordered": counts.get(DeliveryOutcome.ORDERED, 0),
        "paused": counts.get(DeliveryOutcome.PAUSED, 0),
        # A short week is not placed either (the producer brought too few baskets).
        "not_placed": counts.get(DeliveryOutcome.NOT_PLACED, 0)
        + counts.get(DeliveryOutcome.SHORT, 0),
        "withdrawn": counts.get(DeliveryOutcome.WITHDRAWN, 0),
        "failed": counts.get("failed", 0),
    }
