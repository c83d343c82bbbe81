"""The rules of an order: what it costs, which slots fit, and the steps of its life.

Plain functions over a session: they flush, never commit, and raise an OrderError (with the
field at fault, for forms and the API) after checking the state. The caller commits once, or
rolls back on error.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from conciergerie import policy
from conciergerie.closures.service import closed_days, is_closed
from conciergerie.errors import DomainError
from conciergerie.i18n import calendar_day, long_day, money
from conciergerie.invoices import service as invoices
from conciergerie.models import (
    DeskSlot,
    Offer,
    OfferKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderOrigin,
    OrderStatus,
    Payment,
    PaymentMethod,
    Provider,
    QuoteState,
    Role,
    User,
)
from conciergerie.models.orders import MAX_LINE_QUANTITY
from conciergerie.orders import notes, notifications
from conciergerie.orders.progress import stamp_lines
from conciergerie.orders.states import record, status_label  # noqa: F401 (orders.status_label)
from conciergerie.payments.ledger import ledger
from conciergerie.rounds import stale
from conciergerie.slots import service as slots
from conciergerie.stock import service as stock
from conciergerie.timeutils import add_working_days, at_local, local_date, start_of_local_day

MAX_NOTE_LENGTH = 500
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud at the desk


@dataclass(frozen=True)
class OrderSettings:
    transport_margin_days: int
    resident_fee_cents: int
    online_payment: bool = False  # Stripe configured
    payment_hold_minutes: int = 30
    commission_rate_bp: int = 1000  # the desk's default commission (COMMISSION_RATE_BP)
    max_items_per_order: int = 20  # a customer's own order (MAX_ITEMS_PER_ORDER)
    max_open_desk_orders: int = 3  # a customer's own orders paid at the desk, not yet there

    @classmethod
    def from_config(cls, config: dict, *, online_payment: bool = False) -> OrderSettings:
        return cls(
            transport_margin_days=config["TRANSPORT_MARGIN_WORKING_DAYS"],
            resident_fee_cents=config["RESIDENT_FEE_CENTS"],
            online_payment=online_payment,
            payment_hold_minutes=config["PAYMENT_HOLD_MINUTES"],
            commission_rate_bp=config["COMMISSION_RATE_BP"],
            max_items_per_order=config["MAX_ITEMS_PER_ORDER"],
            max_open_desk_orders=config["MAX_OPEN_DESK_ORDERS"],
        )


class OrderError(DomainError):
    """An order cannot be placed or changed; `field` names the input at fault, if any."""

    code = "invalid"


class OrderNotAllowed(OrderError):
    code = "forbidden"
    status = 403


class TooLate(OrderError):
    code = "too_late"
    status = 409


class SlotUnavailable(OrderError):
    code = "slot_full"
    status = 409


class SoldOut(OrderError):
    """Fewer baskets left for the delivery than asked (stock.service); `field`: the line."""

    code = "sold_out"
    status = 409


class InvalidTransition(OrderError):
    code = "invalid_transition"
    status = 409


class TooManyItems(OrderError):
    """A customer's own order holds more items than one order may (`field`: lines)."""

    code = "too_many_items"


class TooManyOpenOrders(OrderError):
    """The customer already holds as many orders paid at the desk and not yet there as they may
    (`field`: payment)."""

    code = "too_many_open_orders"


class RequestReplayed(OrderError):
    """Another request with the same idempotency key placed the order a moment ago (the API
    answers with that order)."""

    code = "idempotency_replay"
    status = 409

    def __init__(self, customer: User, key: str, fingerprint: str | None):
        super().__init__(_("Cette commande vient d'être passée par une autre requête."))
        self.customer, self.key, self.fingerprint = customer, key, fingerprint


@dataclass(frozen=True)
class RequestedLine:
    offer: Offer
    quantity: int

    @property
    def total_cents(self) -> int:
        """What the line costs when ordered: nothing yet for an offer on quote (the provider
        names its price after seeing the item)."""
        return 0 if self.offer.on_quote else self.offer.price_cents * self.quantity


@dataclass(frozen=True)
class Quote:
    subtotal_cents: int
    fee_cents: int

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.fee_cents


# Prices -----------------------------------------------------------------------------------------


class FeeBasis(enum.StrEnum):
    """Why an order costs the desk's service fee or not (the basket says it)."""

    SOLIDARITY = "solidarity"  # the tarif solidaire: waived
    SUBSCRIBING_COMPANY = "company"  # a verified employee of a subscribing company: waived
    STANDARD = "standard"
    COMPANY_UNVERIFIED = "unverified"  # an employee whose link to the company is only claimed
    COMPANY_NOT_SUBSCRIBING = "not_subscribing"  # an employee of a company that does not pay

    @property
    def waived(self) -> bool:
        return self in (FeeBasis.SOLIDARITY, FeeBasis.SUBSCRIBING_COMPANY)


