"""Orders: what a customer bought, the desk slots it uses, and its history."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow
from conciergerie.models.catalogue import Offer, OfferKind, Provider
from conciergerie.models.desk import DeskSlot


class OrderStatus(enum.StrEnum):
    PLACED = "placed"  # just recorded
    AWAITING_PAYMENT = "awaiting_payment"  # online payment started; places held until it expires
    CONFIRMED = "confirmed"  # paid, or pay-at-desk accepted
    DROPPED_OFF = "dropped_off"  # items left at the desk
    AT_PROVIDER = "at_provider"  # carried to the provider
    READY_AT_PROVIDER = "ready_at_provider"  # work done, waiting for a round
    BACK_AT_DESK = "back_at_desk"  # ready to collect
    HANDED_OVER = "handed_over"  # the customer has it
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"  # the customer never brought the items
    # The work was done and waited at the desk past the set number of days: the provider is
    # owed it all the same, and the desk still hands it over if the customer comes at last.
    UNCOLLECTED = "uncollected"

    @property
    def is_final(self) -> bool:
        return self in (
            OrderStatus.HANDED_OVER,
            OrderStatus.CANCELLED,
            OrderStatus.NO_SHOW,
            OrderStatus.UNCOLLECTED,
        )

    @property
    def holds_places(self) -> bool:
        """Whether an order in this state still holds its places in the desk slots."""
        return self not in (OrderStatus.CANCELLED, OrderStatus.NO_SHOW)


class QuoteState(enum.StrEnum):
    """A line of an offer on quote (sur devis): the provider inspects the item, names a price,
    and nothing is done before the customer accepts it."""

    AWAITING_QUOTE = "awaiting_quote"  # the item has to reach the provider and be inspected
    PROPOSED = "proposed"  # a price is named; the customer accepts or declines
    ACCEPTED = "accepted"  # the price is the line's price; the work may start
    DECLINED = "declined"  # the item comes back as it went, free of charge


class PaymentMethod(enum.StrEnum):
    DESK = "desk"  # cash or card terminal at the desk
    ONLINE = "online"  # Stripe Checkout


class OrderOrigin(enum.StrEnum):
    """Who placed an order. The limits on what a customer may order (orders.service) hold for
    the customer's own orders only."""

    CUSTOMER = "customer"  # the customer, on the website or through the API
    COUNTER = "counter"  # the concierge, serving the customer at the counter
    SUBSCRIPTION = "subscription"  # the scheduled job, for a delivery of a basket subscription


# No order line holds more: a slip of the keyboard at the counter (1,000 shirts is no order).
# Customers' own orders are held lower, to MAX_ITEMS_PER_ORDER items in all (orders.service).
# Also OrderLine's CHECK, set by migration 196380986b86: changing it takes a migration.
MAX_LINE_QUANTITY = 999


