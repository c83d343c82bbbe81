"""orders keep a ledger: goodwill discounts, and totals that follow what is charged

Revision ID: c7d2e4f6a8b1
Revises: 5b7c1e9d2f40
Create Date: 2026-12-05 03:30:00

The stored totals now follow the order's ledger (conciergerie/payments/ledger.py): nothing is
charged for a line not done, nor for a cancelled order or a no-show. The orders already recorded
are brought in step here with the same rules, in SQL.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c7d2e4f6a8b1"
down_revision = "5b7c1e9d2f40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "discount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_discount_amount_positive")),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_discount_actor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_order.id"],
            name=op.f("fk_discount_order_id_customer_order"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount")),
    )
    with op.batch_alter_table("discount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discount_order_id"), ["order_id"], unique=False)

    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("discount_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint(op.f("ck_customer_order_total_is_sum"), type_="check")
        batch_op.drop_constraint(op.f("ck_customer_order_amounts_not_negative"), type_="check")

    # Bring the recorded orders in step with their ledgers.
    op.execute(
        """
        UPDATE customer_order SET subtotal_cents = CASE
            WHEN status IN ('cancelled', 'no_show') THEN 0
            ELSE (SELECT COALESCE(SUM(unit_price_cents * quantity), 0) FROM order_line
                  WHERE order_line.order_id = customer_order.id
                    AND cannot_do_reason IS NULL
                    AND (quote_state IS NULL OR quote_state = 'accepted'))
        END
        """
    )
    op.execute(
        """
        UPDATE customer_order SET fee_cents = 0
        WHERE status IN ('cancelled', 'no_show')
           OR NOT EXISTS (SELECT 1 FROM order_line WHERE order_line.order_id = customer_order.id
                          AND cannot_do_reason IS NULL)
        """
    )
    op.execute("UPDATE customer_order SET total_cents = subtotal_cents + fee_cents")

    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "amounts_not_negative",
            "subtotal_cents >= 0 AND fee_cents >= 0 AND discount_cents >= 0 AND total_cents >= 0",
        )
        batch_op.create_check_constraint(
            "total_is_sum", "total_cents = subtotal_cents + fee_cents - discount_cents"
        )


def downgrade():
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_customer_order_total_is_sum"), type_="check")
        batch_op.drop_constraint(op.f("ck_customer_order_amounts_not_negative"), type_="check")
        batch_op.drop_column("discount_cents")
        batch_op.create_check_constraint(
            "amounts_not_negative", "subtotal_cents >= 0 AND fee_cents >= 0"
        )
        batch_op.create_check_constraint("total_is_sum", "total_cents = subtotal_cents + fee_cents")
    with op.batch_alter_table("discount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discount_order_id"))
    op.drop_table("discount")
