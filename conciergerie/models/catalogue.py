"""The catalogue: partner providers, their categories and the offers the desk sells."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow


class Category(Base):
    """A trade, used to filter the catalogue (cordonnerie, repassage, paniers…)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)

    providers: Mapped[list[Provider]] = relationship(back_populates="category")


class Provider(Base):
    """A local short-circuit partner whose services the desk sells."""

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True
    )
    summary: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text)
    # Why it is local: its social-economy status and what buying there keeps in the district.
    ess_status: Mapped[str] = mapped_column(sa.String(160))
    local_story: Mapped[str] = mapped_column(sa.Text)
    address: Mapped[str] = mapped_column(sa.String(255))
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)
    is_active: Mapped[bool] = mapped_column(default=True)
    # The desk's commission on this provider's sales, in basis points (1000 = 10 %); None: the
    # default of the settings (COMMISSION_RATE_BP).
    commission_rate_bp: Mapped[int | None] = mapped_column()
    # An integration enterprise (structure d'insertion par l'activité économique): the impact
    # report tells funders how much went to them.
    is_integration_enterprise: Mapped[bool] = mapped_column(default=False)

    category: Mapped[Category] = relationship(back_populates="providers")
    offers: Mapped[list[Offer]] = relationship(
        back_populates="provider", order_by="Offer.position, Offer.id"
    )
    opening_ranges: Mapped[list[ProviderOpeningRange]] = relationship(
        back_populates="provider",
        cascade="all, delete-orphan",
        order_by="ProviderOpeningRange.weekday, ProviderOpeningRange.opens_at",
    )
    closures: Mapped[list[ProviderClosure]] = relationship(
        back_populates="provider",
        cascade="all, delete-orphan",
        order_by="ProviderClosure.first_day, ProviderClosure.id",
    )

    __table_args__ = (
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        sa.CheckConstraint(
            "commission_rate_bp IS NULL OR commission_rate_bp BETWEEN 0 AND 5000",
            name="commission_rate_range",
        ),
    )

    def __repr__(self) -> str:
        return f"<Provider {self.slug}>"


class OfferKind(enum.StrEnum):
    SERVICE = "service"  # the customer drops an item at the desk, it comes back done
    BASKET = "basket"  # nothing to drop: delivered to the desk on a weekly day


class Offer(Base):
    """One thing a provider does, at a price per unit, ready after a turnaround."""

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provider.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind, "offer_kind"))
    price_cents: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(60))  # "la paire", "la pièce", "le panier"
    turnaround_days: Mapped[int] = mapped_column(default=0)  # working days; 0 = same day
    # Baskets only: delivered to the desk every `delivery_weekday` (0 = Monday … 6 = Sunday);
    # orders for a delivery close on the previous `order_cutoff_weekday` at `order_cutoff_time`
    # (local time).
    delivery_weekday: Mapped[int | None]
    order_cutoff_weekday: Mapped[int | None]
    order_cutoff_time: Mapped[time | None] = mapped_column(sa.Time)
    # Baskets only: how many the producer brings per delivery; None: as many as are ordered.
    # Subscriptions take their places first (stock.service).
    stock_per_delivery: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    # For the impact report: a repair (an item mended rather than thrown away), and what a
    # basket weighs (local produce delivered).
    is_repair: Mapped[bool] = mapped_column(default=False)
    weight_grams: Mapped[int | None] = mapped_column()
    # Sur devis: the provider names the price after seeing the item (`price_cents` is then the
    # usual starting price shown in the catalogue, not charged).
    on_quote: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    provider: Mapped[Provider] = relationship(back_populates="offers")

    __table_args__ = (
        sa.UniqueConstraint("provider_id", "name", name="uq_offer_provider_name"),
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("turnaround_days >= 0", name="turnaround_not_negative"),
        sa.CheckConstraint(
            "(kind = 'basket') = (delivery_weekday IS NOT NULL)", name="basket_has_delivery_day"
        ),
        sa.CheckConstraint(
            "(kind = 'basket') = "
            "(order_cutoff_weekday IS NOT NULL AND order_cutoff_time IS NOT NULL)",
            name="basket_has_cutoff",
        ),
        sa.CheckConstraint(
            "order_cutoff_weekday IS NULL OR order_cutoff_weekday BETWEEN 0 AND 6",
            name="cutoff_weekday_range",
        ),
        sa.CheckConstraint(
            "delivery_weekday IS NULL OR delivery_weekday BETWEEN 0 AND 6",
            name="delivery_weekday_range",
        ),
        sa.CheckConstraint("NOT (on_quote AND kind = 'basket')", name="quote_only_services"),
        sa.CheckConstraint(
            "stock_per_delivery IS NULL OR (kind = 'basket' AND stock_per_delivery >= 0)",
            name="stock_only_baskets",
        ),
    )

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.name!r}>"


class ProviderOpeningRange(Base):
    """When a provider's shop is open to the volunteers (local wall-clock time)."""

    __tablename__ = "provider_opening_range"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provider.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]  # 0 = Monday … 6 = Sunday
    opens_at: Mapped[time] = mapped_column(sa.Time)
    closes_at: Mapped[time] = mapped_column(sa.Time)

    provider: Mapped[Provider] = relationship(back_populates="opening_ranges")

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )


class ProviderClosure(Base):
    """Days a provider is closed (holidays, a day off), from `first_day` to `last_day`
    included: no round visits it, no work is counted on those days, and customers see why."""

    __tablename__ = "provider_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provider.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date] = mapped_column(sa.Date)
    last_day: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(200))  # shown to customers
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="closures")

    __table_args__ = (sa.CheckConstraint("last_day >= first_day", name="closure_ends_after_start"),)

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class CatalogueVersion(Base):
    """One row whose token changes with every change to the public catalogue.

    Cached catalogue pages are keyed by it (catalogue.cache), so a change shows at once on every
    web server. A random token rather than a counter: a rolled-back change cannot hand out a
    number that a later, different change reuses.
    """

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))