class Order(Base):
    __tablename__ = "customer_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)  # shown at the desk: EVG-4K7QP
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus, "order_status"))
    payment_method: Mapped[PaymentMethod] = mapped_column(
        enum_column(PaymentMethod, "payment_method")
    )
    origin: Mapped[OrderOrigin] = mapped_column(
        enum_column(OrderOrigin, "order_origin"), default=OrderOrigin.CUSTOMER
    )
    # No drop-off for an order of baskets only.
    dropoff_slot_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("desk_slot.id", ondelete="RESTRICT"), index=True
    )
    pickup_slot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("desk_slot.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # The desk's words on the state of the items when they were handed in ("talon gauche
    # décollé"): the provider and the customer see them.
    dropoff_remarks: Mapped[str] = mapped_column(sa.String(300), default="")
    # What the order charges, as its ledger (payments/ledger.py) says: kept in step with it at
    # every flush, for the queries of the reports. `discount_cents` is what the concierge took
    # off the price as a goodwill gesture (payments.Discount).
    subtotal_cents: Mapped[int]
    fee_cents: Mapped[int]
    discount_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    total_cents: Mapped[int]
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The customer may cancel until then: the drop-off slot's start, or the basket cut-off.
    cancellable_until: Mapped[datetime] = mapped_column(UTCDateTime())
    # Online payment: the Stripe Checkout Session, and until when the places are held for it.
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    # What the app asked for on that session (in euro cents), kept when it was opened: the amount
    # Stripe reports paid is checked against it. None for sessions opened before it was kept.
    stripe_checkout_amount_cents: Mapped[int | None]
    payment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Client-chosen key (API `Idempotency-Key`): a retried request returns this order.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))
    idempotency_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    dropoff_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pickup_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the customer was told their work waits at the desk past its pickup day.
    uncollected_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[User] = relationship()
    dropoff_slot: Mapped[DeskSlot | None] = relationship(foreign_keys=[dropoff_slot_id])
    pickup_slot: Mapped[DeskSlot] = relationship(foreign_keys=[pickup_slot_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )

    __table_args__ = (
        sa.CheckConstraint("stripe_checkout_amount_cents > 0", name="checkout_amount_positive"),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_order_customer_idempotency"),
        sa.CheckConstraint(
            "subtotal_cents >= 0 AND fee_cents >= 0 AND discount_cents >= 0 AND total_cents >= 0",
            name="amounts_not_negative",
        ),
        sa.CheckConstraint(
            "total_cents = subtotal_cents + fee_cents - discount_cents", name="total_is_sum"
        ),
    )

    @property
    def has_dropoff(self) -> bool:
        """Whether the customer hands items in (services), in a drop-off slot or, served at the
        counter, at once; an order of baskets only has nothing to drop off."""
        return any(line.kind is OfferKind.SERVICE for line in self.lines)

    # Money: payments, refunds and discounts are attached by conciergerie.models.payments, and
    # every figure derived from them comes from conciergerie.payments.ledger.

    def __repr__(self) -> str:
        return f"<Order {self.code} {self.status.value}>"


class OrderLine(Base):
    """One offer in an order. Name, unit and price are copied when the order is placed, so that
    later catalogue changes do not alter it."""

    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="RESTRICT"))
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("provider.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind, "order_line_kind"))
    name: Mapped[str] = mapped_column(sa.String(160))
    unit: Mapped[str] = mapped_column(sa.String(60))
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    turnaround_days: Mapped[int]
    # Where the things of a service line are (the order's state follows the slowest line).
    at_provider_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    back_at_desk_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The provider could not do the work (why, in their words): the item comes back as it
    # went, and the desk refunds the line.
    cannot_do_reason: Mapped[str | None] = mapped_column(sa.String(300))
    # Copied when the order is placed, like the price: changing a provider's rate or an offer's
    # flags later must not rewrite past statements and impact figures. The commission rate is
    # None only on lines older than the copy whose provider had no rate of its own (then the
    # default rate applies).
    commission_rate_bp: Mapped[int | None] = mapped_column()
    is_repair: Mapped[bool] = mapped_column(default=False)
    weight_grams: Mapped[int | None] = mapped_column()
    integration_enterprise: Mapped[bool] = mapped_column(default=False)
    # On quote only (None for an offer with a set price): `unit_price_cents` stays 0 until the
    # customer accepts `quoted_unit_price_cents`.
    quote_state: Mapped[QuoteState | None] = mapped_column(enum_column(QuoteState, "quote_state"))
    quoted_unit_price_cents: Mapped[int | None] = mapped_column()
    quote_note: Mapped[str] = mapped_column(sa.String(300), default="")  # what the work is
    quoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quote_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A basket line: the delivery it comes with (its producer's list, the stock it takes).
    delivery_day: Mapped[date | None] = mapped_column(sa.Date, index=True)

    order: Mapped[Order] = relationship(back_populates="lines")
    offer: Mapped[Offer] = relationship()
    provider: Mapped[Provider] = relationship()
    # A service line's things, one record each (models/items.py); none for a basket.
    # (Named, not imported: models/items.py imports this module.)
    items: Mapped[list[Item]] = relationship(  # noqa: F821
        back_populates="line", cascade="all, delete-orphan", order_by="Item.number"
    )

    __table_args__ = (
        sa.CheckConstraint(
            f"quantity >= 1 AND quantity <= {MAX_LINE_QUANTITY}", name="quantity_range"
        ),
        sa.CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint(
            "quoted_unit_price_cents IS NULL OR quoted_unit_price_cents >= 0",
            name="quoted_price_not_negative",
        ),
    )

    @property
    def on_quote(self) -> bool:
        return self.quote_state is not None

    @property
    def undone(self) -> bool:
        return self.cannot_do_reason is not None

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class OrderEvent(Base):
    """One step of an order's life: who moved it, when, from which state to which."""

    __tablename__ = "order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customer_order.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[OrderStatus | None] = mapped_column(
        enum_column(OrderStatus, "order_event_from_status")
    )
    to_status: Mapped[OrderStatus] = mapped_column(
        enum_column(OrderStatus, "order_event_to_status")
    )
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )  # None: the system (a scheduled job, a payment webhook)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The note in French as it was written (free text typed by someone, or the French wording of
    # a note the app wrote); a note the app wrote also keeps its key and arguments, to be read in
    # the reader's language (orders/notes.py). Older rows have the French text only.
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    note_key: Mapped[str | None] = mapped_column(sa.String(40))
    note_args: Mapped[dict | None] = mapped_column(sa.JSON)

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
