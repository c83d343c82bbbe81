"""economics: each provider's commission rate, each member company's yearly fee

Revision ID: d5e6f7a8b9c0
Revises: c4d5e6f7a8b9
Create Date: 2026-11-25 22:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d5e6f7a8b9c0"
down_revision = "c4d5e6f7a8b9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commission_rate_bp", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "commission_rate_range",
            "commission_rate_bp IS NULL OR commission_rate_bp BETWEEN 0 AND 5000",
        )
    with op.batch_alter_table("member_company", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("yearly_fee_cents", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint("yearly_fee_not_negative", "yearly_fee_cents >= 0")
    _recreate_provider_triggers()


def _recreate_provider_triggers():
    # SQLite rebuilt the provider table: its catalogue-version triggers went with it.
    if op.get_bind().dialect.name == "sqlite":
        for action in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS catalogue_changed_provider_{action.lower()} "
                f"AFTER {action} ON provider BEGIN "
                f"UPDATE catalogue_version SET token = lower(hex(randomblob(16))); END"
            )


def downgrade():
    with op.batch_alter_table("member_company", schema=None) as batch_op:
        batch_op.drop_constraint("yearly_fee_not_negative", type_="check")
        batch_op.drop_column("yearly_fee_cents")
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.drop_constraint("commission_rate_range", type_="check")
        batch_op.drop_column("commission_rate_bp")
    _recreate_provider_triggers()
