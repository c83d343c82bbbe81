"""What the desk screen lists, the customers served at the counter without an account, and the
reception of the items customers bring."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session, aliased, selectinload

from conciergerie import policy
from conciergerie.accounts.service import AccountError, normalise_email
from conciergerie.errors import DomainError
from conciergerie.models import (
    DeskSlot,
    OfferKind,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Refund,
    Role,
    User,
)
from conciergerie.orders import items as order_items
from conciergerie.orders import notes
from conciergerie.orders import service as orders
from conciergerie.orders.progress import awaited_since
from conciergerie.orders.service import OrderError
from conciergerie.timeutils import local_date, start_of_local_day

ACTIVE = [status for status in OrderStatus if not status.is_final]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _shown_with_an_order() -> list:
    """What a desk row or page reads of an order, loaded with it: its lines, customer, slots and
    the ledger (payments with their refunds, refunds, discounts, documents)."""
    return [
        selectinload(Order.lines).selectinload(OrderLine.provider),
        selectinload(Order.customer),
        selectinload(Order.dropoff_slot),
        selectinload(Order.pickup_slot),
        selectinload(Order.payments).selectinload(Payment.refunds),
        selectinload(Order.refunds).selectinload(Refund.payment),
        selectinload(Order.discounts),
        selectinload(Order.documents),
    ]


def active_orders(session: Session, *, search: str | None = None) -> list[Order]:
    """Orders still moving, by their next slot (pickup when there is no drop-off).

    `search` finds any order, finished ones too: by its exact code, by a piece of the
    customer's name or e-mail address (case-insensitive), or by their phone number (see
    _phone_matches), the most recent first.
    """
    dropoff, pickup = aliased(DeskSlot), aliased(DeskSlot)
    query = (
        sa.select(Order)
        .join(pickup, Order.pickup_slot_id == pickup.id)
        .outerjoin(dropoff, Order.dropoff_slot_id == dropoff.id)
        .options(*_shown_with_an_order())
    )
    search = (search or "").strip()
    if not search:
        return list(
            session.scalars(
                query.where(Order.status.in_(ACTIVE)).order_by(
                    sa.func.coalesce(dropoff.starts_at, pickup.starts_at), Order.id
                )
            )
        )
    pattern = f"%{_escape_like(search.lower())}%"
    matches = [
        Order.code == search.upper(),
        sa.func.lower(User.full_name).like(pattern, escape="\\"),
        User.email.like(pattern, escape="\\"),  # stored lower-cased
    ]
    if len(phone_digits(search)) >= 4 and not search.strip(PHONE_SEPARATORS + "0123456789"):
        matches.append(_phone_matches(search))
    found = query.join(User, User.id == Order.customer_id).where(sa.or_(*matches))
    return list(session.scalars(found.order_by(Order.placed_at.desc(), Order.id).limit(50)))


def the_match(found: Sequence[Order], search: str) -> Order | None:
    """The one order a desk search means: the order of that exact code, or the only one found."""
    code = search.strip().upper()
    exact = [order for order in found if order.code == code]
    if exact:
        return exact[0]
    return found[0] if len(found) == 1 else None


# The desk's day ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRow:
    """An order expected in a slot: to drop off its items (`pickup` False) or to collect them;
    `late` once the slot is over and that has not happened."""

    order: Order
    pickup: bool
    late: bool


@dataclass(frozen=True)
class SlotOfTheDay:
    slot: DeskSlot
    dropping_off: list[DeskRow]
    collecting: list[DeskRow]

    @property
    def rows(self) -> list[DeskRow]:
        return self.dropping_off + self.collecting


@dataclass(frozen=True)
class DayFilters:
    """What the desk narrows its day to: one slot, one state, late orders only."""

    slot_id: int | None = None
    status: OrderStatus | None = None
    late_only: bool = False

    def keeps(self, slot: DeskSlot, row: DeskRow) -> bool:
        return (
            (self.slot_id is None or slot.id == self.slot_id)
            and (self.status is None or row.order.status is self.status)
            and (row.late or not self.late_only)
        )


def is_late(order: Order, slot: DeskSlot, *, pickup: bool, now: datetime) -> bool:
    """Whether the slot is over without its drop-off (the items never came) or its pickup (not
    handed over: still at the desk, or marked uncollected). A cancelled order, or one whose
    items never came, is not expected at its pickup."""
    if slot.ends_at > now:
        return False
    if pickup:
        return order.status not in (
            OrderStatus.HANDED_OVER,
            OrderStatus.CANCELLED,
            OrderStatus.NO_SHOW,
        )
    return not is_dropped(order) and order.status is not OrderStatus.CANCELLED


def day_slots(session: Session, day: date, *, now: datetime) -> list[SlotOfTheDay]:
    """The desk slots of `day` (in Paris), each with the orders expected in it, to drop off and
    to collect, by customer name (cancelled orders are not expected). Two queries (and the
    eager loads), however many orders."""
    start, end = start_of_local_day(day), start_of_local_day(day + timedelta(days=1))
    slots = session.scalars(
        sa.select(DeskSlot)
        .where(DeskSlot.starts_at >= start, DeskSlot.starts_at < end)
        .order_by(DeskSlot.starts_at)
    ).all()
    ids = [slot.id for slot in slots]
    expected = session.scalars(
        sa.select(Order)
        .join(User, User.id == Order.customer_id)
        .where(
            sa.or_(Order.dropoff_slot_id.in_(ids), Order.pickup_slot_id.in_(ids)),
            Order.status != OrderStatus.CANCELLED,
        )
        .options(*_shown_with_an_order())
        .order_by(User.full_name, Order.code)
    ).all()
    return [
        SlotOfTheDay(
            slot,
            [
                DeskRow(o, False, is_late(o, slot, pickup=False, now=now))
                for o in expected
                if o.dropoff_slot_id == slot.id
            ],
            [
                DeskRow(o, True, is_late(o, slot, pickup=True, now=now))
                for o in expected
                if o.pickup_slot_id == slot.id
            ],
        )
        for slot in slots
    ]


def narrowed(day_list: Sequence[SlotOfTheDay], filters: DayFilters) -> list[SlotOfTheDay]:
    """The rows `filters` keep, in the slots left with a row."""
    kept = [
        SlotOfTheDay(
            entry.slot,
            [row for row in entry.dropping_off if filters.keeps(entry.slot, row)],
            [row for row in entry.collecting if filters.keeps(entry.slot, row)],
        )
        for entry in day_list
    ]
    return [entry for entry in kept if entry.rows]


def is_dropped(order: Order) -> bool:
    """Whether the order's items reached the desk (cancellable: nothing has yet)."""
    return order.status not in orders.CANCELLABLE


