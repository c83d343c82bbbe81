"""The desk at La Grappe: its weekly opening hours."""

from __future__ import annotations

from datetime import time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conciergerie.models.base import Base


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
