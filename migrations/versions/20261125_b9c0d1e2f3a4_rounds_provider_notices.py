"""rounds: which providers were told of the day's visits

Revision ID: b9c0d1e2f3a4
Revises: a8b9c0d1e2f3
Create Date: 2026-11-25 23:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b9c0d1e2f3a4"
down_revision = "a8b9c0d1e2f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("provider_notices", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade():
    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.drop_column("provider_notices")
