"""Loading the demo data, idempotently: what exists (by natural key) is left untouched.

The catalogue of the real partners, the member companies, the desk's and providers' hours,
the accounts and the coming events; then, in a database without orders, thirteen weeks of the
desk's life up to now (demo/history.py).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from conciergerie.accounts.passwords import hash_password
from conciergerie.accounts.service import create_user, find_user_by_email
from conciergerie.demo import data, history, rooms
from conciergerie.errors import DomainError
from conciergerie.events import service as events
from conciergerie.events.images import new_image_name
from conciergerie.mail import held_back
from conciergerie.manage.service import keep_subscription_history
from conciergerie.models import (
    Category,
    DeskOpeningRange,
    Event,
    MemberCompany,
    Offer,
    OfferKind,
    Order,
    OrderOrigin,
    OrderStatus,
    Provider,
    ProviderClosure,
    ProviderOpeningRange,
    Role,
    TextOptOut,
    TransportMode,
    VolunteerAvailability,
    VolunteerProfile,
)
from conciergerie.orders import moves
from conciergerie.portal import offers as own_offers
from conciergerie.timeutils import at_local, local_date


def _by_slug(session: Session, model: type, slug: str):
    return session.scalar(sa.select(model).where(model.slug == slug))


PICTURES = Path(__file__).parent / "pictures"


def load_demo_data(
    session: Session,
    *,
    now: datetime,
    lived_in: bool = True,
    config: Mapping | None = None,
    pictures: Path | None = None,
) -> dict[str, int]:
    """Add the demo rows that are missing; return how many of each kind were created.

    `lived_in`: and, when the database holds no order yet, the desk's last thirteen weeks up to
    `now` (orders, rounds, payments, subscriptions, events, payouts: demo/history.py), with the
    app's `config` (the current app's by default). Without it, only the catalogue, the
    companies, the hours, the accounts and the coming events (quick, for tests of those).
    `pictures`: the folder of the events' pictures (UPLOAD_ROOT/events), where the demo events
    created now get theirs; none without it."""
    created: Counter[str] = Counter()
    _load_companies(session, created, now=now)
    categories = _load_categories(session, created)
    for spec in data.PROVIDERS:
        _load_provider_and_offers(session, created, spec, categories)
    session.flush()
    _load_desk_hours(session, created)
    # The accounts are a week older than the desk's past.
    opened = at_local(history.history_start(now) - timedelta(days=7), time(9, 0))
    _load_accounts(session, created, now=min(opened, now))
    session.flush()
    _load_texts(session, created, now=min(opened, now))
    _load_provider_hours(session, created)
    _load_volunteers(session, created)
    session.flush()
    _load_events(session, created, now=now, pictures=pictures)
    session.flush()
    # The spaces' photos sit beside the events' pictures (UPLOAD_ROOT/spaces).
    rooms.load_rooms(
        session, created, now=now, pictures=pictures.parent / "spaces" if pictures else None
    )
    session.flush()
    if lived_in and session.scalar(sa.select(Order.id).limit(1)) is None:
        settings = history.DemoSettings.from_config(config or current_app.config)
        created.update(history.replay(session, now=now, settings=settings))
        with held_back():  # their mails left at the time
            _load_past_events(session, created, now=now)
            _register_for_coming_events(session, now=now)
            _keep_up_to_date(session, created, now=now, settings=settings)
        session.flush()
    # After the past: a closure to come must not move the orders it replays.
    _load_provider_closures(session, created, now=now)
    session.flush()
    return dict(created)


# Each _load_* adds what is missing of its part of the demo and counts it in `created`.


def _load_companies(session: Session, created: Counter[str], *, now: datetime) -> None:
    # Since the first of January of the year the demo's past starts in.
    new_year = at_local(date(history.history_start(now).year, 1, 1), time(0))
    for slug, name, headcount, yearly_fee_cents, domains in data.MEMBER_COMPANIES:
        if _by_slug(session, MemberCompany, slug) is None:
            company = MemberCompany(
                slug=slug,
                name=name,
                headcount=headcount,
                is_subscriber=yearly_fee_cents > 0,
                yearly_fee_cents=yearly_fee_cents,
                email_domains=domains,
            )
            session.add(company)
            # Subscribing since the first of January: the demo's months all have that income.
            keep_subscription_history(session, company, now=new_year)
            created["entreprises"] += 1


def _load_categories(session: Session, created: Counter[str]) -> dict[str, Category]:
    """Every demo category, found or added, by slug."""
    categories: dict[str, Category] = {}
    for position, (slug, name) in enumerate(data.CATEGORIES):
        category = _by_slug(session, Category, slug)
        if category is None:
            category = Category(slug=slug, name=name, position=position)
            session.add(category)
            created["catégories"] += 1
        categories[slug] = category
    return categories


def _load_provider_and_offers(
    session: Session, created: Counter[str], spec: dict, categories: dict[str, Category]
) -> None:
    """The provider of `spec` (one of data.PROVIDERS) and those of its offers it lacks."""
    provider = _by_slug(session, Provider, spec["slug"])
    if provider is None:
        provider = Provider(
            slug=spec["slug"],
            name=spec["name"],
            category=categories[spec["category"]],
            summary=spec["summary"],
            description=spec["description"],
            ess_status=spec["ess_status"],
            local_story=spec["local_story"],
            address=spec["address"],
            latitude=spec["latitude"],
            longitude=spec["longitude"],
            commission_rate_bp=spec.get("commission_rate_bp"),
            is_integration_enterprise=spec.get("integration", False),
        )
        session.add(provider)
        created["prestataires"] += 1
    existing = {offer.name for offer in provider.offers}
    delivery_weekday = spec.get("delivery_weekday")
    cutoff_weekday, cutoff_time = spec.get("order_cutoff", (None, None))
    for position, (name, price, unit, days, description) in enumerate(spec["offers"]):
        if name in existing:
            continue
        provider.offers.append(
            Offer(
                name=name,
                price_cents=price,
                unit=unit,
                turnaround_days=days,
                description=description,
                kind=OfferKind.BASKET if delivery_weekday is not None else OfferKind.SERVICE,
                delivery_weekday=delivery_weekday,
                order_cutoff_weekday=cutoff_weekday,
                order_cutoff_time=cutoff_time,
                position=position,
                is_repair=spec.get("repairs", False),
                weight_grams=spec.get("weights", {}).get(name),
                stock_per_delivery=spec.get("stock", {}).get(name),
                on_quote=name in spec.get("on_quote", ()),
            )
        )
        created["offres"] += 1


def _load_desk_hours(session: Session, created: Counter[str]) -> None:
    existing_ranges = {
        tuple(row)
        for row in session.execute(sa.select(DeskOpeningRange.weekday, DeskOpeningRange.opens_at))
    }
    for weekday, opens_at, closes_at in data.OPENING_HOURS:
        if (weekday, opens_at) not in existing_ranges:
            session.add(DeskOpeningRange(weekday=weekday, opens_at=opens_at, closes_at=closes_at))
            created["plages d'ouverture"] += 1


def _load_accounts(session: Session, created: Counter[str], *, now: datetime) -> None:
    shared_hash = None  # one password for every demo account: hashed once
    for email, name, role, company_slug, provider_slug in data.USERS:
        if find_user_by_email(session, email) is not None:
            continue
        shared_hash = shared_hash or hash_password(data.DEMO_PASSWORD)
        user = create_user(
            session,
            email=email,
            password=data.DEMO_PASSWORD,
            full_name=name,
            role=Role(role),
            member_company=_by_slug(session, MemberCompany, company_slug) if company_slug else None,
            provider=_by_slug(session, Provider, provider_slug) if provider_slug else None,
            now=now,
            verify_company=email not in data.PENDING_EMPLOYEES,
            password_hash=shared_hash,
        )
        user.solidarity_rate = email in data.SOLIDARITY_RATE
        created["comptes"] += 1


def _load_texts(session: Session, created: Counter[str], *, now: datetime) -> None:
    """Texts asked for on "Mon compte" by some customers; a walk-in's number that said STOP."""
    for email, phone in data.TEXTS_OPT_IN.items():
        user = find_user_by_email(session, email)
        if user is not None and not user.texts_opt_in:
            user.phone, user.texts_opt_in = user.phone or phone, True
            created["SMS demandés"] += 1
    for number in data.TEXTS_STOPPED:
        if session.get(TextOptOut, number) is None:
            session.add(TextOptOut(phone=number, created_at=now))
            created["numéros STOP"] += 1


