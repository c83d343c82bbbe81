"""Rooms' rules: requesting a space, confirming or declining, cancelling, quotas and the week.

Functions over a session that flush and never commit, taking the actor and the time. A refusal
is a `DomainError`. Two confirmed bookings of one space never overlap: `_hold` looks first (to
refuse with a readable message) and the database has the last word (an exclusion constraint on
PostgreSQL, a trigger on SQLite, see models/rooms.py), whose refusal becomes the same
`BookingConflict` — whatever arrives at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from conciergerie import policy
from conciergerie.accounts.service import active_concierges
from conciergerie.errors import DomainError
from conciergerie.invoices import service as invoices
from conciergerie.models import (
    BookerKind,
    Booking,
    BookingStatus,
    MemberCompany,
    RoomQuota,
    Space,
    SpacePhoto,
    User,
)
from conciergerie.rooms import availability, notifications, pricing
from conciergerie.timeutils import at_local, local_date

MAX_PURPOSE, MAX_NOTE, MAX_REASON, MAX_ASSOCIATION = 300, 500, 300, 160
# How far ahead a space may be booked.
HORIZON = timedelta(days=366)


class BookingRefused(DomainError):
    code = "booking_refused"
    status = 422


class BookingConflict(DomainError):
    """The space is taken then by a confirmed booking (or just became so)."""

    code = "booking_conflict"
    status = 409


class BookingState(DomainError):
    """The booking is no longer in a state where this can be done."""

    code = "booking_state"
    status = 409


# Reading ----------------------------------------------------------------------------------------


def active_spaces(session: Session) -> list[Space]:
    return list(
        session.scalars(
            sa.select(Space).where(Space.is_active).order_by(Space.position, Space.name)
        )
    )


def booker_kind_of(user: User) -> BookerKind:
    """A member company's verified employee books for it; anyone else at the full price until
    the concierge says otherwise (a district association) when confirming."""
    return BookerKind.MEMBER if user.is_verified_employee else BookerKind.PUBLIC


def confirmed_between(
    session: Session, space: Space, start: datetime, end: datetime
) -> list[Booking]:
    return list(
        session.scalars(
            sa.select(Booking)
            .where(
                Booking.space_id == space.id,
                Booking.status == BookingStatus.CONFIRMED,
                Booking.starts_at < end,
                Booking.ends_at > start,
            )
            .order_by(Booking.starts_at)
        )
    )


@dataclass(frozen=True)
class WeekDay:
    day: date
    open: bool
    periods: list[availability.Period]
    requests: list[Booking]  # waiting for the concierge (shown to her only)


def week(session: Session, space: Space, monday: date) -> list[WeekDay]:
    """The seven days from `monday`: each open day's hours cut into free and busy periods."""
    start = at_local(monday, datetime.min.time())
    end = at_local(monday + timedelta(days=7), datetime.min.time())
    taken = confirmed_between(session, space, start, end)
    waiting = session.scalars(
        sa.select(Booking)
        .where(
            Booking.space_id == space.id,
            Booking.status == BookingStatus.REQUESTED,
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
        .order_by(Booking.starts_at)
    ).all()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        is_open = availability.is_open_weekday(space.open_weekdays, day)
        periods = (
            availability.day_periods(
                day,
                opens_at=space.opens_at,
                closes_at=space.closes_at,
                taken=[(b.starts_at, b.ends_at, b) for b in taken],
            )
            if is_open
            else []
        )
        requests = [b for b in waiting if local_date(b.starts_at) == day]
        days.append(WeekDay(day, is_open, periods, requests))
    return days


def bookings_of_day(session: Session, day: date) -> list[Booking]:
    """The day's confirmed bookings of every space (the desk's day), by start."""
    start = at_local(day, datetime.min.time())
    end = at_local(day + timedelta(days=1), datetime.min.time())
    return list(
        session.scalars(
            sa.select(Booking)
            .where(
                Booking.status == BookingStatus.CONFIRMED,
                Booking.starts_at < end,
                Booking.ends_at > start,
            )
            .order_by(Booking.starts_at, Booking.space_id)
            .options(
                selectinload(Booking.space),
                selectinload(Booking.requester),
                selectinload(Booking.company),
            )
        )
    )


def waiting_requests(session: Session) -> list[Booking]:
    return list(
        session.scalars(
            sa.select(Booking)
            .where(Booking.status == BookingStatus.REQUESTED)
            .order_by(Booking.starts_at)
        )
    )


def bookings_of(session: Session, user: User) -> list[Booking]:
    return list(
        session.scalars(
            sa.select(Booking)
            .where(Booking.requester_id == user.id)
            .order_by(Booking.starts_at.desc())
        )
    )


# Quotas -----------------------------------------------------------------------------------------


def quota_hours(session: Session, company: MemberCompany) -> int:
    quota = session.get(RoomQuota, company.id)
    return quota.hours_per_month if quota else 0


def set_quota(session: Session, company: MemberCompany, hours: int) -> None:
    """The hours of rooms a month the company's subscription includes."""
    if not 0 <= hours <= 744:
        raise BookingRefused(_("Entre 0 et 744 heures par mois."), field="hours_per_month")
    quota = session.get(RoomQuota, company.id) or RoomQuota(company_id=company.id)
    quota.hours_per_month = hours
    session.add(quota)
    session.flush()


def quota_left_minutes(
    session: Session, company: MemberCompany, moment: datetime, *, besides: Booking | None = None
) -> int:
    """The minutes of the company's quota still free in the (Paris) month of `moment`: its
    hours less what its confirmed bookings of the month (and those cancelled too late) took.

    The quota's row is locked (PostgreSQL) until the transaction ends: two bookings of one
    company confirmed at once take turns, and the second counts the hours the first took."""
    quota = session.get(RoomQuota, company.id, with_for_update=True)
    if quota is None or quota.hours_per_month == 0:
        return 0
    first = local_date(moment).replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    used = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Booking.included_minutes), 0)).where(
            Booking.company_id == company.id,
            sa.or_(
                Booking.status == BookingStatus.CONFIRMED,
                Booking.cancellation_charged.is_(True),
            ),
            Booking.starts_at >= at_local(first, datetime.min.time()),
            Booking.starts_at < at_local(following, datetime.min.time()),
            Booking.id != (besides.id if besides is not None and besides.id else -1),
        )
    )
    return max(quota.hours_per_month * 60 - int(used), 0)