def fee_basis(customer: User) -> FeeBasis:
    """The rule that sets `customer`'s service fee today.

    An employee's fee is waived only while their link to the company is verified (by a link
    on one of its domains or by the concierge, accounts.employees) and the company subscribes
    today. `is_subscriber` is today's state of its subscription periods: stopping ends the
    running period the day before the change (manage.service.keep_subscription_history), so
    the waiver ends on the day the company stops, and no period ends in the future."""
    if customer.solidarity_rate:
        return FeeBasis.SOLIDARITY
    company = customer.member_company
    if customer.role is not Role.EMPLOYEE or company is None:
        return FeeBasis.STANDARD
    if not company.is_subscriber:
        return FeeBasis.COMPANY_NOT_SUBSCRIBING
    if customer.company_verified_at is None:
        return FeeBasis.COMPANY_UNVERIFIED
    return FeeBasis.SUBSCRIBING_COMPANY


def service_fee_cents(customer: User, settings: OrderSettings) -> int:
    """The desk's fee on one order: none for the verified employees of a subscribing company of
    La Grappe nor for the tarif solidaire; a small fee for everybody else (`fee_basis`)."""
    return 0 if fee_basis(customer).waived else settings.resident_fee_cents


def quote(lines: Sequence[RequestedLine], customer: User, settings: OrderSettings) -> Quote:
    subtotal = sum(line.total_cents for line in lines)
    return Quote(subtotal_cents=subtotal, fee_cents=service_fee_cents(customer, settings))


# Time rules -------------------------------------------------------------------------------------


def basket_cutoff(offer: Offer, delivery_day: date) -> datetime:
    """When orders for the delivery of `delivery_day` close (e.g. Tuesday noon for Thursday)."""
    days_before = (offer.delivery_weekday - offer.order_cutoff_weekday) % 7 or 7
    return at_local(delivery_day - timedelta(days=days_before), offer.order_cutoff_time)


def next_delivery_day(offer: Offer, now: datetime) -> date:
    """The first delivery of a basket offer that can still be ordered at `now`, on a day its
    producer is not closed."""
    today = local_date(now)
    day = today + timedelta(days=(offer.delivery_weekday - today.weekday()) % 7)
    while basket_cutoff(offer, day) <= now or is_closed(offer.provider, day):
        day += timedelta(weeks=1)
    return day


def needs_dropoff(lines: Sequence[RequestedLine]) -> bool:
    return any(line.offer.kind is OfferKind.SERVICE for line in lines)


def earliest_pickup(
    session: Session,
    lines: Sequence[RequestedLine],
    *,
    dropoff_slot: DeskSlot | None,
    now: datetime,
    settings: OrderSettings,
) -> datetime:
    """The earliest start of a pickup slot that leaves time for the work.

    Services: the drop-off day + each line's turnaround + the rounds' transport margin, in working
    days: neither the desk's closure days nor its provider's count. Baskets: their next delivery
    day that can still be ordered.
    """
    return ready_from(
        session,
        services=[
            (line.offer.turnaround_days, line.offer.provider)
            for line in lines
            if line.offer.kind is OfferKind.SERVICE
        ],
        # Without a drop-off slot, the items are handed in at the counter now.
        handed_in=dropoff_slot.starts_at if dropoff_slot is not None else now,
        dropoff_ends=dropoff_slot.ends_at if dropoff_slot is not None else None,
        delivery_days=[
            next_delivery_day(line.offer, now)
            for line in lines
            if line.offer.kind is OfferKind.BASKET
        ],
        now=now,
        settings=settings,
    )


def ready_from(
    session: Session,
    *,
    services: Sequence[tuple[int, Provider]],
    handed_in: datetime,
    dropoff_ends: datetime | None,
    delivery_days: Sequence[date],
    now: datetime,
    settings: OrderSettings,
) -> datetime:
    """When an order's work may be collected: not before `now`; each service (its turnaround,
    its provider) the day it is handed in + the turnaround + the rounds' transport margin, in
    working days (neither the desk's closure days nor its provider's count), and not before the
    drop-off slot ends; baskets from their delivery days. Booking (`earliest_pickup`) and moving
    a slot (orders.moves) ask it."""
    bounds = [now]
    if services:
        start = local_date(handed_in)
        end = start + timedelta(days=120)
        closures = slots.closure_days(session, start, end)
        for turnaround_days, provider in services:
            days = turnaround_days + settings.transport_margin_days
            closed = closures | closed_days(provider, start, end)
            bounds.append(start_of_local_day(add_working_days(start, days, closed)))
        if dropoff_ends is not None:
            bounds.append(dropoff_ends)
    bounds.extend(start_of_local_day(day) for day in delivery_days)
    return max(bounds)