def _load_provider_hours(session: Session, created: Counter[str]) -> None:
    """Opening hours for the providers that have none (a shop's usual hours unless told)."""
    for spec in data.PROVIDERS:
        provider = _by_slug(session, Provider, spec["slug"])
        if not provider.opening_ranges:
            for weekday, opens_at, closes_at in data.PROVIDER_HOURS.get(
                spec["slug"], data.SHOP_HOURS
            ):
                provider.opening_ranges.append(
                    ProviderOpeningRange(weekday=weekday, opens_at=opens_at, closes_at=closes_at)
                )
            created["horaires des prestataires"] += 1


def _load_provider_closures(session: Session, created: Counter[str], *, now: datetime) -> None:
    """A closure to come for the providers of data.PROVIDER_CLOSURES that have none to come."""
    today = local_date(now)
    for slug, first, last, reason in data.PROVIDER_CLOSURES:
        provider = _by_slug(session, Provider, slug)
        if any(closure.last_day >= today for closure in provider.closures):
            continue
        provider.closures.append(
            ProviderClosure(
                first_day=today + timedelta(days=first),
                last_day=today + timedelta(days=last),
                reason=reason,
                created_at=now,
            )
        )
        created["fermetures de prestataires"] += 1


def _load_volunteers(session: Session, created: Counter[str]) -> None:
    """A profile and availability for the demo volunteers' accounts that have no profile."""
    for email, (transport, ranges) in data.VOLUNTEERS.items():
        volunteer = find_user_by_email(session, email)
        if session.get(VolunteerProfile, volunteer.id) is not None:
            continue
        session.add(
            VolunteerProfile(
                user_id=volunteer.id,
                transport=TransportMode(transport),
                max_round_minutes=data.VOLUNTEER_MAX_MINUTES.get(email),
            )
        )
        for weekday, starts_at, ends_at in ranges:
            session.add(
                VolunteerAvailability(
                    volunteer_id=volunteer.id, weekday=weekday, starts_at=starts_at, ends_at=ends_at
                )
            )
        created["volontaires"] += 1


