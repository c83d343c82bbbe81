"""Desk slots: generated from the opening hours, booked without ever overbooking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from conciergerie.errors import DomainError
from conciergerie.models import DeskClosure, DeskOpeningRange, DeskSlot, Order
from conciergerie.timeutils import at_local, is_public_holiday, local_date, start_of_local_day


class SlotError(DomainError):
    pass


class SlotFull(SlotError):
    """No place left in the slot."""


class AlreadyClosed(SlotError):
    """The day is closed already (maybe by the same form sent twice at once)."""

    code = "already_closed"
    status = 409


@dataclass(frozen=True)
class GenerationReport:
    created: int
    removed: int
    kept_with_bookings: int


def closure_days(session: Session, start: date, end: date) -> set[date]:
    """The desk's own closure days in [start, end] (public holidays are checked apart)."""
    return set(
        session.scalars(sa.select(DeskClosure.day).where(DeskClosure.day.between(start, end)))
    )


def is_desk_closed(day: date, closures: set[date]) -> bool:
    return day in closures or is_public_holiday(day)


def wanted_slots(
    ranges: list[DeskOpeningRange],
    *,
    start: date,
    end: date,
    closures: set[date],
    length: timedelta,
) -> list[tuple[datetime, datetime]]:
    """(starts_at, ends_at) in UTC of every whole slot the opening hours give in [start, end)."""
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for opening in ranges:
        by_weekday.setdefault(opening.weekday, []).append((opening.opens_at, opening.closes_at))
    slots = []
    day = start
    while day < end:
        if not is_desk_closed(day, closures):
            for opens_at, closes_at in sorted(by_weekday.get(day.weekday(), [])):
                begin, close = at_local(day, opens_at), at_local(day, closes_at)
                while begin + length <= close:
                    slots.append((begin, begin + length))
                    begin += length
        day += timedelta(days=1)
    return slots


def generate_slots(
    session: Session, *, now: datetime, weeks: int, minutes: int, capacity: int
) -> GenerationReport:
    """Make the future slots match the opening hours for the next `weeks` weeks.

    Safe to run again: existing slots are kept (with their capacity and bookings); future empty
    slots that the hours no longer give (a new closure day, shorter hours) are removed; a slot
    that holds bookings is never removed.
    """
    if weeks < 1 or minutes < 5 or capacity < 0:
        raise SlotError(_("Paramètres de créneaux invalides."))
    start = local_date(now)
    end = start + timedelta(weeks=weeks)
    wanted = wanted_slots(
        list(session.scalars(sa.select(DeskOpeningRange))),
        start=start,
        end=end,
        closures=closure_days(session, start, end),
        length=timedelta(minutes=minutes),
    )
    existing = {
        slot.starts_at: slot
        for slot in session.scalars(
            sa.select(DeskSlot).where(
                DeskSlot.starts_at >= start_of_local_day(start),
                DeskSlot.starts_at < start_of_local_day(end),
            )
        )
    }
    wanted_starts = {starts_at for starts_at, _ends in wanted}
    created = 0
    for starts_at, ends_at in wanted:
        if starts_at not in existing:
            session.add(DeskSlot(starts_at=starts_at, ends_at=ends_at, capacity=capacity))
            created += 1
    removed = kept = 0
    stale = [
        slot
        for starts_at, slot in existing.items()
        if starts_at not in wanted_starts and starts_at > now
    ]
    referenced = _slots_with_orders(session, [slot.id for slot in stale])
    for slot in stale:
        if slot.id in referenced or slot.booked > 0:
            # An order (even a cancelled one) points at it: keep it for the record, but sell no
            # more places in it.
            slot.capacity = slot.booked
            kept += slot.booked > 0
        else:
            session.delete(slot)
            removed += 1
    session.flush()
    return GenerationReport(created=created, removed=removed, kept_with_bookings=kept)


def _slots_with_orders(session: Session, slot_ids: list[int]) -> set[int]:
    """Those of `slot_ids` that an order (whatever its status) points at."""
    if not slot_ids:
        return set()
    wanted = set(slot_ids)
    rows = session.execute(
        sa.select(Order.dropoff_slot_id, Order.pickup_slot_id).where(
            sa.or_(Order.dropoff_slot_id.in_(slot_ids), Order.pickup_slot_id.in_(slot_ids))
        )
    )
    return {slot_id for row in rows for slot_id in row if slot_id in wanted}


def reserve_place(session: Session, slot: DeskSlot) -> None:
    """Take one place in `slot`, or raise SlotFull.

    One conditional UPDATE: the database row lock makes concurrent bookings queue on the slot
    and re-check `booked < capacity` against the committed value, so two customers can never
    take the last place together (and the CHECK constraint is the backstop).
    """
    result = session.execute(
        sa.update(DeskSlot)
        .where(DeskSlot.id == slot.id, DeskSlot.booked < DeskSlot.capacity)
        .values(booked=DeskSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise SlotFull(_("Ce créneau est complet : choisissez-en un autre."))
    session.expire(slot, ["booked"])


def release_place(session: Session, slot: DeskSlot) -> None:
    """Give back one place in `slot` (a cancelled or expired booking)."""
    session.execute(
        sa.update(DeskSlot)
        .where(DeskSlot.id == slot.id, DeskSlot.booked > 0)
        .values(booked=DeskSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(slot, ["booked"])


def open_slots(
    session: Session, *, after: datetime, until: datetime, limit: int = 5000
) -> list[DeskSlot]:
    """Slots starting in (after, until) that still have a free place, earliest first."""
    return list(
        session.scalars(
            sa.select(DeskSlot)
            .where(
                DeskSlot.starts_at > after,
                DeskSlot.starts_at < until,
                DeskSlot.booked < DeskSlot.capacity,
            )
            .order_by(DeskSlot.starts_at)
            .limit(limit)
        )
    )


# Opening hours and closures, edited by the concierge ------------------------------------------


def add_opening_range(
    session: Session, *, weekday: int, opens_at: time, closes_at: time
) -> DeskOpeningRange:
    if not 0 <= weekday <= 6:
        raise SlotError(_("Jour inconnu."), field="weekday")
    if closes_at <= opens_at:
        raise SlotError(
            _("L'heure de fermeture doit suivre l'heure d'ouverture."), field="closes_at"
        )
    for other in session.scalars(
        sa.select(DeskOpeningRange).where(DeskOpeningRange.weekday == weekday)
    ):
        if opens_at < other.closes_at and other.opens_at < closes_at:
            raise SlotError(_("Cette plage chevauche une plage existante du même jour."))
    opening = DeskOpeningRange(weekday=weekday, opens_at=opens_at, closes_at=closes_at)
    session.add(opening)
    session.flush()
    return opening


def add_closure(session: Session, *, day: date, reason: str, today: date) -> DeskClosure:
    """Close the desk on `day`. A past day is refused (SlotError), a day closed already too
    (AlreadyClosed), also when the same form, sent twice at once, closed it a moment ago."""
    if day < today:
        raise SlotError(_("Ce jour est déjà passé."), field="day")
    already = AlreadyClosed(_("Ce jour est déjà fermé."), field="day")
    if session.scalar(sa.select(DeskClosure).where(DeskClosure.day == day)) is not None:
        raise already
    closure = DeskClosure(day=day, reason=reason.strip())
    try:
        with session.begin_nested():
            session.add(closure)
    except IntegrityError as error:  # the unique day: the other request closed it first
        raise already from error
    return closure
