"""Reading the catalogue, and the geography that makes a provider local."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from conciergerie.models import Category, Offer, Provider

EARTH_RADIUS_M = 6_371_000


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class ProviderCard:
    """A provider as the catalogue shows it: with its distance and cheapest active offer."""

    provider: Provider
    distance_m: float
    offer_count: int
    from_price_cents: int | None
    closed_until: date | None = None  # closed today, up to that day included


def categories(session: Session) -> list[Category]:
    """Categories that have at least one active provider, in display order."""
    return list(
        session.scalars(
            sa.select(Category)
            .where(Category.providers.any(Provider.is_active))
            .order_by(Category.position, Category.name)
        )
    )


def category_by_slug(session: Session, slug: str) -> Category | None:
    return session.scalar(sa.select(Category).where(Category.slug == slug))


def provider_cards(
    session: Session,
    *,
    desk: tuple[float, float],
    category: Category | None = None,
    today: date | None = None,
) -> list[ProviderCard]:
    """Active providers (of `category` if given), nearest to the desk first; those closed
    `today` say until when."""
    query = (
        sa.select(Provider)
        .where(Provider.is_active)
        .options(
            selectinload(Provider.offers),
            selectinload(Provider.category),
            selectinload(Provider.closures),
        )
    )
    if category is not None:
        query = query.where(Provider.category_id == category.id)
    cards = []
    for provider in session.scalars(query):
        active = [offer for offer in provider.offers if offer.is_active]
        cards.append(
            ProviderCard(
                provider=provider,
                distance_m=haversine_m(*desk, provider.latitude, provider.longitude),
                offer_count=len(active),
                from_price_cents=min((o.price_cents for o in active), default=None),
                closed_until=max(
                    (c.last_day for c in provider.closures if today and c.covers(today)),
                    default=None,
                ),
            )
        )
    return sorted(cards, key=lambda card: (card.distance_m, card.provider.name))


def active_provider_by_slug(session: Session, slug: str) -> Provider | None:
    return session.scalar(
        sa.select(Provider)
        .where(Provider.slug == slug, Provider.is_active)
        .options(selectinload(Provider.category), selectinload(Provider.closures))
    )


def active_offers(session: Session, provider: Provider) -> list[Offer]:
    return list(
        session.scalars(
            sa.select(Offer)
            .where(Offer.provider_id == provider.id, Offer.is_active)
            .order_by(Offer.position, Offer.id)
        )
    )
