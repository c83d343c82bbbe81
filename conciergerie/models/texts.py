"""Text messages (SMS): the outbox of texts, and the numbers that asked for none."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conciergerie.models.base import Base, UTCDateTime, utcnow

# A text is at most two concatenated SMS of 153 GSM characters (conciergerie.texts.service).
TEXT_MAX_LENGTH = 320


class OutboxText(Base):
    """A text waiting to leave, or sent lately. Written with the change it is about, like the
    mails (conciergerie.mail), and sent by the same `send-mails` job (conciergerie.texts.service).

    `idempotency_key` is set once, when the row is written, and sent to the gateway with every
    attempt: a text sent again after a crash between the gateway's answer and the commit is the
    same text for the gateway. Unlike a mail, the row stays once sent (`sent_at`, the gateway's
    `gateway_message_id`) for a few days, then is deleted: it holds a number and words about a
    person."""

    __tablename__ = "outbox_text"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    recipient: Mapped[str] = mapped_column(sa.String(16), index=True)  # E.164: +33612345678
    body: Mapped[str] = mapped_column(sa.String(TEXT_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When to try (next): its creation, then later after each failure (mail.retry_delay).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # failed ones
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    gateway_message_id: Mapped[str | None] = mapped_column(sa.String(100))


class TextOptOut(Base):
    """A number that replied STOP to a text: never texted again, whoever's account holds it
    (walk-in customers have none to sign in to), until its owner asks for texts on "Mon
    compte"."""

    __tablename__ = "text_opt_out"

    phone: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # E.164
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
