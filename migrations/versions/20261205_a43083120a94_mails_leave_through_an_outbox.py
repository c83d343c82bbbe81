"""mails leave through an outbox, written in the transaction of what they are about

Revision ID: a43083120a94
Revises: fdf1cfa00efc
Create Date: 2026-12-05 00:40:00.000000

Every mail is now a row of `outbox_mail`, written with the change it is about and sent by the
scheduler's `send-mails` job; `pending_mail` (the mails the server had refused, to try again)
is replaced by it. Its rows move over with their attempts and next try, each given the stable
Message-ID every outbox row carries (on the site's domain, from PUBLIC_URL). Their last failure
is when the old code set their next try: next_attempt_at minus the delay it waited.
"""

from datetime import UTC, timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a43083120a94"
down_revision = "fdf1cfa00efc"
branch_labels = None
depends_on = None

COLUMNS = ("recipient", "subject", "body_text", "body_html", "created_at", "attempts",
           "next_attempt_at", "last_error")  # fmt: skip


def _mails(name: str) -> sa.TableClause:
    """The columns that pending_mail and outbox_mail share."""
    return sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column("recipient", sa.String),
        sa.column("subject", sa.String),
        sa.column("body_text", sa.Text),
        sa.column("body_html", sa.Text),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("attempts", sa.Integer),
        sa.column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.column("last_error", sa.String),
    )


def _retry_delay(attempts: int) -> timedelta:  # conciergerie.mail.retry_delay, as it was
    return min(timedelta(minutes=5) * 2 ** (attempts - 1), timedelta(hours=4))


def _domain() -> str | None:
    try:
        from flask import current_app

        return urlsplit(current_app.config["PUBLIC_URL"]).hostname
    except (RuntimeError, KeyError):  # run outside the app: the machine's name
        return None


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # SQLite: naive UTC


def upgrade():
    outbox_mail = op.create_table(
        "outbox_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_mail")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_mail_message_id")),
    )
    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_mail_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_mail_recipient"), ["recipient"], unique=False)

    connection = op.get_bind()
    domain = _domain()
    pending_mail = _mails("pending_mail")
    rows = connection.execute(sa.select(pending_mail).order_by(pending_mail.c.id)).all()
    if rows:
        connection.execute(
            outbox_mail.insert(),
            [
                {
                    **{name: getattr(row, name) for name in COLUMNS},
                    "message_id": make_msgid(domain=domain),
                    "failed_at": _aware(row.next_attempt_at) - _retry_delay(row.attempts),
                }
                for row in rows
            ],
        )

    with op.batch_alter_table("pending_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_mail_recipient"))
        batch_op.drop_index(batch_op.f("ix_pending_mail_next_attempt_at"))
    op.drop_table("pending_mail")


def downgrade():
    pending = op.create_table(
        "pending_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_mail")),
    )
    with op.batch_alter_table("pending_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_mail_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pending_mail_recipient"), ["recipient"], unique=False)

    # Every mail still waiting goes back: the old code sends them with its retry job.
    outbox_mail = _mails("outbox_mail")
    rows = op.get_bind().execute(sa.select(outbox_mail).order_by(outbox_mail.c.id)).all()
    if rows:
        op.get_bind().execute(
            pending.insert(),
            [
                {**{name: getattr(row, name) for name in COLUMNS}, "attempts": max(row.attempts, 1)}
                for row in rows
            ],
        )

    with op.batch_alter_table("outbox_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_mail_recipient"))
        batch_op.drop_index(batch_op.f("ix_outbox_mail_next_attempt_at"))
    op.drop_table("outbox_mail")
