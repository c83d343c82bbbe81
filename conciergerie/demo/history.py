"""The demo's past: thirteen weeks of a lived-in desk, replayed through the services.

Each step is taken by the service that takes it in the app — an order placed, its payment
online, its items received at the desk, planned on the day's rounds and tapped by the volunteer,
made ready (or found impossible, or quoted) by the provider, paid and handed over, a basket
subscription's weekly order, the jobs' sweeps, the payouts to the providers — at the moment it
happened, with that moment as the service's `now`. So every figure derived from them (ledgers,
invoices, the month's accounts, what is owed to the providers, the impact report) is the app's
own, never typed in.

The steps wait in a queue by time and are taken in that order up to `now`: a step that falls
after `now` has not happened yet. The orders of today and the coming days therefore stand
where their slots put them (expected at a drop-off still to come, on today's rounds, back at
the desk for a pickup tomorrow), and nothing is received before its drop-off slot starts nor
handed over before its pickup slot. A fixed seed: the same `now` gives the same past (order
codes apart, drawn by the orders service). The mails of the past are not written: they left
at the time (`mail.held_back`).
"""

from __future__ import annotations

import dataclasses
import enum
import heapq
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.accounts.service import find_user_by_email
from conciergerie.demo import data
from conciergerie.demo.gateway import DemoStripe
from conciergerie.desk import service as desk
from conciergerie.errors import DomainError
from conciergerie.invoices import service as invoices
from conciergerie.mail import held_back
from conciergerie.models import (
    BasketSubscription,
    DeskSlot,
    Offer,
    OfferKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentKind,
    PaymentMethod,
    PickupRound,
    Provider,
    QuoteState,
    Role,
    RoundAction,
    RoundItem,
    RoundStop,
    User,
)
from conciergerie.orders import jobs as order_jobs
from conciergerie.orders import quotes
from conciergerie.orders import service as orders
from conciergerie.payments import service as payments
from conciergerie.payments.ledger import ledger
from conciergerie.payouts import service as payouts
from conciergerie.portal import service as portal
from conciergerie.rounds import planner
from conciergerie.rounds import service as rounds
from conciergerie.rounds.travel import TravelSource, source_from_config
from conciergerie.slots import service as slots
from conciergerie.subscriptions import service as subscriptions
from conciergerie.timeutils import (
    add_working_days,
    at_local,
    is_public_holiday,
    local,
    local_date,
    start_of_local_day,
)

log = logging.getLogger(__name__)

SEED = 59
WEEKS = 13
# Orders placed a day (Monday … Sunday), from which `orders_on` grows the desk's weeks.
ORDERS_A_DAY = [1.0] * 5 + [0.8, 0.2]
AT_THE_COUNTER = 0.3  # of the orders placed on a day the desk is open
ONLINE = 0.3  # of the orders that customers with an account place themselves


@dataclass(frozen=True)
class DemoSettings:
    """What the replay needs of the app's configuration."""

    orders: orders.OrderSettings
    depot: planner.Place
    travel: TravelSource  # the configured street distances (rounds/travel.py)
    slot_minutes: int
    slot_capacity: int
    slot_weeks_ahead: int
    subscription_lead: timedelta
    reminder_days: int
    uncollected_days: int

    @classmethod
    def from_config(cls, config: Mapping) -> DemoSettings:
        return cls(
            # Online payment was on in the past (the demo's Stripe, demo/gateway.py).
            orders=orders.OrderSettings.from_config(config, online_payment=True),
            depot=rounds.depot_of(config),
            travel=source_from_config(config),
            slot_minutes=config["SLOT_MINUTES"],
            slot_capacity=config["SLOT_CAPACITY"],
            slot_weeks_ahead=config["SLOT_WEEKS_AHEAD"],
            subscription_lead=timedelta(days=config["SUBSCRIPTION_LEAD_DAYS"]),
            reminder_days=config["UNCOLLECTED_REMINDER_DAYS"],
            uncollected_days=config["UNCOLLECTED_AFTER_DAYS"],
        )


def history_start(now: datetime) -> date:
    """The Monday thirteen weeks before the week of `now`: where the demo's past begins."""
    today = local_date(now)
    return today - timedelta(days=today.weekday(), weeks=WEEKS)


