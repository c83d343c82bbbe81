"""texts (SMS): their outbox, the numbers that replied STOP, and the customers' opt-in

Revision ID: a4c7e2f91b36
Revises: a4c81e3f2b90
Create Date: 2026-12-05 09:00:00

`outbox_text` holds the texts waiting to leave (and those sent in the last days, with the
gateway's id); `text_opt_out` the numbers (E.164) never to text again;
`user_account.texts_opt_in` is false for everyone until they ask on "Mon compte".
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c7e2f91b36"
down_revision = "a4c81e3f2b90"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.String(length=16), nullable=False),
        sa.Column("body", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gateway_message_id", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_text")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_text_idempotency_key")),
    )
    with op.batch_alter_table("outbox_text", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_text_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_text_recipient"), ["recipient"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_text_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "text_opt_out",
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_text_opt_out")),
    )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("texts_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("texts_opt_in")
    op.drop_table("text_opt_out")
    with op.batch_alter_table("outbox_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_text_sent_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_text_recipient"))
        batch_op.drop_index(batch_op.f("ix_outbox_text_next_attempt_at"))
    op.drop_table("outbox_text")