def price_of(
    session: Session, booking: Booking, kind: BookerKind, company: MemberCompany | None
) -> pricing.Quote:
    """What `booking` would cost for `kind` (a member company's quota taken off first)."""
    left = 0
    if kind is BookerKind.MEMBER and company is not None:
        left = quota_left_minutes(session, company, booking.starts_at, besides=booking)
    return pricing.quote(booking.space.prices(kind), booking.minutes, quota_left_minutes=left)


# Requesting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingRequest:
    """What a requester asks for (times aware; shown and typed in Paris time)."""

    starts_at: datetime
    ends_at: datetime
    purpose: str
    attendees: int
    layout: str = ""
    catering_note: str = ""
    association_name: str = ""


def _check_request(space: Space, wish: BookingRequest, *, now: datetime) -> None:
    if not space.is_active:
        raise BookingRefused(_("Cet espace ne se réserve plus."))
    if wish.ends_at <= wish.starts_at:
        raise BookingRefused(_("La fin doit suivre le début."), field="ends_at")
    if wish.starts_at <= now:
        raise BookingRefused(_("Ce moment est déjà passé."), field="starts_at")
    if wish.starts_at > now + HORIZON:
        raise BookingRefused(_("On réserve au plus un an à l'avance."), field="starts_at")
    if not availability.within_opening(
        wish.starts_at,
        wish.ends_at,
        opens_at=space.opens_at,
        closes_at=space.closes_at,
        open_weekdays=space.open_weekdays,
    ):
        raise BookingRefused(
            _("L'espace n'est pas ouvert à ces heures (voir ses horaires)."), field="starts_at"
        )
    if not 1 <= wish.attendees <= space.capacity:
        raise BookingRefused(
            _("Cet espace accueille %(num)d personnes au plus.", num=space.capacity),
            field="attendees",
        )
    if wish.layout and wish.layout not in space.layout_choices:
        raise BookingRefused(_("Disposition inconnue pour cet espace."), field="layout")
    if not wish.purpose.strip() or len(wish.purpose) > MAX_PURPOSE:
        raise BookingRefused(
            _("Dites en quelques mots l'objet de la réservation."), field="purpose"
        )