def _load_events(
    session: Session, created: Counter[str], *, now: datetime, pictures: Path | None
) -> None:
    """The demo events missing (by title), dated from today, with their pictures."""
    organiser = find_user_by_email(session, "benevole@example.org")
    today = local_date(now)
    for title, description, place, in_days, starts, hours, capacity, slugs in data.EVENTS:
        if session.scalar(sa.select(Event.id).where(Event.title == title)) is not None:
            continue
        starts_at = at_local(today + timedelta(days=in_days), starts)
        image_name = None
        if pictures is not None and title in data.EVENT_PICTURES:
            image_name = new_image_name()
            pictures.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PICTURES / data.EVENT_PICTURES[title], pictures / image_name)
        session.add(
            Event(
                title=title,
                image_name=image_name,
                description=description,
                place=place,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                capacity=capacity,
                organiser=organiser,
                providers=[_by_slug(session, Provider, slug) for slug in slugs],
                created_at=now,
            )
        )
        created["événements"] += 1


def _load_past_events(session: Session, created: Counter[str], *, now: datetime) -> None:
    """The events held in the last months, created three weeks before, with the people who
    registered in the days after."""
    today = local_date(now)
    for (
        title,
        description,
        place,
        days_ago,
        starts,
        hours,
        capacity,
        slugs,
        organiser,
        people,
    ) in data.PAST_EVENTS:
        starts_at = at_local(today - timedelta(days=days_ago), starts)
        opened = starts_at - timedelta(days=21)
        event = events.create_event(
            session,
            organiser=find_user_by_email(session, organiser),
            title=title,
            description=description,
            place=place,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            capacity=capacity,
            providers=[_by_slug(session, Provider, slug) for slug in slugs],
            now=opened,
        )
        for rank, email in enumerate(people):
            registered = opened + timedelta(days=1 + rank, hours=rank)
            events.register(session, event, find_user_by_email(session, email), now=registered)
        created["événements passés"] += 1


def _register_for_coming_events(session: Session, *, now: datetime) -> None:
    for title, people in data.COMING_REGISTRATIONS.items():
        event = session.scalar(sa.select(Event).where(Event.title == title))
        if event is not None and event.starts_at > now:
            for email in people:
                events.register(session, event, find_user_by_email(session, email), now=now)


def _keep_up_to_date(
    session: Session, created: Counter[str], *, now: datetime, settings: history.DemoSettings
) -> None:
    """Two days ago the cobbler described its non-slip soles itself (the concierge sees it
    among the providers' changes, ready to revert); this morning a customer moved the pickup of
    an order still to drop off to the next day."""
    staff = find_user_by_email(session, "cordonnier@example.org")
    cobbler = _by_slug(session, Provider, "cordonnerie-gambetta")
    soles = next((o for o in cobbler.offers if o.name == "Patins antidérapants"), None)
    if staff is not None and soles is not None:
        description = "Patins en caoutchouc cousus et collés : ne glissez plus sur les pavés."
        own_offers.edit_offer(
            session, soles, values={"description": description}, actor=staff,
            now=now - timedelta(days=2),
        )  # fmt: skip
        created["modifications des prestataires"] += 1
    order = session.scalar(
        sa.select(Order)
        .where(
            Order.status == OrderStatus.CONFIRMED,
            Order.origin == OrderOrigin.CUSTOMER,
            Order.dropoff_slot_id.is_not(None),
            Order.cancellable_until > now,
        )
        .order_by(Order.id)
        .limit(1)
    )
    if order is None:
        return
    _dropoffs, pickups = moves.slots_to_offer(
        session, order, now=now, settings=settings.orders, horizon=timedelta(weeks=2)
    )
    later = [slot for slot in pickups if slot.starts_at > order.pickup_slot.starts_at]
    if not later:
        return
    try:
        with session.begin_nested():
            moves.move_slots(
                session, order, order.customer, pickup_slot=later[0], now=now,
                settings=settings.orders,
            )  # fmt: skip
        created["créneaux déplacés"] += 1
    except DomainError:
        pass  # refused: the demo goes on without it