def uncollected_since(order: Order, *, now: datetime) -> date | None:
    """For an order waiting at the desk: the day it could be collected, once that day is over."""
    if order.status is not OrderStatus.BACK_AT_DESK:
        return None
    day = awaited_since(order)
    return day if day < local_date(now) else None


# Customers served at the counter ------------------------------------------------------------


class WalkInError(DomainError):
    """A refusal; `field` names the input at fault, if any."""


NO_ADDRESS_DOMAIN = "sans-adresse.invalid"  # reserved: never mailed (see mail.can_mail)


PHONE_SEPARATORS = " .-+()/"


def phone_digits(text: str) -> str:
    """A phone number's digits, without the ways of writing it ("06 12.34-56 78")."""
    return re.sub(r"\D", "", text or "")


def national_number(text: str) -> str:
    """The digits that stay the same however a French number is written: without the trunk
    "0" (06…) or the country code (+33 6…, 0033 6…, +33 (0)6…); another country's number
    without its "+" or "00". Parts of a number too ("06 12", "+33 6 12")."""
    digits = phone_digits(text)
    international = text.strip().startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if international or (digits.startswith("33") and len(digits) == 11):
        if not digits.startswith("33"):
            return digits
        digits = digits[2:]
    return digits[1:] if digits.startswith("0") else digits


# How the start of a number may be written in an account: 06…, 6…, +33 6…, +33 (0)6…, 0033 6…,
# and, for another country's number, +44… or 0044….
NUMBER_STARTS = ("0", "", "33", "330", "0033", "00330", "00")


def _phone_matches(search: str) -> sa.ColumnElement[bool]:
    """The accounts whose phone is the number typed at the desk, or starts with it ("06 12"),
    however either is written; digits typed without a leading "0" or "+" ("56 78") are looked
    for anywhere in the number."""
    stored = _digits_of(User.phone)
    if not search.strip().startswith(("0", "+")):
        return stored.like(f"%{phone_digits(search)}%")
    number = national_number(search)
    if len(number) < 2:  # "0033" alone: no number yet, nothing to match
        return sa.false()
    return sa.or_(*(stored.like(f"{start}{number}%") for start in NUMBER_STARTS))


def _digits_of(column: sa.ColumnElement) -> sa.ColumnElement:
    """`phone_digits` in SQL (the separators people type; other characters are not digits
    either, but are not found in the numbers the desk types)."""
    for separator in PHONE_SEPARATORS:
        column = sa.func.replace(column, separator, "")
    return column


