"""La Grappe's bookable spaces (conference room, meeting and training rooms, coworking desks),
their prices for each kind of booker, the member companies' monthly quotas, and the bookings.

Two confirmed bookings of one space never overlap: on PostgreSQL an exclusion constraint on the
booking's time range (btree_gist), on SQLite a trigger (SQLite runs one writer at a time, so
the trigger's look at the other bookings cannot be raced). Both are created by the migration;
`rooms.service` also looks first, to refuse with a readable message."""

from __future__ import annotations

import enum
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import MemberCompany, User
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow


class SpaceKind(enum.StrEnum):
    CONFERENCE_ROOM = "conference_room"
    MEETING_ROOM = "meeting_room"
    TRAINING_ROOM = "training_room"
    COWORKING_DESK = "coworking_desk"


class BookerKind(enum.StrEnum):
    """Who books, which sets the price: a member company of La Grappe (its verified employees
    book for it), a district association (reduced price), anyone else (full price)."""

    MEMBER = "member"
    ASSOCIATION = "association"
    PUBLIC = "public"


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"  # waits for the concierge
    CONFIRMED = "confirmed"  # holds the space
    DECLINED = "declined"  # the concierge said no, with a reason
    CANCELLED = "cancelled"  # by the requester or the concierge


class Space(Base):
    """A room or a desk that can be booked, with its hours and prices (integer cents)."""

    __tablename__ = "space"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind, "space_kind"))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int]
    equipment: Mapped[str] = mapped_column(sa.String(500), default="")
    # The layouts a requester may ask for, one per line ("en U", "théâtre"…); empty: none.
    layouts: Mapped[str] = mapped_column(sa.String(300), default="")
    opens_at: Mapped[time] = mapped_column(sa.Time)  # Paris time, every opening day
    closes_at: Mapped[time] = mapped_column(sa.Time)
    # The weekdays it opens, Monday = 0: "01234" for Monday to Friday.
    open_weekdays: Mapped[str] = mapped_column(sa.String(7), default="01234")
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    member_hour_cents: Mapped[int] = mapped_column(default=0)
    member_half_day_cents: Mapped[int] = mapped_column(default=0)
    member_day_cents: Mapped[int] = mapped_column(default=0)
    association_hour_cents: Mapped[int] = mapped_column(default=0)
    association_half_day_cents: Mapped[int] = mapped_column(default=0)
    association_day_cents: Mapped[int] = mapped_column(default=0)
    public_hour_cents: Mapped[int] = mapped_column(default=0)
    public_half_day_cents: Mapped[int] = mapped_column(default=0)
    public_day_cents: Mapped[int] = mapped_column(default=0)

    photos: Mapped[list[SpacePhoto]] = relationship(
        back_populates="space",
        cascade="all, delete-orphan",
        order_by="SpacePhoto.position, SpacePhoto.id",
    )

    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        sa.CheckConstraint(
            "member_hour_cents >= 0 AND member_half_day_cents >= 0 AND member_day_cents >= 0"
            " AND association_hour_cents >= 0 AND association_half_day_cents >= 0"
            " AND association_day_cents >= 0 AND public_hour_cents >= 0"
            " AND public_half_day_cents >= 0 AND public_day_cents >= 0",
            name="prices_not_negative",
        ),
    )

    def prices(self, kind: BookerKind) -> tuple[int, int, int]:
        """Hour, half-day and day prices for `kind`, in cents."""
        prefix = BookerKind(kind).value
        return (
            getattr(self, f"{prefix}_hour_cents"),
            getattr(self, f"{prefix}_half_day_cents"),
            getattr(self, f"{prefix}_day_cents"),
        )

    @property
    def layout_choices(self) -> list[str]:
        return [line.strip() for line in self.layouts.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Space {self.name}>"


class SpacePhoto(Base):
    """A photo of a space, stored as events' pictures are (events/images.py): checked, resized,
    under a name of ours in UPLOAD_ROOT/spaces."""

    __tablename__ = "space_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(sa.ForeignKey("space.id", ondelete="CASCADE"), index=True)
    image_name: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int] = mapped_column(default=0)

    space: Mapped[Space] = relationship(back_populates="photos")


class RoomQuota(Base):
    """The hours of rooms a member company's subscription includes each month (Paris months);
    beyond them, its bookings are charged at the member price."""

    __tablename__ = "room_quota"

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("member_company.id", ondelete="CASCADE"), primary_key=True
    )
    hours_per_month: Mapped[int] = mapped_column(default=0)

    company: Mapped[MemberCompany] = relationship()

    __table_args__ = (sa.CheckConstraint("hours_per_month BETWEEN 0 AND 744", name="hours_range"),)


class Booking(Base):
    """One request to use a space from `starts_at` to `ends_at` (UTC; shown in Paris time).

    Its price is set when it is confirmed (from the space's prices for the booker's kind, the
    company's quota minutes taken off) and kept: a later change of prices does not alter it.
    What it charges, with its state, comes from `rooms.pricing.charge`."""

    __tablename__ = "space_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(
        sa.ForeignKey("space.id", ondelete="RESTRICT"), index=True
    )
    requester_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    booker_kind: Mapped[BookerKind] = mapped_column(enum_column(BookerKind, "booker_kind"))
    # The member company booked for (its employees book for it), or None.
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member_company.id", ondelete="RESTRICT"), index=True
    )
    association_name: Mapped[str] = mapped_column(sa.String(160), default="")
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus, "booking_status"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purpose: Mapped[str] = mapped_column(sa.String(300))
    attendees: Mapped[int]
    layout: Mapped[str] = mapped_column(sa.String(60), default="")
    catering_note: Mapped[str] = mapped_column(sa.String(500), default="")
    price_cents: Mapped[int | None]  # set when confirmed
    included_minutes: Mapped[int] = mapped_column(default=0)  # taken from the company's quota
    decline_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # Cancelled after the free-cancellation deadline: the price stays owed.
    cancellation_charged: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Paid at the desk (its price then), and given back at the desk when it was owed back (paid,
    # then cancelled in time).
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    space: Mapped[Space] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    company: Mapped[MemberCompany | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("attendees >= 1", name="attendees_positive"),
        sa.CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("included_minutes >= 0", name="included_minutes_not_negative"),
        sa.CheckConstraint(
            "booker_kind <> 'member' OR company_id IS NOT NULL", name="member_has_company"
        ),
        sa.Index("ix_space_booking_space_starts", "space_id", "starts_at"),
        # PostgreSQL: never two confirmed bookings of one space over the same instant. The
        # range is half-open ([start, end)): one may end at 10:00 and the next start then.
        ExcludeConstraint(
            ("space_id", "="),
            (sa.func.tstzrange(sa.column("starts_at"), sa.column("ends_at")), "&&"),
            name="space_booking_no_overlap",
            using="gist",
            where=sa.text("status = 'confirmed'"),
        ).ddl_if(dialect="postgresql"),
    )

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.space_id} {self.status.value}>"