def request_booking(
    session: Session, space: Space, requester: User, wish: BookingRequest, *, now: datetime
) -> Booking:
    """Ask for `space`. A member company's request that its month's quota covers is confirmed
    at once (the requester is mailed); the others wait for the concierge (who is mailed)."""
    _check_request(space, wish, now=now)
    if confirmed_between(session, space, wish.starts_at, wish.ends_at):
        raise BookingConflict(_("Cet espace est déjà réservé sur ce créneau."), field="starts_at")
    kind = booker_kind_of(requester)
    booking = Booking(
        space=space,
        requester=requester,
        booker_kind=kind,
        company=requester.member_company if kind is BookerKind.MEMBER else None,
        association_name=wish.association_name.strip()[:MAX_ASSOCIATION],
        status=BookingStatus.REQUESTED,
        starts_at=wish.starts_at,
        ends_at=wish.ends_at,
        purpose=wish.purpose.strip(),
        attendees=wish.attendees,
        layout=wish.layout,
        catering_note=wish.catering_note.strip()[:MAX_NOTE],
        created_at=now,
    )
    session.add(booking)
    session.flush()
    if kind is BookerKind.MEMBER:
        cost = price_of(session, booking, kind, booking.company)
        if cost.price_cents == 0 and cost.included_minutes == booking.minutes:
            _hold(session, booking, cost, actor=None, now=now, check_overlap=True)
            notifications.send_confirmed(booking)
            return booking
    for concierge in active_concierges(session):
        notifications.send_requested(booking, concierge)
    return booking


# Deciding ---------------------------------------------------------------------------------------


def _hold(
    session: Session,
    booking: Booking,
    cost: pricing.Quote,
    *,
    actor: User | None,
    now: datetime,
    check_overlap: bool,
) -> None:
    """Confirm `booking` at `cost`. `check_overlap=False` skips the look before writing (only
    the tests' control run does, to show that the database's guard alone refuses)."""
    if check_overlap and any(
        other.id != booking.id
        for other in confirmed_between(session, booking.space, booking.starts_at, booking.ends_at)
    ):
        raise BookingConflict(_("Cet espace est déjà réservé sur ce créneau."), field="starts_at")
    try:
        with session.begin_nested():  # opened first: it flushes what was pending
            booking.status = BookingStatus.CONFIRMED
            booking.price_cents = cost.price_cents
            booking.included_minutes = cost.included_minutes
            booking.decided_at, booking.decided_by = now, actor
            session.flush()
    except IntegrityError as error:  # a confirmation of the same hours committed meanwhile
        raise BookingConflict(
            _("Cet espace vient d'être réservé sur ce créneau."), field="starts_at"
        ) from error


def confirm_booking(
    session: Session,
    booking: Booking,
    *,
    actor: User,
    kind: BookerKind,
    association_name: str = "",
    now: datetime,
    check_overlap: bool = True,
) -> Booking:
    """The concierge confirms a request, saying who books (which sets the price); the
    requester is mailed."""
    if booking.status is not BookingStatus.REQUESTED:
        raise BookingState(_("Cette demande a déjà reçu une réponse."))
    if booking.starts_at <= now:
        raise BookingState(_("Ce moment est déjà passé."))
    company = booking.company or booking.requester.member_company
    if kind is BookerKind.MEMBER and company is None:
        raise BookingRefused(
            _("Le demandeur n'est salarié d'aucune entreprise membre."), field="kind"
        )
    booking.booker_kind = kind
    booking.company = company if kind is BookerKind.MEMBER else None
    if kind is BookerKind.ASSOCIATION:
        name = (association_name or booking.association_name).strip()
        if not name:
            raise BookingRefused(_("Nommez l'association."), field="association_name")
        booking.association_name = name[:MAX_ASSOCIATION]
    cost = price_of(session, booking, kind, booking.company)
    _hold(session, booking, cost, actor=actor, now=now, check_overlap=check_overlap)
    notifications.send_confirmed(booking)
    return booking


def decline_booking(
    session: Session, booking: Booking, *, actor: User, reason: str, now: datetime
) -> Booking:
    """The concierge declines a request, with a reason the requester reads in their mail."""
    if booking.status is not BookingStatus.REQUESTED:
        raise BookingState(_("Cette demande a déjà reçu une réponse."))
    if not reason.strip():
        raise BookingRefused(_("Donnez la raison au demandeur."), field="reason")
    booking.status = BookingStatus.DECLINED
    booking.decline_reason = reason.strip()[:MAX_REASON]
    booking.decided_at, booking.decided_by = now, actor
    session.flush()
    notifications.send_declined(booking)
    return booking


# Cancelling and paying --------------------------------------------------------------------------


def free_until(booking: Booking, *, free_hours: int) -> datetime:
    """Until when a confirmed booking is cancelled free of charge."""
    return booking.starts_at - timedelta(hours=free_hours)


