"""providers' payouts: what the desk paid each provider towards a month's net due

Revision ID: e2a9d4c1b7f3
Revises: 196380986b86
Create Date: 2026-12-05 04:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e2a9d4c1b7f3"
down_revision = "196380986b86"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provider_payout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("bank_reference", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_provider_payout_amount_positive")),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
            name=op.f("fk_provider_payout_provider_id_provider"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_provider_payout_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_payout")),
    )
    with op.batch_alter_table("provider_payout", schema=None) as batch_op:
        batch_op.create_index(
            "ix_provider_payout_provider_month", ["provider_id", "month"], unique=False
        )


def downgrade():
    with op.batch_alter_table("provider_payout", schema=None) as batch_op:
        batch_op.drop_index("ix_provider_payout_provider_month")
    op.drop_table("provider_payout")
