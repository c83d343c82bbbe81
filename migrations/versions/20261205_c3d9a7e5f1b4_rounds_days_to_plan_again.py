"""rounds: a planned day marked to be planned again when an order it may carry changed (a slot
moved, the order cancelled or not brought)

Revision ID: c3d9a7e5f1b4
Revises: 5b5bb59e52fb
Create Date: 2026-12-05 12:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3d9a7e5f1b4"
down_revision = "5b5bb59e52fb"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.drop_column("stale_since")