def fitting_pickups(
    session: Session,
    lines: Sequence[RequestedLine],
    *,
    dropoff_slot: DeskSlot | None,
    now: datetime,
    settings: OrderSettings,
    horizon: timedelta,
) -> tuple[datetime, list[DeskSlot]]:
    """The earliest pickup the lines' work allows (`earliest_pickup`), and the slots with a free
    place from then on, for `horizon`: what the checkout and the counter offer."""
    earliest = earliest_pickup(
        session, lines, dropoff_slot=dropoff_slot, now=now, settings=settings
    )
    return earliest, slots.open_slots(
        session, after=earliest - timedelta(seconds=1), until=earliest + horizon
    )


def cancellation_deadline(
    lines: Sequence[RequestedLine], *, dropoff_slot: DeskSlot | None, now: datetime
) -> datetime:
    """Until when the customer may cancel: the drop-off slot's start, or the basket cut-off."""
    deadlines = [dropoff_slot.starts_at] if dropoff_slot is not None else []
    for line in lines:
        if line.offer.kind is OfferKind.BASKET:
            deadlines.append(basket_cutoff(line.offer, next_delivery_day(line.offer, now)))
    return min(deadlines)


# Placing an order -------------------------------------------------------------------------------


def _new_code(session: Session) -> str:
    while True:
        code = "EVG-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))
        if session.scalar(sa.select(Order.id).where(Order.code == code)) is None:
            return code


def _check_lines(
    lines: Sequence[RequestedLine], settings: OrderSettings, *, origin: OrderOrigin
) -> None:
    """Each line: 1 item or more, of an offer still sold. A customer's own order: no more than
    MAX_ITEMS_PER_ORDER items in all (the desk may take more at the counter). Any order: no
    offer past MAX_LINE_QUANTITY over all its lines (they become one line: `merge_lines`)."""
    if not lines:
        raise OrderError(_("Le panier est vide."), field="lines")
    quantity_range = _("La quantité doit être comprise entre 1 et %(max)d.", max=MAX_LINE_QUANTITY)
    for index, line in enumerate(lines):
        if line.quantity < 1:
            raise OrderError(quantity_range, field=f"lines[{index}].quantity")
        if not (line.offer.is_active and line.offer.provider.is_active):
            raise OrderError(
                _("L'offre « %(name)s » n'est plus proposée.", name=line.offer.name),
                field=f"lines[{index}].offer_id",
            )
    count = items_count(lines)
    if origin is OrderOrigin.CUSTOMER and count > settings.max_items_per_order:
        raise TooManyItems(too_many_items_message(count, settings), field="lines")
    per_offer: dict[int, int] = {}
    for index, line in enumerate(lines):
        per_offer[line.offer.id] = per_offer.get(line.offer.id, 0) + line.quantity
        if per_offer[line.offer.id] > MAX_LINE_QUANTITY:
            raise OrderError(quantity_range, field=f"lines[{index}].quantity")


def merge_lines(lines: Sequence[RequestedLine]) -> list[RequestedLine]:
    """One line per offer, where it first appears: an offer asked for in several lines is one
    line of their quantities added up (the API may send the same offer twice)."""
    merged: dict[int, RequestedLine] = {}
    for line in lines:
        earlier = merged.get(line.offer.id)
        quantity = line.quantity + (earlier.quantity if earlier is not None else 0)
        merged[line.offer.id] = RequestedLine(line.offer, quantity)
    return list(merged.values())


def items_count(lines: Sequence[RequestedLine]) -> int:
    """The items of an order: its lines' quantities added up. A basket is one item, and so is a
    "lot de 5 chemises" (one line of quantity 1)."""
    return sum(line.quantity for line in lines)


def too_many_items_message(count: int, settings: OrderSettings) -> str:
    """Why a customer's own order (or their basket) may not hold `count` items: the same words
    on the website, in the basket and through the API."""
    return _(
        "Une commande passée en ligne compte au plus %(max)d articles (ici %(count)d) : "
        "retirez-en, ou venez au comptoir pour en confier davantage.",
        max=settings.max_items_per_order,
        count=count,
    )


# The states of an order whose items have not reached the desk yet: services not dropped off,
# baskets not delivered. Paid at the desk, such an order holds its slot places unpaid.
BEFORE_THE_DESK = (OrderStatus.PLACED, OrderStatus.CONFIRMED)


