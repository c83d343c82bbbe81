"""subscriptions: a week whose basket was withdrawn (not offered) has its own outcome

Revision ID: 3f40a43cd883
Revises: 68c04b156952
Create Date: 2026-11-26 03:03:23.698213

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3f40a43cd883"
down_revision = "68c04b156952"
branch_labels = None
depends_on = None

OUTCOMES_OLD = "'ordered', 'skipped', 'paused', 'not_placed'"
OUTCOMES_NEW = OUTCOMES_OLD + ", 'withdrawn'"


def _set_outcomes(values):
    # The enum is a VARCHAR with a CHECK (enum_column): the CHECK is replaced (SQLite: the
    # batch rebuilds the table, keeping its other constraints and its index).
    with op.batch_alter_table("basket_delivery", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_basket_delivery_delivery_outcome"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_basket_delivery_delivery_outcome"), f"outcome IN ({values})"
        )


def upgrade():
    _set_outcomes(OUTCOMES_NEW)


def downgrade():
    # Before, a withdrawn basket's week was recorded as not placed.
    op.execute("UPDATE basket_delivery SET outcome = 'not_placed' WHERE outcome = 'withdrawn'")
    _set_outcomes(OUTCOMES_OLD)
