"""Neighbourhood events run by the volunteers, and the registrations to them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow
from conciergerie.models.catalogue import Provider

event_provider = sa.Table(
    "event_provider",
    Base.metadata,
    sa.Column("event_id", sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("provider_id", sa.ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True),
)


class EventStatus(enum.StrEnum):
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Event(Base):
    """A repair café, a basket tasting, a meeting in La Grappe's conference room…

    `registered` counts confirmed places; like a desk slot's `booked`, it only changes through a
    guarded UPDATE, with a CHECK constraint as the backstop.
    """

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text)
    place: Mapped[str] = mapped_column(sa.String(255))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int | None]  # None: no limit
    registered: Mapped[int] = mapped_column(default=0)
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.PUBLISHED
    )
    # A file name chosen by us (uuid), under UPLOAD_ROOT/events; never a path from the user.
    image_name: Mapped[str | None] = mapped_column(sa.String(64))
    organiser_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # For calendars: each change bumps the sequence, so that phones update their copy.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sequence: Mapped[int] = mapped_column(default=0)

    organiser: Mapped[User] = relationship()
    providers: Mapped[list[Provider]] = relationship(secondary=event_provider)
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", order_by="Registration.id"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint(
            "registered >= 0 AND (capacity IS NULL OR registered <= capacity)",
            name="registered_within_capacity",
        ),
    )

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.registered >= self.capacity

    @property
    def remaining(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.registered


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"  # on the waiting list, promoted when a place frees
    CANCELLED = "cancelled"


class Registration(Base):
    """One person's registration to one event (one row per person and event, ever)."""

    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the person joined the list they are on now: the waiting list is served in this order.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("event_id", "user_id", name="uq_registration_event_user"),
    )
