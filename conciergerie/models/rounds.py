"""Pickup rounds: the volunteers' availability and transport, and the rounds planned for a day."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, enum_column, utcnow
from conciergerie.models.catalogue import Provider
from conciergerie.models.orders import OrderLine


class TransportMode(enum.StrEnum):
    FOOT = "foot"
    BIKE = "bike"
    CARGO_BIKE = "cargo_bike"

    @property
    def speed_kmh(self) -> float:
        """A cautious average in town, stops at crossings included."""
        return {"foot": 4.5, "bike": 13.0, "cargo_bike": 11.0}[self.value]

    @property
    def capacity(self) -> int:
        """Things carried at once (a pair of shoes, a shirt on its hanger, a basket)."""
        return {"foot": 6, "bike": 12, "cargo_bike": 40}[self.value]


class VolunteerProfile(Base):
    """What a civic-service volunteer moves with."""

    __tablename__ = "volunteer_profile"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    transport: Mapped[TransportMode] = mapped_column(
        enum_column(TransportMode, "transport_mode"), default=TransportMode.BIKE
    )
    # The most minutes of rounds they want in a day (None: as many as their availability
    # allows); the planner exceeds it only for items due that day, and says so.
    max_round_minutes: Mapped[int | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("max_round_minutes > 0", name="max_round_minutes_positive"),
    )


class VolunteerAvailability(Base):
    """One weekly range during which a volunteer can do rounds (local wall-clock time)."""

    __tablename__ = "volunteer_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]  # 0 = Monday … 6 = Sunday
    starts_at: Mapped[time] = mapped_column(sa.Time)
    ends_at: Mapped[time] = mapped_column(sa.Time)

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )


class VolunteerAbsence(Base):
    """Days a volunteer is not available after all: exams, sick days, training."""

    __tablename__ = "volunteer_absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date] = mapped_column(sa.Date)
    last_day: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(160), default="")

    __table_args__ = (sa.CheckConstraint("last_day >= first_day", name="last_after_first"),)


class RoundAction(enum.StrEnum):
    DROP = "drop"  # desk → provider
    COLLECT = "collect"  # provider → desk


class DayPlan(Base):
    """The last planning of a day: when it ran, what it could not move (and why), and what was
    already told to whom (so that a second run of the job does not mail twice)."""

    __tablename__ = "round_day_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # [{"line_id": 12, "action": "drop", "reason": "no_volunteer"}, …]
    unmet: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Volunteers planned beyond their own limit to move items due that day:
    # [{"volunteer_id": 3, "minutes": 140, "limit": 120, "lines": [12, 14]}, …]
    notes: Mapped[list] = mapped_column(sa.JSON, default=list)
    # {"<volunteer id>": "<fingerprint of the rounds mailed>"}
    volunteer_notices: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The same for the providers told of the visits of the day: {provider id: fingerprint}.
    provider_notices: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    alert_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    # Which source gave the street distances of the last planning ("OSRM https://… (bike)",
    # "ligne droite × 1,3", or the straight line with why the server was not used).
    travel_source: Mapped[str | None] = mapped_column(sa.String(200))
    # Since when an order its rounds may carry changed (a slot moved, the order cancelled or not
    # brought): the `replan-changed-days` job plans the day again (rounds.stale).
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PickupRound(Base):
    """A round of one volunteer: leaves the desk, visits providers, comes back.

    A locked round (moved by hand, or under way) is kept as it is when the day is planned again.
    """

    __tablename__ = "pickup_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    volunteer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    distance_m: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer: Mapped[User] = relationship()
    stops: Mapped[list[RoundStop]] = relationship(
        back_populates="round",
        cascade="all, delete-orphan",
        order_by="RoundStop.position",
    )

    __table_args__ = (
        sa.CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        sa.CheckConstraint("distance_m >= 0", name="distance_not_negative"),
    )

    @property
    def items(self) -> list[RoundItem]:
        return [item for stop in self.stops for item in stop.items]

    @property
    def has_started(self) -> bool:
        return any(item.begun for item in self.items)


class RoundStop(Base):
    """One provider visited on a round, with the planned time there."""

    __tablename__ = "round_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pickup_round.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id", ondelete="RESTRICT"))
    position: Mapped[int]
    arrive_at: Mapped[datetime] = mapped_column(UTCDateTime())
    leave_at: Mapped[datetime] = mapped_column(UTCDateTime())

    round: Mapped[PickupRound] = relationship(back_populates="stops")
    provider: Mapped[Provider] = relationship()
    items: Mapped[list[RoundItem]] = relationship(
        back_populates="stop", cascade="all, delete-orphan", order_by="RoundItem.id"
    )


class RoundItem(Base):
    """An order line to drop at the stop's provider or to collect from it. `done_at` is set by the
    volunteer's tap; a second tap on the same item changes nothing."""

    __tablename__ = "round_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("round_stop.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_line.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[RoundAction] = mapped_column(enum_column(RoundAction, "round_action"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    stop: Mapped[RoundStop] = relationship(back_populates="items")
    line: Mapped[OrderLine] = relationship()

    @property
    def begun(self) -> bool:
        """Done, or some of its line's items already scanned on it (a round kept as it is)."""
        return self.done_at is not None or any(
            event.round_item_id == self.id and event.undone_at is None
            for thing in self.line.items
            for event in thing.events
        )
