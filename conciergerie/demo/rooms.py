"""The demo's rooms: La Grappe's conference room, two meeting rooms, a training room and six
coworking desks, the member companies' monthly hours, and bookings of each kind (a member
company's within its hours and beyond them, a district association's, anyone's, one waiting,
one declined, one cancelled too late, today's, and some in the past days for the accounts).
Idempotent: spaces by name; bookings only while there are none."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.accounts.service import find_user_by_email
from conciergerie.events.images import new_image_name
from conciergerie.invoices import service as invoices
from conciergerie.mail import held_back
from conciergerie.models import (
    BookerKind,
    Booking,
    BookingStatus,
    MemberCompany,
    Space,
    SpaceKind,
    SpacePhoto,
    User,
)
from conciergerie.rooms import service as rooms
from conciergerie.timeutils import at_local, local_date

PICTURES = Path(__file__).parent / "pictures"
ALL_DAY = (time(8), time(20))
# name, kind, capacity, equipment, layouts, (opens, closes), weekdays, prices per kind
# (hour, half-day, day in cents: member, association, everyone else), picture
SPACES = [
    ("Salle de conférence", SpaceKind.CONFERENCE_ROOM, 80,
     "Vidéoprojecteur, sonorisation, micros sans fil, accès de plain-pied",
     "Théâtre\nClasse\nCabaret", (time(8), time(22)), "012345",
     ((4000, 12000, 20000), (2000, 6000, 10000), (8000, 25000, 40000)), "meeting.jpg"),
    ("Salle de réunion Wazemmes", SpaceKind.MEETING_ROOM, 12, "Écran, visioconférence",
     "Réunion\nEn U", ALL_DAY, "01234",
     ((1500, 5000, 9000), (800, 2500, 4000), (3000, 10000, 18000)), None),
    ("Salle de réunion Fives", SpaceKind.MEETING_ROOM, 6, "Écran", "Réunion", ALL_DAY, "01234",
     ((1000, 3500, 6000), (500, 1800, 3000), (2000, 7000, 12000)), None),
    ("Salle de formation Moulins", SpaceKind.TRAINING_ROOM, 20,
     "Vidéoprojecteur, paperboard, 10 ordinateurs portables", "Classe\nEn U\nÎlots",
     ALL_DAY, "01234", ((2000, 6500, 11000), (1000, 3500, 6000), (4000, 13000, 22000)), None),
] + [
    (f"Poste de coworking {n}", SpaceKind.COWORKING_DESK, 1, "Bureau, écran, fibre", "",
     ALL_DAY, "01234", ((300, 1000, 1800), (200, 700, 1200), (500, 1800, 3000)), None)
    for n in range(1, 7)
]  # fmt: skip
QUOTAS = {"grands-ensemble": 10, "initiatives-et-cite": 4, "et-voila-gambetta": 2}


def load_rooms(
    session: Session, created: Counter[str], *, now: datetime, pictures: Path | None
) -> None:
    """The spaces, the quotas and, in a database without bookings, the demo's bookings.
    `pictures`: the folder of the spaces' photos (UPLOAD_ROOT/spaces), or None."""
    for position, spec in enumerate(SPACES):
        name, kind, capacity, equipment, layouts, (opens, closes), days, prices, photo = spec
        if session.scalar(sa.select(Space.id).where(Space.name == name)) is not None:
            continue
        photos = []
        if pictures is not None and photo:
            photos.append(SpacePhoto(image_name=new_image_name()))
            pictures.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PICTURES / photo, pictures / photos[0].image_name)
        values = {
            f"{who}_{part}_cents": cents
            for who, row in zip(("member", "association", "public"), prices, strict=True)
            for part, cents in zip(("hour", "half_day", "day"), row, strict=True)
        }
        session.add(
            Space(name=name, kind=kind, capacity=capacity, equipment=equipment, layouts=layouts,
                  opens_at=opens, closes_at=closes, open_weekdays=days, photos=photos,
                  position=position, **values)
        )  # fmt: skip
        created["espaces"] += 1
    session.flush()
    for slug, hours in QUOTAS.items():
        company = session.scalar(sa.select(MemberCompany).where(MemberCompany.slug == slug))
        if company is not None and rooms.quota_hours(session, company) == 0:
            rooms.set_quota(session, company, hours)
    if session.scalar(sa.select(Booking.id).limit(1)) is None:
        with held_back():  # no mail for the demo's past
            created["réservations"] += _load_bookings(session, now=now)


def _space(session: Session, name: str) -> Space:
    return session.scalar(sa.select(Space).where(Space.name == name))


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7 or 7)


