"""orders keep the amount asked of Stripe Checkout

Revision ID: e3a9c5b7d1f2
Revises: c7d2e4f6a8b1
Create Date: 2026-12-05 03:00:00

The amount the app asked for when it opened an order's Checkout Session (the order's total, or
the balance it owed), so that the amount Stripe reports paid is checked against it. Sessions
opened before stay without one: their payment is checked against what the order owes.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e3a9c5b7d1f2"
down_revision = "c7d2e4f6a8b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_checkout_amount_cents", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_customer_order_checkout_amount_positive"),
            "stripe_checkout_amount_cents > 0",
        )


def downgrade():
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_customer_order_checkout_amount_positive"), type_="check")
        batch_op.drop_column("stripe_checkout_amount_cents")
