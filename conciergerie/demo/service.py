"""Loading the demo data, idempotently: what exists (by natural key) is left untouched."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.accounts.service import create_user, find_user_by_email
from conciergerie.demo import data
from conciergerie.events.images import new_image_name
from conciergerie.manage.service import keep_subscription_history
from conciergerie.models import (
    Category,
    DeskOpeningRange,
    Event,
    MemberCompany,
    Offer,
    OfferKind,
    Order,
    OrderStatus,
    PaymentMethod,
    Provider,
    ProviderOpeningRange,
    Role,
    TransportMode,
    VolunteerAvailability,
    VolunteerProfile,
)
from conciergerie.timeutils import at_local, local_date


def _by_slug(session: Session, model: type, slug: str):
    return session.scalar(sa.select(model).where(model.slug == slug))


PICTURES = Path(__file__).parent / "pictures"


def load_demo_data(
    session: Session, *, now: datetime, pictures: Path | None = None
) -> dict[str, int]:
    """Add the demo rows that are missing; return how many of each kind were created.

    `pictures`: the folder of the events' pictures (UPLOAD_ROOT/events), where the demo events
    created now get theirs; none without it."""
    created: Counter[str] = Counter()
    _load_companies(session, created, now=now)
    categories = _load_categories(session, created)
    for spec in data.PROVIDERS:
        _load_provider_and_offers(session, created, spec, categories)
    session.flush()
    _load_desk_hours(session, created)
    _load_accounts(session, created, now=now)
    session.flush()
    _load_provider_hours(session, created)
    _load_volunteers(session, created)
    session.flush()
    _load_events(session, created, now=now, pictures=pictures)
    session.flush()
    return dict(created)


# Each _load_* adds what is missing of its part of the demo and counts it in `created`.


def _load_companies(session: Session, created: Counter[str], *, now: datetime) -> None:
    new_year = at_local(local_date(now).replace(month=1, day=1), time(0))
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
    for email, name, role, company_slug, provider_slug in data.USERS:
        if find_user_by_email(session, email) is not None:
            continue
        create_user(
            session,
            email=email,
            password=data.DEMO_PASSWORD,
            full_name=name,
            role=Role(role),
            member_company=_by_slug(session, MemberCompany, company_slug) if company_slug else None,
            provider=_by_slug(session, Provider, provider_slug) if provider_slug else None,
            now=now,
            verify_company=email not in data.PENDING_EMPLOYEES,
        )
        created["comptes"] += 1


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


def _load_volunteers(session: Session, created: Counter[str]) -> None:
    """A profile and availability for the demo volunteers' accounts that have no profile."""
    for email, (transport, ranges) in data.VOLUNTEERS.items():
        volunteer = find_user_by_email(session, email)
        if session.get(VolunteerProfile, volunteer.id) is not None:
            continue
        session.add(VolunteerProfile(user_id=volunteer.id, transport=TransportMode(transport)))
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


def load_demo_orders(session: Session, *, now: datetime, settings) -> int:
    """Place the demo orders and check them in at the desk (once: they carry a "Démo" note).

    Needs the desk slots (generate them first). Returns how many orders were placed.
    """
    from conciergerie.orders import service as orders
    from conciergerie.slots.service import open_slots

    if session.scalar(sa.select(Order.id).where(Order.note.like("Démo%")).limit(1)):
        return 0
    concierge = find_user_by_email(session, "concierge@example.org")
    placed = 0
    for email, wanted, note in data.ORDERS:
        customer = find_user_by_email(session, email)
        lines = []
        for slug, _name, quantity in wanted:
            provider = _by_slug(session, Provider, slug)
            offer = next(o for o in provider.offers if o.kind is OfferKind.SERVICE)
            lines.append(orders.RequestedLine(offer, quantity))
        candidates = open_slots(session, after=now, until=now + timedelta(days=30))
        if not candidates:
            return placed
        dropoff = candidates[0]
        earliest = orders.earliest_pickup(
            session, lines, dropoff_slot=dropoff, now=now, settings=settings
        )
        pickup = next((s for s in candidates if s.starts_at >= earliest), None)
        if pickup is None:
            return placed
        order = orders.place_order(
            session,
            customer=customer,
            lines=lines,
            dropoff_slot=dropoff,
            pickup_slot=pickup,
            note=note,
            payment=PaymentMethod.DESK,
            now=now,
            settings=settings,
            confirm_by_mail=False,  # demo content: nobody is waiting for these mails
        )
        # Brought to the desk already (a demo shortcut: the slot may be later today).
        orders.advance_order(session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=now)
        placed += 1
    session.flush()
    return placed


def load_demo_subscriptions(session: Session, *, now: datetime, settings, lead) -> int:
    """A resident's weekly basket (once). Returns how many subscriptions were created."""
    from conciergerie.models import BasketSubscription
    from conciergerie.subscriptions import service as subscriptions

    customer = find_user_by_email(session, "habitante@example.org")
    if customer is None or session.scalar(
        sa.select(BasketSubscription.id).where(BasketSubscription.customer_id == customer.id)
    ):
        return 0
    basket = session.scalar(
        sa.select(Offer).where(Offer.kind == OfferKind.BASKET, Offer.is_active).limit(1)
    )
    days = subscriptions.open_deliveries(basket, now=now) if basket is not None else []
    if not days:
        return 0
    subscriptions.subscribe(
        session,
        customer=customer,
        offer=basket,
        quantity=1,
        every_weeks=1,
        first_delivery=days[0],
        pickup_from=time(17, 30),
        payment=PaymentMethod.DESK,
        now=now,
        lead=lead,
        settings=settings,
    )
    return 1
