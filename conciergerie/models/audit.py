"""The log of the concierge's changes to the catalogue and the accounts: who, when, what."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conciergerie.models.accounts import User
from conciergerie.models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Kept when the account goes: the entry then names no one.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    entity: Mapped[str] = mapped_column(sa.String(40))  # "provider", "offer", "member_company"…
    entity_id: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(200))  # the thing's name when it changed
    action: Mapped[str] = mapped_column(sa.String(20))  # "create" or "update"
    # {field: [before, after]}, values as text.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_audit_entry_entity", "entity", "entity_id"),)