def open_desk_orders(session: Session, customer: User) -> int:
    """How many of the customer's own orders paid at the desk have not reached the desk yet
    (BEFORE_THE_DESK). Paid online, taken at the counter or placed by a basket subscription, an
    order does not count."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(
            Order.customer_id == customer.id,
            Order.origin == OrderOrigin.CUSTOMER,
            Order.payment_method == PaymentMethod.DESK,
            Order.status.in_(BEFORE_THE_DESK),
        )
    )


def lock_customer(session: Session, customer: User) -> None:
    """Lock the customer's row (PostgreSQL: SELECT … FOR UPDATE) until the transaction ends.

    Taken before counting what the customer already holds: two orders the same customer places
    at once then count one after the other, and the second sees the first (without it, both
    would count two open orders and both pass a limit of three). Only the id is read, so the
    customer's unsaved changes stay. On SQLite, writes are serialised anyway."""
    session.execute(sa.select(User.id).where(User.id == customer.id).with_for_update())


def _check_open_orders(
    session: Session,
    customer: User,
    payment: PaymentMethod,
    settings: OrderSettings,
    *,
    origin: OrderOrigin,
) -> None:
    """A customer's own order paid at the desk: no more than MAX_OPEN_DESK_ORDERS of them not
    yet at the desk, this one included. The desk's orders at the counter and a subscription's
    baskets are not the customer's to hold back; an order paid online holds nothing unpaid."""
    if origin is not OrderOrigin.CUSTOMER or payment is not PaymentMethod.DESK:
        return
    lock_customer(session, customer)
    held = open_desk_orders(session, customer)
    if held < settings.max_open_desk_orders:
        return
    if settings.online_payment:
        message = ngettext(
            "Vous avez déjà %(num)d commande à régler au comptoir qui attend son dépôt "
            "(%(max)d au plus) : déposez vos articles ou annulez-la avant d'en passer une "
            "nouvelle, ou réglez celle-ci en ligne.",
            "Vous avez déjà %(num)d commandes à régler au comptoir qui attendent leur dépôt "
            "(%(max)d au plus) : déposez vos articles ou annulez l'une d'elles avant d'en "
            "passer une nouvelle, ou réglez celle-ci en ligne.",
            held,
            max=settings.max_open_desk_orders,
        )
    else:
        message = ngettext(
            "Vous avez déjà %(num)d commande à régler au comptoir qui attend son dépôt "
            "(%(max)d au plus) : déposez vos articles ou annulez-la avant d'en passer une "
            "nouvelle.",
            "Vous avez déjà %(num)d commandes à régler au comptoir qui attendent leur dépôt "
            "(%(max)d au plus) : déposez vos articles ou annulez l'une d'elles avant d'en "
            "passer une nouvelle.",
            held,
            max=settings.max_open_desk_orders,
        )
    raise TooManyOpenOrders(message, field="payment")


def _origin(at_counter: User | None, *, for_subscription: bool) -> OrderOrigin:
    if at_counter is not None:
        return OrderOrigin.COUNTER
    return OrderOrigin.SUBSCRIPTION if for_subscription else OrderOrigin.CUSTOMER


def _check_request(
    customer: User,
    lines: Sequence[RequestedLine],
    payment: PaymentMethod,
    settings: OrderSettings,
    origin: OrderOrigin,
    *,
    at_counter: User | None,
    dropoff_slot: DeskSlot | None,
) -> None:
    """Who orders, how they pay, and what: the checks that need no slot and no clock."""
    if not customer.is_customer:
        raise OrderNotAllowed(_("Seuls les habitant·es et salarié·es de La Grappe commandent."))
    if payment is PaymentMethod.ONLINE and not settings.online_payment:
        raise OrderError(_("Le paiement en ligne n'est pas disponible."), field="payment")
    if at_counter is not None and (
        at_counter.role is not Role.CONCIERGE
        or payment is not PaymentMethod.DESK
        or dropoff_slot is not None
    ):
        raise OrderNotAllowed(_("Une commande au comptoir se règle au comptoir, sans créneau."))
    _check_lines(lines, settings, origin=origin)
    if payment is PaymentMethod.ONLINE and quote(lines, customer, settings).total_cents == 0:
        raise OrderError(
            _("Rien à payer en ligne pour l'instant (prix sur devis) : choisissez le comptoir."),
            field="payment",
        )


