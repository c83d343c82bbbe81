"""The desk at La Grappe: its weekly opening hours, closure days and the slots cut from them."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conciergerie.models.base import Base, UTCDateTime


class DeskOpeningRange(Base):
    """One range of a weekday during which the desk is open (several per day are normal:
    early morning, lunch and evening). Times are local (Europe/Paris) wall-clock times."""

    __tablename__ = "desk_opening_range"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int]  # 0 = Monday … 6 = Sunday
    opens_at: Mapped[time] = mapped_column(sa.Time)
    closes_at: Mapped[time] = mapped_column(sa.Time)

    __table_args__ = (
        sa.UniqueConstraint("weekday", "opens_at", name="uq_desk_opening_range_weekday_opens"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )


class DeskClosure(Base):
    """A day the desk stays shut (its holidays; French public holidays are known already)."""

    __tablename__ = "desk_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    reason: Mapped[str] = mapped_column(sa.String(160))


class DeskSlot(Base):
    """One time window at the desk. Drop-offs and pickups both take places in it.

    `booked` counts the places taken; it is only changed by a guarded UPDATE (see
    slots.service.reserve_place) and the CHECK constraint is the backstop against overbooking.
    """

    __tablename__ = "desk_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), unique=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked

    def __repr__(self) -> str:
        return (
            f"<DeskSlot {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z {self.booked}/{self.capacity}>"
        )