class Fate(enum.Enum):
    """What becomes of an order, drawn when it is placed."""

    COLLECTED = "collected"  # collected in its pickup slot
    LATE = "late"  # collected a few days after its slot
    CANCELLED = "cancelled"  # cancelled by the customer before its drop-off
    NO_SHOW = "no_show"  # never brought (an evening drop-off)
    CANNOT_DO = "cannot_do"  # the provider cannot do its first line
    UNCOLLECTED = "uncollected"  # left at the desk past the deadline, collected at last
    GESTURE = "gesture"  # a goodwill gesture of the concierge after the hand-over


# One order in five has a fate of its own, in turn from this list (the next order it fits when
# it does not fit this one: a basket is neither brought nor left to spoil, an order taken at the
# counter is there already): each fate happens, whatever the draws.
SPECIAL_FATES = [
    Fate.UNCOLLECTED,  # first: marked so thirty days later, still within the past
    Fate.LATE,
    Fate.CANCELLED,
    Fate.CANNOT_DO,
    Fate.GESTURE,
    Fate.LATE,
    Fate.NO_SHOW,
]


@dataclass(frozen=True)
class Customer:
    user_id: int | None  # None: a walk-in, found (or made) by name and phone at the counter
    name: str
    phone: str
    habit: str  # when they come: "morning", "lunch", "evening" or "saturday"
    online_only: bool = False


@dataclass(frozen=True)
class Request:
    """An order about to be placed, and what will become of it."""

    customer: Customer
    lines: tuple[tuple[int, int], ...]  # (offer id, quantity)
    counter: bool
    online: bool
    pay_early: bool  # at the desk: paid when the items are brought (else at the pickup)
    remarks: str
    fate: Fate = Fate.COLLECTED  # drawn when it is placed (`Replay._fate`)


def period(slot: DeskSlot) -> str:
    """The customer's habit a slot fits."""
    moment = local(slot.starts_at)
    if moment.weekday() == 5:
        return "saturday"
    return "morning" if moment.hour < 10 else "lunch" if moment.hour < 15 else "evening"