def _checked_note(note: str) -> str:
    """The customer's note, stripped; raises OrderError when it is too long."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise OrderError(
            _("La note fait au plus %(n)d caractères.", n=MAX_NOTE_LENGTH), field="note"
        )
    return note


def _check_dropoff_slot(
    lines: Sequence[RequestedLine],
    dropoff_slot: DeskSlot | None,
    *,
    at_counter: User | None,
    now: datetime,
) -> None:
    """A service needs a drop-off slot still to come; a basket none; an order at the counter
    none either."""
    if at_counter is not None:
        pass  # the items are here now
    elif needs_dropoff(lines):
        if dropoff_slot is None:
            raise OrderError(_("Choisissez un créneau de dépôt."), field="dropoff_slot_id")
        if dropoff_slot.starts_at <= now:
            raise OrderError(_("Ce créneau de dépôt est déjà passé."), field="dropoff_slot_id")
    elif dropoff_slot is not None:
        raise OrderError(
            _("Les paniers ne se déposent pas : pas de créneau de dépôt."), field="dropoff_slot_id"
        )


def _check_pickup_slot(
    session: Session,
    lines: Sequence[RequestedLine],
    pickup_slot: DeskSlot | None,
    *,
    dropoff_slot: DeskSlot | None,
    now: datetime,
    settings: OrderSettings,
) -> DeskSlot:
    """A pickup slot still to come and late enough for the work (earliest_pickup)."""
    if pickup_slot is None:
        raise OrderError(_("Choisissez un créneau de retrait."), field="pickup_slot_id")
    if pickup_slot.starts_at <= now:
        raise OrderError(_("Ce créneau de retrait est déjà passé."), field="pickup_slot_id")
    earliest = earliest_pickup(
        session, lines, dropoff_slot=dropoff_slot, now=now, settings=settings
    )
    if pickup_slot.starts_at < earliest:
        raise OrderError(
            _(
                "Trop tôt pour le retrait : le travail sera prêt à partir du %(when)s.",
                when=long_day(earliest),
            ),
            field="pickup_slot_id",
        )
    return pickup_slot


def _take_places(session: Session, *, dropoff_slot: DeskSlot | None, pickup_slot: DeskSlot) -> None:
    """Reserve a place in each slot of the order; raises SlotUnavailable when one is full."""
    # Take the places, always in the same order (by slot id) so that two orders never wait on
    # each other's slot.
    for slot in sorted(filter(None, [dropoff_slot, pickup_slot]), key=lambda s: s.id):
        try:
            slots.reserve_place(session, slot)
        except slots.SlotFull as error:
            field = "dropoff_slot_id" if slot is dropoff_slot else "pickup_slot_id"
            raise SlotUnavailable(str(error), field=field) from error


def _new_order(
    session: Session,
    *,
    customer: User,
    lines: Sequence[RequestedLine],
    dropoff_slot: DeskSlot | None,
    pickup_slot: DeskSlot,
    note: str,
    payment: PaymentMethod,
    now: datetime,
    settings: OrderSettings,
    idempotency_key: str | None,
    idempotency_fingerprint: str | None,
    origin: OrderOrigin,
    delivery_days: dict[int, date],
) -> Order:
    """The order with its prices and deadlines, not yet added to the session."""
    price = quote(lines, customer, settings)
    order = Order(
        code=_new_code(session),
        customer=customer,
        status=OrderStatus.PLACED,
        payment_method=payment,
        origin=origin,
        dropoff_slot=dropoff_slot,
        pickup_slot=pickup_slot,
        note=note,
        subtotal_cents=price.subtotal_cents,
        fee_cents=price.fee_cents,
        total_cents=price.total_cents,
        placed_at=now,
        cancellable_until=(
            now
            if origin is OrderOrigin.COUNTER and needs_dropoff(lines)
            else cancellation_deadline(lines, dropoff_slot=dropoff_slot, now=now)
        ),
        idempotency_key=idempotency_key,
        idempotency_fingerprint=idempotency_fingerprint,
        # An online payment must arrive before then, or the places go back on sale.
        payment_expires_at=(
            now + timedelta(minutes=settings.payment_hold_minutes)
            if payment is PaymentMethod.ONLINE
            else None
        ),
    )
    for line in lines:
        order.lines.append(_order_line(line, settings, delivery_days.get(line.offer.id)))
    return order


def basket_days(
    lines: Sequence[RequestedLine], *, now: datetime, delivery_day: date | None = None
) -> dict[int, date]:
    """The delivery each basket line comes with, by offer id: its next one that can still be
    ordered, or `delivery_day` (a subscription's week)."""
    return {
        line.offer.id: delivery_day or next_delivery_day(line.offer, now)
        for line in lines
        if line.offer.kind is OfferKind.BASKET
    }


def _check_stock(
    session: Session,
    lines: Sequence[RequestedLine],
    *,
    now: datetime,
    delivery_day: date | None,
    origin: OrderOrigin,
) -> dict[int, date]:
    """Each basket line with a stock: no more than is left for its delivery (stock.service:
    what subscriptions hold is not for one-off orders). Counted under the offers' locks, taken
    before the slots'. Returns the delivery of each basket line (`basket_days`)."""
    days = basket_days(lines, now=now, delivery_day=delivery_day)
    counted = [
        line
        for line in lines
        if line.offer.kind is OfferKind.BASKET
        and (
            line.offer.stock_per_delivery is not None
            or is_closed(line.offer.provider, days[line.offer.id])
        )
    ]
    stock.lock_offers(session, [line.offer for line in counted])
    for line in counted:
        day = days[line.offer.id]
        seen = stock.availability(session, line.offer, day)
        if origin is OrderOrigin.SUBSCRIPTION:
            left = seen.left_for_subscriptions
        else:
            left = seen.left_for_orders
        if left is not None and line.quantity > left:
            raise SoldOut(
                sold_out_message(line.offer, day, left),
                field=f"lines[{list(lines).index(line)}].quantity",
            )
    return days


@dataclass(frozen=True)
class BasketDelivery:
    """What a basket line in the customer's basket would come with, ordered now: its delivery
    day and how many of it are left for one-off orders (None: no limit)."""

    day: date
    left: int | None


def basket_deliveries(
    session: Session, lines: Sequence[RequestedLine], *, now: datetime
) -> dict[int, BasketDelivery]:
    """By offer id, for the basket lines: told before checkout rather than refused at it."""
    days = basket_days(lines, now=now)
    return {
        offer_id: BasketDelivery(day, stock.availability(session, offer, day).left_for_orders)
        for offer_id, day, offer in (
            (line.offer.id, days[line.offer.id], line.offer)
            for line in lines
            if line.offer.id in days
        )
    }


def sold_out_message(offer: Offer, day: date, left: int) -> str:
    if left == 0:
        return _(
            "Plus aucun « %(name)s » pour la livraison du %(day)s : tous les paniers sont "
            "réservés.",
            name=offer.name,
            day=calendar_day(day),
        )
    return ngettext(
        "Il ne reste que %(num)d « %(name)s » pour la livraison du %(day)s : commandez-en moins.",
        "Il ne reste que %(num)d « %(name)s » pour la livraison du %(day)s : commandez-en moins.",
        left,
        name=offer.name,
        day=calendar_day(day),
    )


def _order_line(
    line: RequestedLine, settings: OrderSettings, delivery_day: date | None
) -> OrderLine:
    """The order's copy of an offer as it is now: later changes of the offer leave it alone."""
    return OrderLine(
        offer=line.offer,
        provider_id=line.offer.provider_id,
        kind=line.offer.kind,
        name=line.offer.name,
        unit=line.offer.unit,
        unit_price_cents=0 if line.offer.on_quote else line.offer.price_cents,
        quantity=line.quantity,
        turnaround_days=line.offer.turnaround_days,
        quote_state=QuoteState.AWAITING_QUOTE if line.offer.on_quote else None,
        commission_rate_bp=(
            line.offer.provider.commission_rate_bp
            if line.offer.provider.commission_rate_bp is not None
            else settings.commission_rate_bp
        ),
        is_repair=line.offer.is_repair,
        weight_grams=line.offer.weight_grams,
        integration_enterprise=line.offer.provider.is_integration_enterprise,
        delivery_day=delivery_day,
    )


def _record_first_events(
    order: Order,
    lines: Sequence[RequestedLine],
    *,
    customer: User,
    payment: PaymentMethod,
    at_counter: User | None,
    now: datetime,
) -> None:
    """Placed; confirmed when paid at the desk; dropped off when taken at the counter."""
    actor = at_counter or customer
    order.events.append(
        OrderEvent(
            from_status=None,
            to_status=OrderStatus.PLACED,
            actor=actor,
            at=now,
            **notes.columns(notes.note("counter_order") if at_counter is not None else ""),
        )
    )
    if payment is PaymentMethod.DESK:
        record(order, OrderStatus.CONFIRMED, actor=actor, now=now, note=notes.note("desk_payment"))
    if at_counter is not None and needs_dropoff(lines):
        record(order, OrderStatus.DROPPED_OFF, actor=at_counter, now=now)


def _save_new_order(
    session: Session,
    order: Order,
    customer: User,
    idempotency_key: str | None,
    idempotency_fingerprint: str | None,
) -> None:
    """Add and flush the order; raises RequestReplayed when its idempotency key is taken."""
    session.add(order)
    try:
        session.flush()
    except sa.exc.IntegrityError as error:
        if idempotency_key is None:
            raise
        # The same key arrived twice at once: the other request holds the order.
        raise RequestReplayed(customer, idempotency_key, idempotency_fingerprint) from error
    # Just inserted, nothing refers to it yet: its ledger and its mail need not ask the
    # database for its payments, refunds, discounts and documents.
    for empty in ("payments", "refunds", "discounts", "documents"):
        set_committed_value(order, empty, [])


def place_order(
    session: Session,
    *,
    customer: User,
    lines: Sequence[RequestedLine],
    dropoff_slot: DeskSlot | None,
    pickup_slot: DeskSlot | None,
    note: str,
    payment: PaymentMethod,
    now: datetime,
    settings: OrderSettings,
    idempotency_key: str | None = None,
    idempotency_fingerprint: str | None = None,
    at_counter: User | None = None,
    for_subscription: date | None = None,
    confirm_by_mail: bool = True,
) -> Order:
    """Place an order: check it, take its places in the slots, copy the prices.

    Paying at the desk confirms it (mailed unless `confirm_by_mail` is false). `at_counter`: the
    concierge at the counter, who hands the items in now (no drop-off slot, paid at the desk);
    `for_subscription`: the job, for a subscription's basket of that delivery day; else the
    customer's own order, held to limits (`_check_lines`, `_check_open_orders`). Raises
    OrderError (SlotUnavailable, SoldOut): nothing of it may be kept, a place may be taken."""
    origin = _origin(at_counter, for_subscription=for_subscription is not None)
    _check_request(
        customer, lines, payment, settings, origin, at_counter=at_counter, dropoff_slot=dropoff_slot
    )
    lines = merge_lines(lines)  # an offer asked for in several lines: one line
    _check_open_orders(session, customer, payment, settings, origin=origin)
    note = _checked_note(note)
    _check_dropoff_slot(lines, dropoff_slot, at_counter=at_counter, now=now)
    days = _check_stock(session, lines, now=now, delivery_day=for_subscription, origin=origin)
    pickup_slot = _check_pickup_slot(
        session, lines, pickup_slot, dropoff_slot=dropoff_slot, now=now, settings=settings
    )
    _take_places(session, dropoff_slot=dropoff_slot, pickup_slot=pickup_slot)
    order = _new_order(
        session,
        customer=customer,
        lines=lines,
        dropoff_slot=dropoff_slot,
        pickup_slot=pickup_slot,
        note=note,
        payment=payment,
        now=now,
        settings=settings,
        idempotency_key=idempotency_key,
        idempotency_fingerprint=idempotency_fingerprint,
        origin=origin,
        delivery_days=days,
    )
    _record_first_events(
        order, lines, customer=customer, payment=payment, at_counter=at_counter, now=now
    )
    _save_new_order(session, order, customer, idempotency_key, idempotency_fingerprint)
    if payment is PaymentMethod.DESK and confirm_by_mail:  # online: confirmed by its payment
        notifications.send_confirmation(order)
    return order


# The order's life -------------------------------------------------------------------------------

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset(
        {OrderStatus.CONFIRMED, OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED}
    ),
    # Online: the payment confirms it; an expired one cancels it (payments.service).
    OrderStatus.AWAITING_PAYMENT: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset(
        {
            OrderStatus.DROPPED_OFF,
            OrderStatus.BACK_AT_DESK,  # baskets: delivered to the desk directly
            OrderStatus.CANCELLED,
            OrderStatus.NO_SHOW,
        }
    ),
    OrderStatus.DROPPED_OFF: frozenset({OrderStatus.AT_PROVIDER}),
    OrderStatus.AT_PROVIDER: frozenset({OrderStatus.READY_AT_PROVIDER}),
    OrderStatus.READY_AT_PROVIDER: frozenset({OrderStatus.BACK_AT_DESK}),
    OrderStatus.BACK_AT_DESK: frozenset({OrderStatus.HANDED_OVER, OrderStatus.UNCOLLECTED}),
    # The customer comes at last: the desk still has the work.
    OrderStatus.UNCOLLECTED: frozenset({OrderStatus.HANDED_OVER}),
}