class BookingNotAllowed(DomainError):
    code = "forbidden"
    status = 403


def cancel_booking(
    session: Session,
    booking: Booking,
    *,
    actor: User,
    free_hours: int,
    now: datetime,
    free_of_charge: bool = False,
) -> Booking:
    """Cancel: free until `free_hours` before the start, its price owed after (the booking's
    charge says so), unless the concierge cancels it `free_of_charge` (the house's doing: the
    room is needed, out of order). The requester is mailed when the concierge cancels."""
    if free_of_charge and not policy.can_cancel_booking_free(actor):
        raise BookingNotAllowed(_("Seule la conciergerie annule sans frais après le délai."))
    if booking.status not in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
        raise BookingState(_("Cette réservation n'est plus en cours."))
    if booking.ends_at <= now:
        raise BookingState(_("Cette réservation est passée."))
    late = (
        booking.status is BookingStatus.CONFIRMED
        and now > free_until(booking, free_hours=free_hours)
        and not free_of_charge
    )
    booking.cancellation_charged = late  # its price, and its quota hours, stay taken
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at, booking.cancelled_by = now, actor
    session.flush()
    if late:  # what it still charges is invoiced now
        invoices.issue_booking_invoice(session, booking, now=now)
    if actor.id != booking.requester_id:
        notifications.send_cancelled(booking)
    return booking


def record_payment(session: Session, booking: Booking, *, actor: User, now: datetime) -> None:
    """The concierge records that what the booking charges was paid at the desk."""
    figures = pricing.charge(booking)
    if figures.state is not pricing.ChargeState.CHARGED or not figures.amount_cents:
        raise BookingState(_("Cette réservation ne doit rien."))
    if booking.paid_at is not None:
        raise BookingState(_("Ce paiement est déjà enregistré."))
    booking.paid_at = now
    session.flush()


def record_refund(session: Session, booking: Booking, *, actor: User, now: datetime) -> None:
    """The concierge gave back at the desk what the booking owed back (paid, then cancelled in
    time)."""
    if not pricing.charge(booking).refund_due_cents:
        raise BookingState(_("Rien n'est à rendre pour cette réservation."))
    booking.refunded_at = now
    session.flush()


# Describing the spaces --------------------------------------------------------------------------


def save_space(
    session: Session, space: Space | None, *, image_names: list[str], **values: object
) -> Space:
    """Create a space (`space` None) or change one; `image_names`: photos added after its
    others."""
    if space is None:
        space = Space()
        session.add(space)
    for name, value in values.items():
        setattr(space, name, value)
    start = max((photo.position for photo in space.photos), default=-1) + 1
    for offset, image_name in enumerate(image_names):
        space.photos.append(SpacePhoto(image_name=image_name, position=start + offset))
    session.flush()
    return space


def remove_photo(session: Session, photo: SpacePhoto) -> None:
    """Take a photo off its space (the file stays: a page loading it still finds it)."""
    session.delete(photo)
    session.flush()


# For the reports --------------------------------------------------------------------------------


def _held_between(start: datetime, end: datetime):
    """Bookings that took place (or are owed as if) between `start` and `end`: confirmed, or
    cancelled too late, starting then."""
    return sa.and_(
        sa.or_(Booking.status == BookingStatus.CONFIRMED, Booking.cancellation_charged.is_(True)),
        Booking.starts_at >= start,
        Booking.starts_at < end,
    )


def income_between(session: Session, start: datetime, end: datetime) -> int:
    """What the rooms charged for the bookings of the period (counted when they take place), in
    cents: the month's accounts show it as a line of its own."""
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Booking.price_cents), 0)).where(
                _held_between(start, end)
            )
        )
    )


@dataclass(frozen=True)
class AssociationUse:
    bookings: int
    minutes: int
    associations: int  # distinct names


def association_use(session: Session, start: datetime, end: datetime) -> AssociationUse:
    """The rooms used by district associations in the period (for the impact report)."""
    rows = session.execute(
        sa.select(Booking.starts_at, Booking.ends_at, Booking.association_name).where(
            _held_between(start, end),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.booker_kind == BookerKind.ASSOCIATION,
        )
    ).all()
    return AssociationUse(
        bookings=len(rows),
        minutes=sum(int((e - s).total_seconds() // 60) for s, e, _name in rows),
        associations=len({name.strip().casefold() for _s, _e, name in rows}),
    )