def _check_walk_in_details(full_name: str, phone: str, email: str) -> str:
    """A name, and a phone number or an e-mail address to reach the customer: the digits of
    the phone number (empty without one)."""
    if not 1 <= len(full_name) <= 120:
        raise WalkInError(_("Indiquez le nom du client (120 caractères au plus)."), field="name")
    digits = phone_digits(phone)
    if phone and not 6 <= len(digits) <= 15:
        raise WalkInError(_("Numéro de téléphone invalide."), field="phone")
    if not (digits or email):
        raise WalkInError(
            _("Un téléphone ou une adresse e-mail, pour prévenir le client."), field="phone"
        )
    return digits


def _account_of_email(session: Session, email: str) -> tuple[str, User | None]:
    """The normalised address and the account that has it, if any (which must be able to
    order)."""
    try:
        address = normalise_email(email)
    except AccountError as error:
        raise WalkInError(str(error), field="email") from error
    user = session.scalar(sa.select(User).where(User.email == address))
    if user is not None and (not user.is_customer or not user.is_active_account):
        raise WalkInError(
            _("Cette adresse est celle d'un compte qui ne peut pas commander."),
            field="email",
        )
    return address, user


def _customer_of_phone(session: Session, full_name: str, phone: str) -> User | None:
    """The customer with this phone number and this first name, the most recent first."""
    # The same number and the same first name: a household sharing a phone is not one
    # customer (their orders, labels and data would be mixed up).
    first_name = full_name.split()[0].casefold()
    number = national_number(phone)
    for user in session.scalars(
        sa.select(User)
        .where(
            # Served at the counter before, or since with an account of their own.
            User.role.in_([Role.RESIDENT, Role.EMPLOYEE]),
            User.is_active_account.is_(True),
            _digits_of(User.phone).like(f"%{number}"),  # narrowed here, checked below
            User.anonymised_at.is_(None),
        )
        .order_by(User.id.desc())
    ):
        if national_number(user.phone or "") == number and user.full_name.casefold().split()[
            :1
        ] == [first_name]:
            return user
    return None


