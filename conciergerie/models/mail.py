"""The outbox: every mail, written in the transaction of the change it is about."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conciergerie.models.base import Base, UTCDateTime, utcnow


class OutboxMail(Base):
    """A rendered mail waiting to leave. Written with the change it is about (so it is saved,
    or rolled back, with it) and sent by the scheduler's `send-mails` job (conciergerie.mail).

    `message_id` is set once, when the row is written: a mail sent again after a crash between
    sending and deleting the row is the same message. The row is deleted once sent, or given
    up after a while: it holds an address and words about a person."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When to try (next): its creation, then later after each failure (mail.retry_delay).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # failed ones
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
