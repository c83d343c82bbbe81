"""Basket subscriptions: a customer's standing order of a weekly (or fortnightly) basket."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow
from conciergerie.models.catalogue import Offer
from conciergerie.models.orders import Order, PaymentMethod


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # holidays: no basket until `paused_until` (then active again)
    STOPPED = "stopped"  # for good


class BasketSubscription(Base):
    __tablename__ = "basket_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="RESTRICT"))
    quantity: Mapped[int] = mapped_column(default=1)
    every_weeks: Mapped[int] = mapped_column(default=1)  # 1 weekly, 2 fortnightly
    # The first delivery day; later ones fall every `every_weeks` weeks from it.
    first_delivery: Mapped[date] = mapped_column(sa.Date)
    # The customer's usual pickup time on delivery days: the first slot from then is booked.
    pickup_from: Mapped[time] = mapped_column(sa.Time)
    payment_method: Mapped[PaymentMethod] = mapped_column(
        enum_column(PaymentMethod, "subscription_payment_method")
    )
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status")
    )
    paused_until: Mapped[date | None] = mapped_column(sa.Date)  # last day without a basket
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[User] = relationship()
    offer: Mapped[Offer] = relationship()
    deliveries: Mapped[list[BasketDelivery]] = relationship(
        back_populates="subscription", order_by="BasketDelivery.day"
    )

    @property
    def is_offered(self) -> bool:
        """Whether the basket is offered at the moment. The association may withdraw a basket
        (or its provider) for a while, a season say: the subscription is kept meanwhile, its
        weeks are recorded as withdrawn, and the baskets are ordered again once it is back."""
        return self.offer.is_active and self.offer.provider.is_active

    __table_args__ = (
        sa.CheckConstraint("quantity BETWEEN 1 AND 10", name="quantity_range"),
        sa.CheckConstraint("every_weeks IN (1, 2)", name="every_weeks_range"),
        sa.CheckConstraint(
            "(status = 'paused') = (paused_until IS NOT NULL)", name="paused_has_end"
        ),
    )


class DeliveryOutcome(enum.StrEnum):
    ORDERED = "ordered"  # the job placed the order
    SKIPPED = "skipped"  # the customer skipped that week
    PAUSED = "paused"  # fell in a pause
    NOT_PLACED = "not_placed"  # no pickup place left that day (or the order was refused)
    WITHDRAWN = "withdrawn"  # the basket (or its provider) was not offered that week
    SHORT = "short"  # the producer brought fewer baskets than subscribers (or was closed)


class BasketDelivery(Base):
    """What became of one delivery day of a subscription: recorded once, so that the job never
    orders the same week twice and the customer sees why a week had no basket."""

    __tablename__ = "basket_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("basket_subscription.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(sa.Date)
    outcome: Mapped[DeliveryOutcome] = mapped_column(
        enum_column(DeliveryOutcome, "delivery_outcome")
    )
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="SET NULL"), unique=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subscription: Mapped[BasketSubscription] = relationship(back_populates="deliveries")
    order: Mapped[Order | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "day", name="uq_basket_delivery_subscription_day"),
        sa.CheckConstraint(
            "(outcome = 'ordered') = (order_id IS NOT NULL)", name="ordered_has_order"
        ),
    )
