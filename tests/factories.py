"""Factories: build valid rows with sensible defaults; every keyword can be overridden.

They add to the session and flush, never commit (the test's transaction is rolled back).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

import sqlalchemy as sa

from conciergerie.accounts.passwords import hash_password
from conciergerie.models import (
    Category,
    DeskSlot,
    MemberCompany,
    Offer,
    OfferKind,
    PaymentMethod,
    Provider,
    Role,
    User,
)
from conciergerie.orders.service import OrderSettings

PASSWORD = "trottoir-bleu-42"
# Wednesday 25 November 2026, 10:30 in Paris.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
SETTINGS = OrderSettings(transport_margin_days=1, resident_fee_cents=150)

_seq = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    # argon2id is deliberately slow: hash the shared test password once per run.
    return hash_password(PASSWORD)


def make_member_company(session, **kw) -> MemberCompany:
    n = next(_seq)
    kw.setdefault("slug", f"entreprise-{n}")
    kw.setdefault("name", f"Entreprise {n}")
    kw.setdefault("headcount", 10)
    company = MemberCompany(**kw)
    session.add(company)
    session.flush()
    return company


def make_category(session, **kw) -> Category:
    n = next(_seq)
    kw.setdefault("slug", f"categorie-{n}")
    kw.setdefault("name", f"Catégorie {n}")
    category = Category(**kw)
    session.add(category)
    session.flush()
    return category


def make_provider(session, **kw) -> Provider:
    n = next(_seq)
    if "category" not in kw:
        kw["category"] = make_category(session)
    kw.setdefault("slug", f"prestataire-{n}")
    kw.setdefault("name", f"Prestataire {n}")
    kw.setdefault("summary", "Un prestataire du quartier.")
    kw.setdefault("description", "Description du prestataire.")
    kw.setdefault("ess_status", "Artisan")
    kw.setdefault("local_story", "À deux pas de La Grappe.")
    kw.setdefault("address", "1 rue Gambetta, 59000 Lille")
    kw.setdefault("latitude", 50.6270)
    kw.setdefault("longitude", 3.0520)
    provider = Provider(**kw)
    session.add(provider)
    session.flush()
    return provider


def make_offer(session, **kw) -> Offer:
    n = next(_seq)
    if "provider" not in kw:
        kw["provider"] = make_provider(session)
    kw.setdefault("name", f"Offre {n}")
    kw.setdefault("price_cents", 1000)
    kw.setdefault("unit", "la pièce")
    kw.setdefault("turnaround_days", 2)
    kw.setdefault("kind", OfferKind.SERVICE)
    offer = Offer(**kw)
    session.add(offer)
    session.flush()
    return offer


def make_user(session, role: Role = Role.RESIDENT, **kw) -> User:
    n = next(_seq)
    kw.setdefault("email", f"personne{n}@example.org")
    kw.setdefault("full_name", f"Personne {n}")
    kw.setdefault("password_hash", password_hash())
    kw.setdefault("created_at", NOW)
    kw.setdefault("email_confirmed_at", NOW)  # as if the sign-up link was followed
    if role is Role.EMPLOYEE and "member_company" not in kw:
        kw["member_company"] = make_member_company(session)
    if role is Role.EMPLOYEE:
        # Verified with the company, as employees were before verification existed; a test of
        # a claim still waiting passes company_verified_at=None.
        kw.setdefault("company_verified_at", NOW)
    if role is Role.PROVIDER and "provider" not in kw:
        kw["provider"] = make_provider(session)
    user = User(role=role, **kw)
    session.add(user)
    session.flush()
    return user


def make_slot(session, **kw) -> DeskSlot:
    """A 30-minute slot; by default tomorrow (Thursday 26 Nov 2026) at 8:00 Paris time.

    Slots are unique by start: asking again for the same start returns the same slot."""
    kw.setdefault("starts_at", datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    existing = session.scalar(sa.select(DeskSlot).where(DeskSlot.starts_at == kw["starts_at"]))
    if existing is not None:
        return existing
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(minutes=30))
    kw.setdefault("capacity", 4)
    slot = DeskSlot(**kw)
    session.add(slot)
    session.flush()
    return slot


def make_basket_offer(session, **kw) -> Offer:
    """A basket delivered on Thursdays, orders closing on Tuesday at noon."""
    kw.setdefault("kind", OfferKind.BASKET)
    kw.setdefault("delivery_weekday", 3)
    kw.setdefault("order_cutoff_weekday", 1)
    kw.setdefault("order_cutoff_time", time(12, 0))
    kw.setdefault("turnaround_days", 0)
    kw.setdefault("unit", "le panier")
    return make_offer(session, **kw)


def make_subscription(session, offer, *, customer=None, quantity=1, **kw):
    """A weekly pay-at-desk subscription to a basket offer through the service, from its delivery
    of Thursday 3 December, collected from 16:30 (`kw` overrides any of these)."""
    from conciergerie.subscriptions import service as subscriptions

    kw.setdefault("every_weeks", 1)
    kw.setdefault("first_delivery", datetime(2026, 12, 3).date())
    kw.setdefault("pickup_from", time(16, 30))
    kw.setdefault("payment", PaymentMethod.DESK)
    kw.setdefault("now", NOW)
    kw.setdefault("lead", timedelta(days=3))
    kw.setdefault("settings", SETTINGS)
    return subscriptions.subscribe(
        session,
        customer=customer or make_user(session, Role.RESIDENT),
        offer=offer,
        quantity=quantity,
        **kw,
    )


def make_order(session, *, customer=None, offer=None, quantity=1, dropoff=None, pickup=None, **kw):
    """A confirmed pay-at-desk order placed through the service (so places are taken).

    The order stands for one placed earlier: its confirmation mail is not part of the test
    (the tests of that mail place their orders through the service or the views), so the factory
    leaves no outbox row: the one place_order adds last, not flushed yet, is taken back (which
    also lets the migration tests place orders on a schema from before the outbox)."""
    from conciergerie.models import OutboxMail
    from conciergerie.orders import service

    earlier = set(session.new)
    customer = customer or make_user(session)
    offer = offer or make_offer(session, turnaround_days=1)
    if dropoff is None and offer.kind is OfferKind.SERVICE:
        dropoff = make_slot(session)
    if pickup is None:
        pickup = make_slot(session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    order = service.place_order(
        session,
        customer=customer,
        lines=[service.RequestedLine(offer, quantity)],
        dropoff_slot=dropoff,
        pickup_slot=pickup,
        note=kw.pop("note", ""),
        payment=kw.pop("payment", PaymentMethod.DESK),
        now=kw.pop("now", NOW),
        settings=kw.pop("settings", SETTINGS),
    )
    for mail in [o for o in session.new if isinstance(o, OutboxMail) and o not in earlier]:
        session.expunge(mail)
    return order


def make_event(session, **kw):
    """A published event next week at La Grappe, organised by a volunteer."""
    from conciergerie.models import Event

    kw.setdefault("title", "Café réparation")
    kw.setdefault("description", "Venez réparer avec le cordonnier.")
    kw.setdefault("place", "La Grappe, salle de conférence")
    kw.setdefault("starts_at", NOW + timedelta(days=7))
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(hours=2))
    kw.setdefault("capacity", 2)
    if "organiser" not in kw:
        kw["organiser"] = make_user(session, Role.VOLUNTEER)
    event = Event(**kw)
    session.add(event)
    session.flush()
    return event


def open_provider(provider, ranges=None):
    """Opening hours for a provider: by default Monday–Saturday 9:00–12:30 and 14:00–19:00."""
    from conciergerie.models import ProviderOpeningRange

    if ranges is None:
        ranges = [(d, time(9), time(12, 30)) for d in range(6)] + [
            (d, time(14), time(19)) for d in range(6)
        ]
    for weekday, opens_at, closes_at in ranges:
        provider.opening_ranges.append(
            ProviderOpeningRange(weekday=weekday, opens_at=opens_at, closes_at=closes_at)
        )
    return provider


def make_volunteer(session, *, transport="bike", ranges=None, **kw) -> User:
    """A volunteer free every weekday 9:30–12:00 unless told otherwise."""
    from conciergerie.models import TransportMode, VolunteerAvailability, VolunteerProfile

    volunteer = make_user(session, Role.VOLUNTEER, **kw)
    session.add(VolunteerProfile(user_id=volunteer.id, transport=TransportMode(transport)))
    if ranges is None:
        ranges = [(d, time(9, 30), time(12)) for d in range(5)]
    for weekday, starts_at, ends_at in ranges:
        session.add(
            VolunteerAvailability(
                volunteer_id=volunteer.id, weekday=weekday, starts_at=starts_at, ends_at=ends_at
            )
        )
    session.flush()
    return volunteer


def make_space(session, **kw):
    """A meeting room of La Grappe, open 8:00–19:00 Monday to Friday, 12 people."""
    from datetime import time

    from conciergerie.models import Space, SpaceKind

    n = next(_seq)
    kw.setdefault("name", f"Salle {n}")
    kw.setdefault("kind", SpaceKind.MEETING_ROOM)
    kw.setdefault("capacity", 12)
    kw.setdefault("opens_at", time(8))
    kw.setdefault("closes_at", time(19))
    kw.setdefault("open_weekdays", "01234")
    kw.setdefault("layouts", "Réunion\nEn U")
    prices = {"member": (1500, 5000, 9000), "association": (1000, 3000, 5000),
              "public": (3000, 10000, 18000)}  # fmt: skip
    for kind, (hour, half, day) in prices.items():
        kw.setdefault(f"{kind}_hour_cents", hour)
        kw.setdefault(f"{kind}_half_day_cents", half)
        kw.setdefault(f"{kind}_day_cents", day)
    space = Space(**kw)
    session.add(space)
    session.flush()
    return space


def make_booking(session, **kw):
    """A request for a space, Thursday 3 December 2026 from 10:00 to 12:00 (Paris)."""
    from conciergerie.models import BookerKind, Booking, BookingStatus

    kw.setdefault("space", kw.get("space") or make_space(session))
    kw.setdefault("requester", kw.get("requester") or make_user(session))
    kw.setdefault("booker_kind", BookerKind.PUBLIC)
    kw.setdefault("status", BookingStatus.REQUESTED)
    kw.setdefault("starts_at", datetime(2026, 12, 3, 9, tzinfo=UTC))
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(hours=2))
    kw.setdefault("purpose", "Réunion d'équipe")
    kw.setdefault("attendees", 6)
    kw.setdefault("created_at", NOW)
    booking = Booking(**kw)
    session.add(booking)
    session.flush()
    return booking