# Written as they stand (the service refuses past times): days from today, space, requester,
# hours (Paris), purpose, who books, association. The last one was cancelled too late.
HELD = [
    (-2, "Salle de conférence", "habitante@example.org", (18, 21),
     "Assemblée générale du jardin partagé", BookerKind.ASSOCIATION, "Jardin partagé Gambetta"),
    (-5, "Salle de formation Moulins", "martine.delcroix@example.org", (9, 12),
     "Atelier d'écriture", BookerKind.PUBLIC, ""),
    (-8, "Salle de réunion Wazemmes", "salarie@example.org", (14, 16), "Point d'équipe",
     BookerKind.MEMBER, ""),
    (0, "Salle de réunion Wazemmes", "salarie@example.org", (14, 16), "Comité de pilotage",
     BookerKind.MEMBER, ""),
    (0, "Poste de coworking 1", "martine.delcroix@example.org", (9, 18),
     "Journée de travail au calme", BookerKind.PUBLIC, ""),
    (1, "Poste de coworking 1", "habitante@example.org", (9, 13), "Télétravail",
     BookerKind.PUBLIC, ""),
]  # fmt: skip
# Next week, through the service: days from Monday, space, requester, hours, purpose,
# attendees, association, the concierge's answer (None: confirmed at once within the company's
# hours, or still waiting; "declined").
ASKED = [
    (0, "Salle de réunion Wazemmes", "salarie@example.org", (9, 11), "Réunion d'équipe", 6, "",
     None),
    (1, "Salle de formation Moulins", "salarie@example.org", (9, 18),
     "Formation des nouveaux salariés", 15, "", BookerKind.MEMBER),
    (2, "Salle de réunion Wazemmes", "habitante@example.org", (18, 20),
     "Réunion des parents d'élèves", 10, "Association des parents de Wazemmes",
     BookerKind.ASSOCIATION),
    (3, "Salle de conférence", "martine.delcroix@example.org", (9, 18),
     "Séminaire d'une entreprise de Lille", 60, "", BookerKind.PUBLIC),
    (4, "Salle de conférence", "martine.delcroix@example.org", (14, 17),
     "Conférence sur le compostage", 40, "", None),
    (3, "Salle de formation Moulins", "martine.delcroix@example.org", (9, 12), "Vente privée",
     15, "", "declined"),
]  # fmt: skip


def _held(session: Session, spec: tuple, *, now: datetime) -> Booking:
    """A confirmed booking written as it stands (see HELD)."""
    days, space, email, (start, end), purpose, kind, association = spec
    who, day = find_user_by_email(session, email), local_date(now) + timedelta(days=days)
    booking = Booking(
        space=_space(session, space), requester=who, booker_kind=kind,
        status=BookingStatus.CONFIRMED,
        company=who.member_company if kind is BookerKind.MEMBER else None,
        association_name=association, starts_at=at_local(day, time(start)),
        ends_at=at_local(day, time(end)), purpose=purpose, attendees=1,
        created_at=now - timedelta(days=10), decided_at=now - timedelta(days=9),
    )  # fmt: skip
    session.add(booking)
    session.flush()
    cost = rooms.price_of(session, booking, kind, booking.company)
    booking.price_cents, booking.included_minutes = cost.price_cents, cost.included_minutes
    session.flush()
    return booking


def _asked(session: Session, spec: tuple, concierge: User, *, now: datetime) -> None:
    """A request of next week, answered by the concierge as ASKED says."""
    days, space, email, (start, end), purpose, attendees, association, answer = spec
    day = _next_weekday(local_date(now), 0) + timedelta(days=days)
    wish = rooms.BookingRequest(
        at_local(day, time(start)), at_local(day, time(end)), purpose, attendees,
        association_name=association,
    )  # fmt: skip
    booking = rooms.request_booking(
        session, _space(session, space), find_user_by_email(session, email), wish, now=now
    )
    if booking.status is not BookingStatus.REQUESTED or answer is None:
        return
    if answer == "declined":
        reason = "La salle ne se loue pas pour une vente."
        rooms.decline_booking(session, booking, actor=concierge, reason=reason, now=now)
    else:
        rooms.confirm_booking(session, booking, actor=concierge, kind=answer, now=now)


def _load_bookings(session: Session, *, now: datetime) -> int:
    held = [_held(session, spec, now=now) for spec in HELD]
    late = held[-1]  # cancelled this morning for tomorrow: too late, its price is owed
    late.status, late.cancellation_charged = BookingStatus.CANCELLED, True
    late.cancelled_at, late.cancelled_by = now - timedelta(hours=1), late.requester
    session.flush()
    invoices.issue_booking_invoice(session, late, now=now)
    invoices.invoice_past_bookings(session, now=now)  # those of the past days
    concierge = find_user_by_email(session, "concierge@example.org")
    for spec in ASKED:
        _asked(session, spec, concierge, now=now)
    return session.scalar(sa.select(sa.func.count()).select_from(Booking))
