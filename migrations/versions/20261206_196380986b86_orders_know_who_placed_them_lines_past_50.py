"""orders know who placed them; an order line may hold more than 50

Revision ID: 196380986b86
Revises: 5f0e0153b275
Create Date: 2026-12-05 04:00:00

The limits on customers' own orders (at most MAX_ITEMS_PER_ORDER items, at most
MAX_OPEN_DESK_ORDERS pay-at-desk orders not yet dropped off) leave out the orders the desk takes
at the counter and those a basket subscription places: `customer_order.origin` says which is
which. Orders placed before are given theirs from what they left: a subscription's delivery
names its order; an order whose first step was taken by someone else than its customer was taken
at the counter.

The per-line cap of 50 goes (customers are held to a number of items per order instead, and the
desk may take more at the counter): a line holds 1 to 999.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "196380986b86"
down_revision = "5f0e0153b275"
branch_labels = None
depends_on = None


def _quantity_range(upper: int) -> None:
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_order_line_quantity_range"), type_="check")
        batch_op.create_check_constraint("quantity_range", f"quantity >= 1 AND quantity <= {upper}")


def upgrade():
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "origin",
                sa.Enum(
                    "customer",
                    "counter",
                    "subscription",
                    name="order_origin",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
                server_default="customer",
            )
        )
    op.execute(
        "UPDATE customer_order SET origin = 'subscription' WHERE id IN "
        "(SELECT order_id FROM basket_delivery WHERE order_id IS NOT NULL)"
    )
    # The first step (placed) names who placed the order: the concierge at the counter (or
    # nobody any more, when that account was deleted since).
    op.execute(
        "UPDATE customer_order SET origin = 'counter' WHERE origin = 'customer' AND EXISTS "
        "(SELECT 1 FROM order_event WHERE order_event.order_id = customer_order.id "
        "AND order_event.from_status IS NULL AND (order_event.actor_id IS NULL "
        "OR order_event.actor_id <> customer_order.customer_id))"
    )
    _quantity_range(999)


def downgrade():
    larger = op.get_bind().scalar(sa.text("SELECT count(*) FROM order_line WHERE quantity > 50"))
    if larger:
        # Cutting them to 50 would change what was sold and paid: say so rather than guess.
        raise RuntimeError(
            f"{larger} order line(s) hold more than 50 items: the cap of 50 cannot come back."
        )
    _quantity_range(50)
    with op.batch_alter_table("customer_order", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_customer_order_order_origin"), type_="check")
        batch_op.drop_column("origin")
