"""rounds: a volunteer's most minutes of rounds a day (their profile), and the day plan's notes on
who was planned beyond it to move items due that day

Revision ID: a1c3e5f7b9d2
Revises: 4758b1f93781
Create Date: 2026-12-05 08:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a1c3e5f7b9d2"
down_revision = "4758b1f93781"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_round_minutes", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_volunteer_profile_max_round_minutes_positive"), "max_round_minutes > 0"
        )

    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=False, server_default="[]"))


def downgrade():
    with op.batch_alter_table("round_day_plan", schema=None) as batch_op:
        batch_op.drop_column("notes")

    with op.batch_alter_table("volunteer_profile", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_volunteer_profile_max_round_minutes_positive"), type_="check"
        )
        batch_op.drop_column("max_round_minutes")