def walk_in_customer(
    session: Session, *, full_name: str, phone: str, email: str, now: datetime
) -> User:
    """The customer the concierge serves at the counter: the account of this e-mail if there is
    one, else the customer with this phone number and first name, else a new walk-in
    customer (a resident with no password; with an e-mail, they can claim the account later by
    choosing a password through "forgotten password")."""
    full_name, phone, email = full_name.strip(), phone.strip(), email.strip()
    digits = _check_walk_in_details(full_name, phone, email)
    address = None
    if email:
        address, user = _account_of_email(session, email)
        if user is not None:
            if digits and not user.phone:
                user.phone = phone
            return user
    elif digits:
        user = _customer_of_phone(session, full_name, phone)
        if user is not None:
            return user
    user = User(
        email=address or f"comptoir-{secrets.token_hex(8)}@{NO_ADDRESS_DOMAIN}",
        full_name=full_name,
        phone=phone or None,
        password_hash="!",  # matches no password
        role=Role.RESIDENT,
        is_walk_in=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def counter_quote(lines: Sequence[orders.RequestedLine], settings: orders.OrderSettings):
    """What an order taken at the counter will cost, shown before it is saved: a walk-in pays the
    residents' fee (an account found by its details may pay less: tarif solidaire, a verified
    employee of a subscribing company; the order itself says)."""
    return orders.quote(lines, User(role=Role.RESIDENT), settings)


def place_counter_order(
    session: Session,
    *,
    full_name: str,
    phone: str,
    email: str,
    lines: Sequence[orders.RequestedLine],
    pickup_slot: DeskSlot | None,
    note: str,
    actor: User,
    now: datetime,
    settings: orders.OrderSettings,
) -> Order:
    """An order the concierge takes at the counter for the customer of these details (see
    `walk_in_customer`): the items are handed in now, paid at the desk, collected in
    `pickup_slot`. The customer is mailed the confirmation once it is committed, if they gave
    an address. Raises WalkInError (field "name", "phone" or "email") or OrderError."""
    customer = walk_in_customer(session, full_name=full_name, phone=phone, email=email, now=now)
    return orders.place_order(
        session,
        customer=customer,
        lines=lines,
        dropoff_slot=None,
        pickup_slot=pickup_slot,
        note=note,
        payment=PaymentMethod.DESK,
        now=now,
        settings=settings,
        at_counter=actor,
    )


# Receiving the items of an order (check-in at drop-off) ----------------------------------------


class CheckInError(OrderError):
    """The reception cannot be recorded; `field`: "remarks", "received-<line id>" or None."""


MAX_REMARKS_LENGTH = 300  # Order.dropoff_remarks


def _checked_remarks(remarks: str) -> str:
    """The remarks on one line, whitespace folded; raises CheckInError when too long."""
    remarks = " ".join((remarks or "").split())
    if len(remarks) > MAX_REMARKS_LENGTH:
        raise CheckInError(_("%(n)d caractères au plus.", n=MAX_REMARKS_LENGTH), field="remarks")
    return remarks


def _lock_awaiting_dropoff(session: Session, order: Order, actor: User) -> None:
    """Lock the order, then check that `actor` may receive it and that it awaits a drop-off
    (checked under the lock, so that no other request changes it meanwhile)."""
    orders.lock(session, order)
    if not policy.can_move_order(actor, order, OrderStatus.DROPPED_OFF):
        raise orders.OrderNotAllowed(_("Seul·e la concierge réceptionne les articles."))
    if order.status is not OrderStatus.CONFIRMED or not order.has_dropoff:
        raise orders.InvalidTransition(
            _(
                "%(code)s n'attend pas de dépôt (statut : %(status)s).",
                code=order.code,
                status=orders.status_label(order.status),
            )
        )


def _received_counts(services: dict[int, OrderLine], received: dict[int, int]) -> dict[int, int]:
    """How many items came of each service line (line id → count), each between 0 and what
    was ordered; raises CheckInError for an unknown or missing line."""
    for line_id in received:
        if line_id not in services:
            raise CheckInError(_("Ligne inconnue dans cette commande : rechargez la page."))
    counts: dict[int, int] = {}
    for line_id, line in services.items():
        count = received.get(line_id)
        field = f"received-{line_id}"
        if count is None:
            raise CheckInError(
                _("Indiquez combien d'articles sont reçus pour « %(name)s ».", name=line.name),
                field=field,
            )
        if count > line.quantity:
            raise CheckInError(
                ngettext(
                    "%(num)d commandé au plus : pour davantage, prenez une nouvelle commande "
                    "au comptoir.",
                    "%(num)d commandés au plus : pour davantage, prenez une nouvelle commande "
                    "au comptoir.",
                    line.quantity,
                ),
                field=field,
            )
        if count < 0:
            raise CheckInError(_("Nombre invalide."), field=field)
        counts[line_id] = count
    return counts


def _check_every_service_came(services: dict[int, OrderLine], counts: dict[int, int]) -> None:
    """At least one item of each service line: a line with nothing is not lowered to 0 (the
    order is cancelled and taken again at the counter instead)."""
    if not any(counts.values()):
        raise CheckInError(
            _(
                "Aucun article reçu : la commande n'est pas déposée. Marquez-la « Non déposée » "
                "après son créneau, ou annulez-la."
            )
        )
    for line_id, count in counts.items():
        if count == 0:
            raise CheckInError(
                _(
                    "Au moins 1 article par prestation. Rien n'est apporté pour « %(name)s » : "
                    "annulez la commande et prenez-la de nouveau au comptoir sans cette "
                    "prestation.",
                    name=services[line_id].name,
                ),
                field=f"received-{line_id}",
            )


def _reception_note(services: dict[int, OrderLine], counts: dict[int, int]) -> notes.Note:
    """The history's note of what came, shortened to a count when it would not fit."""
    items = [
        notes.note("received_line", count=counts[line.id], name=line.name)
        if counts[line.id] == line.quantity
        else notes.note(
            "received_short", count=counts[line.id], name=line.name, ordered=line.quantity
        )
        for line in services.values()
    ]
    note = notes.note("received", items=notes.nested(items))
    if len(note.french()) >= notes.MAX_NOTE:  # the history's note: it would be cut
        note = notes.note("received_count", count=sum(counts.values()))
    return note


def check_in(
    session: Session,
    order: Order,
    *,
    received: dict[int, int],
    remarks: str,
    actor: User,
    now: datetime,
) -> None:
    """The concierge receives a confirmed order's items at the desk: how many of each service
    line came (at least 1, at most what was ordered) and, optionally, their state.

    The order moves to "dropped off" through `advance_order` (its state and permission rules),
    its history noting what came; the remarks are kept on the order (the provider and the
    customer see them). A line brought short is lowered and the order's ledger follows: nothing is
    charged for what did not come, and what was paid for it is owed back (payments.ledger).
    Raises CheckInError, InvalidTransition or OrderNotAllowed: nothing of it may be kept.
    """
    remarks = _checked_remarks(remarks)
    _lock_awaiting_dropoff(session, order, actor)
    services = {line.id: line for line in order.lines if line.kind is OfferKind.SERVICE}
    counts = _received_counts(services, received)
    _check_every_service_came(services, counts)
    note = _reception_note(services, counts)
    orders.advance_order(session, order, OrderStatus.DROPPED_OFF, actor=actor, now=now, note=note)
    order.dropoff_remarks = remarks
    for line_id, count in counts.items():
        services[line_id].quantity = count
        order_items.keep_received(services[line_id], count)
    session.flush()