# The states an order may still be cancelled from: before anything reached the desk.
CANCELLABLE: frozenset[OrderStatus] = frozenset(
    status for status, following in TRANSITIONS.items() if OrderStatus.CANCELLED in following
)
# Steps that only the payment makes (payments.service), never a button.
PAYMENT_STEPS = frozenset({OrderStatus.AWAITING_PAYMENT})


def _fits_order(order: Order, to_status: OrderStatus) -> bool:
    if order.status is OrderStatus.CONFIRMED and to_status in (
        OrderStatus.DROPPED_OFF,
        OrderStatus.NO_SHOW,
    ):
        return order.has_dropoff
    if order.status is OrderStatus.CONFIRMED and to_status is OrderStatus.BACK_AT_DESK:
        return not order.has_dropoff
    return True


def next_steps(order: Order, user: User, *, now: datetime) -> list[OrderStatus]:
    """The steps `user` may take on `order` now, for buttons in the desk screens."""
    if order.status in PAYMENT_STEPS:  # the payment, or its expiry, moves it on
        return []
    return [
        status
        for status in sorted(TRANSITIONS.get(order.status, ()), key=list(OrderStatus).index)
        # Cancelling has its own button; marking work uncollected is the scheduled job's.
        if status not in (OrderStatus.CANCELLED, OrderStatus.UNCOLLECTED, *PAYMENT_STEPS)
        and _fits_order(order, status)
        and policy.can_move_order(user, order, status)
        and (status is not OrderStatus.NO_SHOW or _dropoff_over(order, now))
    ]


