"""What the desk paid its providers: their months' net due (sales less the commission)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, utcnow
from conciergerie.models.catalogue import Provider


class ProviderPayout(Base):
    """A payment of the desk to a provider (a bank transfer) towards one month's net due, as the
    concierge recorded it. A month may be paid in several payouts (a part, then the rest)."""

    __tablename__ = "provider_payout"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id", ondelete="RESTRICT"))
    month: Mapped[date] = mapped_column(sa.Date)  # the first day of the month it pays
    paid_on: Mapped[date] = mapped_column(sa.Date)  # the day the money left
    amount_cents: Mapped[int]
    bank_reference: Mapped[str] = mapped_column(sa.String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider: Mapped[Provider] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.Index("ix_provider_payout_provider_month", "provider_id", "month"),
    )
