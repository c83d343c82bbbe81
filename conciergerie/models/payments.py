"""Money received and given back, and the Stripe events already handled."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow
from conciergerie.models.orders import Order


class PaymentKind(enum.StrEnum):
    STRIPE = "stripe"  # card, online, through Stripe Checkout
    DESK_CASH = "desk_cash"  # cash at the desk
    DESK_CARD = "desk_card"  # the desk's card terminal


class Payment(Base):
    """Money received for an order."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[PaymentKind] = mapped_column(enum_column(PaymentKind, "payment_kind"))
    amount_cents: Mapped[int]
    # Stripe: the PaymentIntent refunds are made against; one payment per intent.
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )  # None: recorded by the Stripe webhook
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(backref=backref("payments", order_by="Payment.id"))
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)


class Refund(Base):
    """Money given back: who decided it, when, how much and why."""

    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="RESTRICT"), index=True
    )
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payment.id", ondelete="RESTRICT"))
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(300))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )  # None: the system (e.g. a payment that arrived for an expired order)
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(backref=backref("refunds", order_by="Refund.id"))
    payment: Mapped[Payment] = relationship(backref=backref("refunds", order_by="Refund.id"))
    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)


class Discount(Base):
    """A goodwill gesture: the concierge takes some money off an order's price (and, when it was
    paid, gives it back). The ledger lowers the order's total by it."""

    __tablename__ = "discount"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(300))
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(backref=backref("discounts", order_by="Discount.id"))
    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)


class StripeEvent(Base):
    """A Stripe event already handled: a replay or a duplicate delivery changes nothing."""

    __tablename__ = "stripe_event"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)  # evt_…
    type: Mapped[str] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