def _dropoff_over(order: Order, now: datetime) -> bool:
    return order.dropoff_slot is not None and now >= order.dropoff_slot.ends_at


def release_places(session: Session, order: Order, *, now: datetime) -> None:
    """Give the order's places back (cancelled, not brought): its lines no longer travel, so
    the planned days carrying them are planned again (rounds.stale)."""
    for slot in filter(None, [order.dropoff_slot, order.pickup_slot]):
        slots.release_place(session, slot)
    stale.order_changed(session, order, now=now)


def lock(session: Session, order: Order) -> None:
    """Reload the order's row under a lock (PostgreSQL: SELECT … FOR UPDATE) before a change of
    state: two requests acting on one order at once then run one after the other, and the second
    sees the first one's result (a double-clicked "cancel" frees the places once)."""
    session.refresh(order, with_for_update=True)


def advance_order(
    session: Session,
    order: Order,
    to_status: OrderStatus,
    *,
    actor: User,
    now: datetime,
    note: notes.Note | str = "",
) -> None:
    """Move `order` one step along its life, if that step is allowed to `actor` now.

    Back at the desk, the customer is mailed that it is ready once this is committed."""
    if to_status is OrderStatus.CANCELLED:
        cancel_order(session, order, actor=actor, now=now)
        return
    lock(session, order)
    if to_status not in TRANSITIONS.get(order.status, ()) or not _fits_order(order, to_status):
        raise InvalidTransition(
            _(
                "Une commande « %(a)s » ne peut pas passer à « %(b)s ».",
                a=status_label(order.status),
                b=status_label(to_status),
            )
        )
    if not policy.can_move_order(actor, order, to_status):
        raise OrderNotAllowed(_("Cette étape n'est pas de votre ressort."))
    waiting = (QuoteState.AWAITING_QUOTE, QuoteState.PROPOSED)
    # The concierge too: work done on an unanswered quote would be work done for nothing.
    if to_status is OrderStatus.READY_AT_PROVIDER and any(
        line.quote_state in waiting and not line.undone for line in order.lines
    ):
        raise OrderNotAllowed(_("Un devis attend l'accord du client : rien n'est fait avant."))
    due = ledger(order).balance_due_cents
    if to_status is OrderStatus.HANDED_OVER and due > 0:
        raise OrderError(_("Encaissez d'abord ce qui reste dû : %(due)s.", due=money(due)))
    if to_status is OrderStatus.NO_SHOW:
        if not _dropoff_over(order, now):
            raise TooLate(_("Le créneau de dépôt n'est pas encore terminé."))
        release_places(session, order, now=now)
    stamp_lines(order, to_status, now, actor=actor)
    record(order, to_status, actor=actor, now=now, note=note)
    invoices.issue_order_invoice(session, order, now=now)  # once done: handed over, uncollected
    session.flush()
    if to_status is OrderStatus.BACK_AT_DESK:  # written to the outbox with the step
        notifications.send_ready(order)