class Replay:
    """The queue of the past's steps, and the steps themselves."""

    def __init__(self, session: Session, *, now: datetime, settings: DemoSettings) -> None:
        self.session, self.now, self.settings = session, now, settings
        self.rng = random.Random(SEED)
        self.stripe = DemoStripe()
        self.done: Counter[str] = Counter()  # what was done, for the command's summary
        self._tally: Counter[str] = Counter()  # steps counted, to take turns
        self._queue: list[tuple[datetime, int, Callable, tuple]] = []
        self._ticket = itertools.count()
        self.requests: dict[int, Request] = {}  # order id → what becomes of it
        self._waiting: Fate | None = None  # the special fate for one of the next orders
        self._specials = 0  # special fates given so far
        self.concierge = find_user_by_email(session, "concierge@example.org")
        self.staff = {
            user.provider_id: user
            for user in session.scalars(
                sa.select(User).where(User.role == Role.PROVIDER).order_by(User.id.desc())
            )
        }
        self.customers = self._customers()
        self.services = [
            (self._offer(slug, name), most) for slug, name, most in data.USUAL_SERVICES
        ]
        self.on_quote = next(offer for offer, _most in self.services if offer.on_quote)
        self.baskets = [(self._offer("terre-d-opale", n), most) for n, most in data.USUAL_BASKETS]

    # The queue -----------------------------------------------------------------------------

    def at(self, when: datetime, step: Callable, *args: object) -> None:
        """Take `step(when, *args)` at `when`, if that is before now."""
        if when < self.now:
            heapq.heappush(self._queue, (when, next(self._ticket), step, args))

    def run(self) -> None:
        """Take the steps in the order of their moments. A step a service refuses is left out
        (and logged): the past goes on without it, as the desk's would."""
        while self._queue:
            when, _ticket, step, args = heapq.heappop(self._queue)
            try:
                step(when, *args)
            except DomainError as error:
                log.warning("demo: %s%s at %s refused: %s", step.__name__, args, when, error)
                self.done["étapes refusées"] += 1

    def _offer(self, slug: str, name: str) -> Offer:
        return self.session.scalar(
            sa.select(Offer).join(Provider).where(Provider.slug == slug, Offer.name == name)
        )

    def _customers(self) -> list[Customer]:
        habits = ["morning", "lunch", "evening", "evening", "saturday"]
        users = self.session.scalars(
            sa.select(User)
            .where(User.role.in_([Role.RESIDENT, Role.EMPLOYEE]), User.is_walk_in.is_(False))
            .order_by(User.id)
        ).all()
        found = [
            Customer(
                user.id,
                user.full_name,
                "",
                self.rng.choice(habits),
                online_only=user.email in data.ONLINE_ONLY,
            )
            for user in users
        ]
        return found + [
            Customer(None, name, phone, self.rng.choice(habits)) for name, phone in data.WALK_INS
        ]

    # The days ------------------------------------------------------------------------------

    def schedule(self, first_day: date) -> None:
        """Queue every day's routine and orders from `first_day` to today."""
        day = first_day
        while day <= local_date(self.now):
            if day.weekday() < 6 and not is_public_holiday(day):
                self.at(at_local(day, time(7, 15)), self._plan_day, day)
            self.at(at_local(day, time(10, 0)), self._jobs)
            if day.weekday() == 5:  # each Thursday's baskets are due from Saturday noon
                self.at(at_local(day, time(13, 0)), self._subscription_orders)
            if day.weekday() == 3:  # Terre d'Opale delivers on Thursdays (on a public
                # holiday, the next day the desk opens)
                delivery = add_working_days(day, 0)
                self.at(at_local(delivery, time(10, 30)), self._deliver_baskets, delivery)
            if day.day == 10:
                month = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
                self.at(at_local(day, time(11, 30)), self._pay_providers, month)
            for _n in range(self.orders_on(day, (day - first_day).days // 7)):
                self._schedule_order(day)
            day += timedelta(days=1)
        for email, basket, quantity, every, pickup, week, change in data.SUBSCRIPTIONS:
            when = at_local(first_day + timedelta(weeks=week, days=2), time(20, 0))
            self.at(when, self._subscribe, email, basket, quantity, every, pickup, change)

    def orders_on(self, day: date, week: int) -> int:
        """How many orders are placed on `day`, in the `week`-th week of the past: a third of
        `ORDERS_A_DAY` in the first week, growing as the quarter hears of the desk, half as
        many again in the last days (the orders in hand today and for the coming days)."""
        expected = ORDERS_A_DAY[day.weekday()] * (1 + 2 * min(week, WEEKS - 1) / (WEEKS - 1)) / 3
        if (local_date(self.now) - day).days < 6:
            expected *= 1.5
        return int(expected) + (self.rng.random() < expected % 1)

    def _slots_of(self, day: date) -> list[DeskSlot]:
        return list(
            self.session.scalars(
                sa.select(DeskSlot)
                .where(
                    DeskSlot.starts_at >= start_of_local_day(day),
                    DeskSlot.starts_at < start_of_local_day(day + timedelta(days=1)),
                )
                .order_by(DeskSlot.starts_at)
            )
        )

    def _schedule_order(self, day: date) -> None:
        rng = self.rng
        open_today = self._slots_of(day)
        counter = bool(open_today) and rng.random() < AT_THE_COUNTER
        pool = self.customers if counter else [c for c in self.customers if c.user_id]
        customer = rng.choice(pool)
        if counter:
            slot = rng.choice(open_today)
            when = slot.starts_at + timedelta(minutes=rng.randint(2, 20))
        else:
            when = at_local(day, time(rng.randint(7, 21), rng.randrange(60)))
        self.at(when, self._place, self._request(customer, counter=counter))

    def _request(self, customer: Customer, *, counter: bool) -> Request:
        rng = self.rng
        if not counter and rng.random() < 0.08:
            offer, most = rng.choice(self.baskets)
            lines = ((offer.id, rng.randint(1, most)),)
        else:
            chosen = rng.sample(self.services, 2 if rng.random() < 0.2 else 1)
            lines = tuple({o.id: (o.id, rng.randint(1, most)) for o, most in chosen}.values())
            self._tally["services"] += 1
            if self._tally["services"] % 8 == 3:  # now and then a bag to mend, on quote
                lines = ((self.on_quote.id, 1),)
        offers = [self.session.get(Offer, offer_id) for offer_id, _q in lines]
        if customer.online_only and any(o.on_quote for o in offers):
            lines = ((self.services[0][0].id, 2),)  # two shirts: nothing on quote
        on_quote = any(self.session.get(Offer, i).on_quote for i, _q in lines)
        online = not counter and not on_quote and (customer.online_only or rng.random() < ONLINE)
        return Request(
            customer,
            lines,
            counter,
            online,
            pay_early=rng.random() < 0.4,
            remarks=rng.choice(data.DROPOFF_REMARKS) if rng.random() < 0.1 else "",
        )

    def _fate(self, request: Request, lines: list[orders.RequestedLine]) -> Fate:
        """The special fate waiting (`SPECIAL_FATES`) if it fits this order, else none."""
        if self._waiting is None and self.done["commandes"] % 5 == 4:
            self._waiting = SPECIAL_FATES[self._specials % len(SPECIAL_FATES)]
        fate = self._waiting
        services = orders.needs_dropoff(lines)
        first = lines[0].offer
        fits = {
            None: False,
            Fate.LATE: True,
            Fate.GESTURE: True,
            Fate.CANCELLED: services and not request.counter,
            Fate.NO_SHOW: services and not request.counter and not request.online,
            Fate.CANNOT_DO: services
            and not first.on_quote
            and first.provider.slug in data.CANNOT_DO,
            Fate.UNCOLLECTED: services,
        }[fate]
        return fate if fits else Fate.COLLECTED

    # Placing -------------------------------------------------------------------------------

    def _choose(self, candidates: list[DeskSlot], habit: str, days: int) -> DeskSlot | None:
        """One of the first `days` days with a slot in the customer's habit, one of its slots."""
        fitting = [s for s in candidates if period(s) == habit] or candidates
        if not fitting:
            return None
        first_days = sorted({local_date(s.starts_at) for s in fitting})[:days]
        day = self.rng.choice(first_days)
        return self.rng.choice([s for s in fitting if local_date(s.starts_at) == day])

    def _slots_for(
        self, when: datetime, request: Request, lines: list[orders.RequestedLine]
    ) -> tuple[DeskSlot | None, DeskSlot | None]:
        """The drop-off slot (None at the counter and for baskets) and the pickup slot."""
        habit = "evening" if request.fate is Fate.NO_SHOW else request.customer.habit
        dropoff = None
        if orders.needs_dropoff(lines) and not request.counter:
            after = when + timedelta(hours=1)
            dropoff = self._choose(
                slots.open_slots(self.session, after=after, until=after + timedelta(days=5)),
                habit,
                days=3,
            )
            if dropoff is None:
                return None, None
        _earliest, pickups = orders.fitting_pickups(
            self.session,
            lines,
            dropoff_slot=dropoff,
            now=when,
            settings=self.settings.orders,
            horizon=timedelta(days=6),
        )
        if not orders.needs_dropoff(lines):  # baskets: after the delivery, on its day
            day = local_date(pickups[0].starts_at) if pickups else None
            pickups = [s for s in pickups if local_date(s.starts_at) == day]
            pickups = [s for s in pickups if local(s.starts_at).hour >= 12] or pickups
        return dropoff, self._choose(pickups, request.customer.habit, days=2)

    def _place(self, when: datetime, request: Request) -> None:
        lines = [
            orders.RequestedLine(self.session.get(Offer, offer_id), quantity)
            for offer_id, quantity in request.lines
        ]
        request = dataclasses.replace(request, fate=self._fate(request, lines))
        dropoff, pickup = self._slots_for(when, request, lines)
        if pickup is None:
            self._tally["not placed"] += 1
            return
        if request.fate is Fate.NO_SHOW and period(dropoff) != "evening":
            # Only an evening drop-off is never on its day's rounds (they end by 17:30).
            request = dataclasses.replace(request, fate=Fate.COLLECTED)
        try:
            with self.session.begin_nested():
                order = self._placed(when, request, lines, dropoff, pickup)
        except DomainError:
            self._tally["not placed"] += 1  # the customer's limit of open orders, a slot full
            return
        self.requests[order.id] = request
        self.done["commandes"] += 1
        if request.fate is not Fate.COLLECTED:  # the special fate waiting has its order
            self._waiting, self._specials = None, self._specials + 1
        self._follow_placed(when, order, request)

    def _placed(self, when, request, lines, dropoff, pickup) -> Order:
        customer = request.customer
        if request.counter:
            user = self.session.get(User, customer.user_id) if customer.user_id else None
            return desk.place_counter_order(
                self.session,
                full_name=customer.name,
                phone=customer.phone,
                email=user.email if user is not None else "",
                lines=lines,
                pickup_slot=pickup,
                note="",
                actor=self.concierge,
                now=when,
                settings=self.settings.orders,
            )
        return orders.place_order(
            self.session,
            customer=self.session.get(User, customer.user_id),
            lines=lines,
            dropoff_slot=dropoff,
            pickup_slot=pickup,
            note="",
            payment=PaymentMethod.ONLINE if request.online else PaymentMethod.DESK,
            now=when,
            settings=self.settings.orders,
        )

    def _follow_placed(self, when: datetime, order: Order, request: Request) -> None:
        """Queue what happens next to a new order."""
        if request.online:
            self.at(when + timedelta(minutes=2), self._pay_online, order.id)
        if request.counter and request.pay_early:
            self.at(when + timedelta(minutes=1), self._pay_at_desk, order.id)
        dropoff = order.dropoff_slot
        if dropoff is not None:
            if request.fate is Fate.CANCELLED:
                latest = at_local(local_date(dropoff.starts_at), time(6, 0))
                cancel_at = min(when + timedelta(hours=self.rng.randint(3, 30)), latest)
                if cancel_at > when + timedelta(minutes=5):
                    self.at(cancel_at, self._cancel, order.id)
                    return
            if request.fate is Fate.NO_SHOW:
                self.at(dropoff.ends_at + timedelta(minutes=10), self._no_show, order.id)
                return
            brought = dropoff.starts_at + timedelta(minutes=self.rng.randint(2, 24))
            self.at(brought, self._check_in, order.id)
        if order.has_dropoff:  # baskets: once delivered (`_deliver_baskets`)
            self._queue_hand_over(order, request)

    def _queue_hand_over(self, order: Order, request: Request | None) -> None:
        start = order.pickup_slot.starts_at + timedelta(minutes=self.rng.randint(1, 25))
        fate = request.fate if request is not None else Fate.COLLECTED
        if fate is Fate.LATE:
            day = add_working_days(local_date(start) + timedelta(days=self.rng.randint(1, 3)), 0)
            start = at_local(day, time(18, self.rng.randrange(0, 50)))
        elif fate is Fate.UNCOLLECTED:
            day = add_working_days(local_date(start) + timedelta(days=38), 0)
            start = at_local(day, time(17, 45))
        self.at(start, self._hand_over, order.id)

    # At the desk ---------------------------------------------------------------------------

    def _order(self, order_id: int) -> Order:
        return self.session.get(Order, order_id)

    def _pay_online(self, when: datetime, order_id: int) -> None:
        order = self._order(order_id)
        if order.status is not OrderStatus.PLACED:
            return
        payments.start_checkout(
            self.session, order, gateway=self.stripe, success_url="", cancel_url="", now=when
        )
        paid = self.stripe.pay(order.stripe_checkout_session_id)
        payments.confirm_payment(self.session, order, paid, gateway=self.stripe, now=when)

    def _pay_at_desk(self, when: datetime, order_id: int) -> None:
        order = self._order(order_id)
        due = ledger(order).balance_due_cents
        if due > 0:
            kind = self.rng.choice(
                [PaymentKind.DESK_CARD, PaymentKind.DESK_CARD, PaymentKind.DESK_CASH]
            )
            payments.record_desk_payment(
                self.session, order, amount_cents=due, kind=kind, actor=self.concierge, now=when
            )

    def _cancel(self, when: datetime, order_id: int) -> None:
        order = self._order(order_id)
        if order.status in orders.CANCELLABLE:
            payments.cancel_and_refund(
                self.session, order, actor=order.customer, gateway=self.stripe, now=when
            )

    def _no_show(self, when: datetime, order_id: int) -> None:
        order = self._order(order_id)
        if order.status is OrderStatus.CONFIRMED:
            orders.advance_order(
                self.session, order, OrderStatus.NO_SHOW, actor=self.concierge, now=when
            )

    def _check_in(self, when: datetime, order_id: int) -> None:
        order, request = self._order(order_id), self.requests[order_id]
        if order.status is not OrderStatus.CONFIRMED:
            return  # its online payment never came
        received = {line.id: line.quantity for line in order.lines}
        most = max(order.lines, key=lambda line: line.quantity)
        self._tally["receptions"] += 1
        if most.quantity > 1 and self._tally["receptions"] % 9 == 4:  # one item did not come
            received[most.id] = most.quantity - 1
        desk.check_in(
            self.session,
            order,
            received=received,
            remarks=request.remarks,
            actor=self.concierge,
            now=when,
        )
        if request.pay_early and not request.online:
            self._pay_at_desk(when, order_id)
        if ledger(order).online_refund_due_cents:  # paid online for what did not come
            self.at(when + timedelta(minutes=1), self._refund_online, order_id)

    def _refund_online(self, when: datetime, order_id: int) -> None:
        """The job that refunds through Stripe what is owed back on online payments."""
        payments.give_back_online(
            self.session, self._order(order_id), gateway=self.stripe, now=when
        )

    def _hand_over(self, when: datetime, order_id: int) -> None:
        order = self._order(order_id)
        if order.status not in (OrderStatus.BACK_AT_DESK, OrderStatus.UNCOLLECTED):
            if order.status in rounds.TRAVELLING:  # not back yet: they come again tomorrow
                day = add_working_days(local_date(when) + timedelta(days=1), 0)
                self.at(at_local(day, time(18, 10)), self._hand_over, order_id)
            return
        self._settle(when, order)
        orders.advance_order(
            self.session, order, OrderStatus.HANDED_OVER, actor=self.concierge, now=when
        )
        request = self.requests.get(order_id)
        if request is not None and request.fate is Fate.GESTURE:
            self.at(when + timedelta(days=1), self._gesture, order_id)

    def _settle(self, when: datetime, order: Order) -> None:
        """What the order's ledger says is due either way, paid or given back at the desk."""
        account = ledger(order)
        if account.balance_due_cents:
            self._pay_at_desk(when, order.id)
        elif account.desk_refund_due_cents:
            payments.refund_at_desk(self.session, order, actor=self.concierge, now=when)
        if ledger(order).online_refund_due_cents:
            payments.give_back_online(self.session, order, gateway=self.stripe, now=when)

    def _gesture(self, when: datetime, order_id: int) -> None:
        order = self._order(order_id)
        amount, reason = self.rng.choice(data.GESTURES)
        if ledger(order).kept_cents >= amount:
            payments.manual_refund(
                self.session,
                order,
                amount_cents=amount,
                reason=reason,
                actor=self.concierge,
                gateway=self.stripe,
                now=when,
            )

    # The rounds and the providers ----------------------------------------------------------

    def _plan_day(self, when: datetime, day: date) -> None:
        """The morning's planning (the job's), then each tap at its stop."""
        if not self._anything_travels(day):
            return  # the job would plan no round
        rounds.plan_rounds(
            self.session,
            day,
            depot=self.settings.depot,
            now=when,
            margin_days=self.settings.orders.transport_margin_days,
            travel=self.settings.travel,
        )
        taps = self.session.execute(
            sa.select(RoundItem.id, RoundStop.arrive_at, RoundStop.round_id)
            .join(RoundStop)
            .join(PickupRound)
            .where(PickupRound.day == day)
            .order_by(RoundStop.arrive_at, RoundItem.id)
        ).all()
        self.done["tournées"] += len({round_id for _i, _a, round_id in taps})
        for rank, (item_id, arrive_at, _round) in enumerate(taps):
            self.at(arrive_at + timedelta(minutes=1, seconds=rank), self._tap, item_id)

    def _anything_travels(self, day: date) -> bool:
        """Whether a service line waits at the desk, is brought there on `day`, or is ready at
        its provider (the providers mark their work ready the day before the rounds expect
        it): else the job's planning would make no round."""
        dropoff = sa.orm.aliased(DeskSlot)
        brought_today = sa.and_(
            Order.status == OrderStatus.CONFIRMED,
            dropoff.starts_at >= start_of_local_day(day),
            dropoff.starts_at < start_of_local_day(day + timedelta(days=1)),
        )
        at_the_desk = sa.and_(
            Order.status.in_([OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER]),
            OrderLine.at_provider_at.is_(None),
        )
        ready = sa.and_(Order.status.in_(rounds.TRAVELLING), OrderLine.ready_at.is_not(None))
        return bool(
            self.session.scalar(
                sa.select(OrderLine.id)
                .join(Order)
                .outerjoin(dropoff, dropoff.id == Order.dropoff_slot_id)
                .where(
                    OrderLine.kind == OfferKind.SERVICE,
                    OrderLine.back_at_desk_at.is_(None),
                    sa.or_(brought_today, at_the_desk, ready),
                )
                .limit(1)
            )
        )

    def _tap(self, when: datetime, item_id: int) -> None:
        item = self.session.get(RoundItem, item_id)
        volunteer = item.stop.round.volunteer
        rounds.mark_item(self.session, item, actor=volunteer, now=when)
        if item.action is RoundAction.DROP:
            self._queue_work(when, item.line)

    def _queue_work(self, when: datetime, line: OrderLine) -> None:
        """The provider has the line's items from `when`: its price first if on quote, else the
        work, done for the day the rounds expect it."""
        if line.quote_state is QuoteState.AWAITING_QUOTE:
            self.at(when + timedelta(hours=2), self._propose, line.id)
            return
        if line.turnaround_days == 0:
            ready = when + timedelta(minutes=45)
        else:
            expected = add_working_days(local_date(when), line.turnaround_days)
            ready = max(
                at_local(expected - timedelta(days=1), time(17, 45)), when + timedelta(hours=1)
            )
        self.at(ready, self._work_done, line.id)

    def _work_done(self, when: datetime, line_id: int) -> None:
        line = self.session.get(OrderLine, line_id)
        if line.ready_at is not None:
            return  # collected already: the round found it done
        staff = self.staff[line.provider_id]
        request = self.requests.get(line.order_id)
        reason = data.CANNOT_DO.get(line.provider.slug)
        first = line.order.lines[0].id == line.id
        if request is not None and request.fate is Fate.CANNOT_DO and reason and first:
            portal.mark_cannot_do(self.session, line, reason=reason, actor=staff, now=when)
            self.at(when + timedelta(minutes=1), self._refund_online, line.order_id)
        else:
            portal.mark_ready(self.session, line, actor=staff, now=when)

    def _propose(self, when: datetime, line_id: int) -> None:
        line = self.session.get(OrderLine, line_id)
        price, note = self.rng.choice(data.QUOTES)
        portal.propose_quote(
            self.session,
            line,
            unit_price_cents=price,
            note=note,
            actor=self.staff[line.provider_id],
            now=when,
        )
        answer = at_local(local_date(when) + timedelta(days=1), time(19, 30))
        self._tally["quotes"] += 1
        self.at(answer, self._answer, line_id, self._tally["quotes"] % 3 != 2)  # one in three: no

    def _answer(self, when: datetime, line_id: int, accepted: bool) -> None:
        line = self.session.get(OrderLine, line_id)
        customer = line.order.customer
        if accepted:
            quotes.accept(self.session, line, actor=customer, now=when)
            self._queue_work(when, line)
        else:
            quotes.decline(self.session, line, actor=customer, now=when)

    # The jobs, the baskets and the payouts -------------------------------------------------

    def _subscription_orders(self, when: datetime) -> None:
        """The hourly job that places the subscriptions' orders (a run a week is enough: each
        Thursday's baskets are due from the Saturday before)."""
        subscriptions.place_subscription_orders(
            self.session,
            now=when,
            lead=self.settings.subscription_lead,
            settings=self.settings.orders,
        )

    def _jobs(self, when: datetime) -> None:
        """The scheduler's daily sweeps over work waiting at the desk, and the renewals."""
        session, settings = self.session, self.settings
        order_jobs.remind_uncollected(session, now=when, after_days=settings.reminder_days)
        order_jobs.mark_uncollected(session, now=when, after_days=settings.uncollected_days)
        invoices.invoice_renewals(session, now=when)

    def _deliver_baskets(self, when: datetime, day: date) -> None:
        """Terre d'Opale's delivery: the baskets collected up to the end of `day` are at the
        desk, each handed over in its pickup slot."""
        delivered = self.session.scalars(
            sa.select(Order)
            .join(DeskSlot, DeskSlot.id == Order.pickup_slot_id)
            .where(
                Order.status == OrderStatus.CONFIRMED,
                Order.dropoff_slot_id.is_(None),
                DeskSlot.starts_at < start_of_local_day(day + timedelta(days=1)),
            )
            .order_by(Order.id)
        ).all()
        for order in delivered:
            if order.has_dropoff:
                continue  # taken at the counter: its items are at the desk already
            orders.advance_order(
                self.session, order, OrderStatus.BACK_AT_DESK, actor=self.concierge, now=when
            )
            self._queue_hand_over(order, self.requests.get(order.id))

    def _pay_providers(self, when: datetime, month: date) -> None:
        """The month's net due, paid to each provider by bank transfer (one in two parts)."""
        for provider in self.session.scalars(sa.select(Provider).order_by(Provider.id)):
            owed = payouts.month_account(
                self.session,
                provider,
                month,
                default_rate_bp=self.settings.orders.commission_rate_bp,
            ).owed_cents
            if owed <= 0:
                continue
            if provider.slug == "ordi-solidaire":
                self.at(
                    when + timedelta(days=10),
                    self._pay_provider,
                    provider.id,
                    month,
                    owed - owed // 2,
                )
                owed //= 2
            self._pay_provider(when, provider.id, month, owed)

    def _pay_provider(self, when: datetime, provider_id: int, month: date, amount: int) -> None:
        provider = self.session.get(Provider, provider_id)
        payouts.record_payout(
            self.session,
            provider,
            month=month,
            paid_on=local_date(when),
            amount_cents=amount,
            bank_reference=f"VIR-{month:%Y%m}-{provider.slug[:20].upper()}-{local_date(when):%d}",
            actor=self.concierge,
            now=when,
            default_rate_bp=self.settings.orders.commission_rate_bp,
        )
        self.done["virements"] += 1

    # Basket subscriptions ------------------------------------------------------------------

    def _subscribe(
        self,
        when: datetime,
        email: str,
        basket: str,
        quantity: int,
        every_weeks: int,
        pickup_from: time,
        change: str,
    ) -> None:
        offer = self._offer("terre-d-opale", basket)
        first = subscriptions.open_deliveries(offer, now=when)[0]
        subscription = subscriptions.subscribe(
            self.session,
            customer=find_user_by_email(self.session, email),
            offer=offer,
            quantity=quantity,
            every_weeks=every_weeks,
            first_delivery=first,
            pickup_from=pickup_from,
            payment=PaymentMethod.DESK,
            now=when,
            lead=self.settings.subscription_lead,
            settings=self.settings.orders,
        )
        self.done["abonnements"] += 1
        if change == "skip":  # a week away, three weeks in (a delivery the desk is open for)
            day = first + timedelta(weeks=3)
            while is_public_holiday(day):
                day += timedelta(weeks=1)
            cutoff = subscriptions.cutoff(subscription, day)
            self.at(cutoff - timedelta(days=2), self._change, subscription.id, change, day)
        elif change == "pause":  # the two deliveries of weeks four and five
            day = first + timedelta(weeks=5)
            cutoff = subscriptions.cutoff(subscription, first + timedelta(weeks=4))
            self.at(cutoff - timedelta(days=4), self._change, subscription.id, change, day)
        elif change == "stop":  # after six weeks
            cutoff = subscriptions.cutoff(subscription, first + timedelta(weeks=6))
            self.at(cutoff - timedelta(days=4), self._change, subscription.id, change, None)

    def _change(self, when: datetime, subscription_id: int, change: str, day: date | None) -> None:
        subscription = self.session.get(BasketSubscription, subscription_id)
        actor = subscription.customer
        if change == "skip":
            subscriptions.skip(self.session, subscription, day, actor=actor, now=when)
        elif change == "pause":
            subscriptions.pause(self.session, subscription, day, actor=actor, now=when)
        else:
            subscriptions.stop(self.session, subscription, actor=actor, now=when)


def replay(session: Session, *, now: datetime, settings: DemoSettings) -> Counter[str]:
    """The desk's slots from the past's first day on, then its thirteen weeks up to `now`;
    what was done, counted by kind."""
    first = history_start(now)
    slots.generate_slots(
        session,
        now=start_of_local_day(first),
        weeks=WEEKS + 1 + settings.slot_weeks_ahead,
        minutes=settings.slot_minutes,
        capacity=settings.slot_capacity,
    )
    history = Replay(session, now=now, settings=settings)
    with held_back():
        history.schedule(first)
        history.run()
    session.flush()
    return history.done
