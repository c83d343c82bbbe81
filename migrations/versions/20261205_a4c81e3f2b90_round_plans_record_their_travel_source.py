"""round plans record their travel source: which source gave the street distances of a day's
last planning (the straight line, an OSRM or a Valhalla server, or the straight line because
the server failed)

Revision ID: a4c81e3f2b90
Revises: ff49c29bb0af
Create Date: 2026-12-05 08:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a4c81e3f2b90"
down_revision = "ff49c29bb0af"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("travel_source", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.drop_column("travel_source")