def cancel_order(session: Session, order: Order, *, actor: User, now: datetime) -> None:
    """Cancel an order and free its slot places.

    The customer may until the drop-off slot starts (or the basket cut-off); the concierge may as
    long as nothing has been handed to the desk.
    """
    is_concierge = actor.role is Role.CONCIERGE
    if not (is_concierge or actor.id == order.customer_id):
        raise OrderNotAllowed(_("Cette commande n'est pas la vôtre."))
    lock(session, order)
    if order.status in (OrderStatus.CANCELLED, OrderStatus.NO_SHOW):
        raise TooLate(_("Cette commande est déjà annulée."))
    if order.status not in CANCELLABLE:
        raise TooLate(_("Cette commande ne peut plus être annulée : elle est déjà en cours."))
    if not is_concierge and now >= order.cancellable_until:
        raise TooLate(_("Trop tard pour annuler : le créneau de dépôt a commencé."))
    release_places(session, order, now=now)
    record(order, OrderStatus.CANCELLED, actor=actor, now=now)
    session.flush()


# Reading ----------------------------------------------------------------------------------------


def orders_of(session: Session, customer: User) -> list[Order]:
    return list(
        session.scalars(
            sa.select(Order)
            .where(Order.customer_id == customer.id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .options(
                sa.orm.selectinload(Order.lines),
                sa.orm.selectinload(Order.dropoff_slot),
                sa.orm.selectinload(Order.pickup_slot),
                sa.orm.selectinload(Order.documents),  # its invoice, linked from the list
                # Its ledger: what was paid, given back and taken off.
                sa.orm.selectinload(Order.payments).selectinload(Payment.refunds),
                sa.orm.selectinload(Order.refunds),
                sa.orm.selectinload(Order.discounts),
            )
        )
    )


def find_by_idempotency_key(session: Session, customer: User, key: str) -> Order | None:
    return session.scalar(
        sa.select(Order).where(Order.customer_id == customer.id, Order.idempotency_key == key)
    )
