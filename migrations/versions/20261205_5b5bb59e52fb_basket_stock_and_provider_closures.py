"""basket stock and provider closures: a basket's number per delivery, the delivery each basket
line comes with, a subscription week that is short, and the days a provider is closed

Revision ID: 5b5bb59e52fb
Revises: a1c3e5f7b9d2
Create Date: 2026-12-05 08:24:29.557491

Basket lines placed before this revision get the day of their pickup slot as their delivery
day (a basket is collected on its delivery day, or later: for old lines, the best guess). The
new `provider_closure` table draws a new catalogue version on every change, like the other
catalogue tables (b3c1d2e4f5a6); the rebuilt `offer` table gets its SQLite triggers back.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b5bb59e52fb"
down_revision = "a1c3e5f7b9d2"
branch_labels = None
depends_on = None

OUTCOMES_OLD = "'ordered', 'skipped', 'paused', 'not_placed', 'withdrawn'"
OUTCOMES_NEW = OUTCOMES_OLD + ", 'short'"


def _set_outcomes(values):
    with op.batch_alter_table("basket_delivery", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_basket_delivery_delivery_outcome"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_basket_delivery_delivery_outcome"), f"outcome IN ({values})"
        )


def _catalogue_triggers(tables, *, create=True):
    """The catalogue version's triggers (see b3c1d2e4f5a6) on `tables`; SQLite drops a table's
    triggers when a batch migration rebuilds it, so the offer's are made again."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS catalogue_changed ON {table}")
            if create:
                op.execute(
                    f"CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR "
                    f"TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()"
                )
            continue
        for action in ("INSERT", "UPDATE", "DELETE"):
            name = f"catalogue_changed_{table}_{action.lower()}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            if create:
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {action} ON {table} BEGIN "
                    f"UPDATE catalogue_version SET token = lower(hex(randomblob(16))); END"
                )


def upgrade():
    op.create_table(
        "provider_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "last_day >= first_day", name=op.f("ck_provider_closure_closure_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_provider_closure_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
            name=op.f("fk_provider_closure_provider_id_provider"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_closure")),
    )
    with op.batch_alter_table("provider_closure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provider_closure_provider_id"), ["provider_id"], unique=False
        )

    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stock_per_delivery", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_offer_stock_only_baskets"),
            "stock_per_delivery IS NULL OR (kind = 'basket' AND stock_per_delivery >= 0)",
        )

    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_day", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_order_line_delivery_day"), ["delivery_day"], unique=False
        )
    _backfill_delivery_days()
    _set_outcomes(OUTCOMES_NEW)
    _catalogue_triggers(("offer", "provider_closure"))


def _backfill_delivery_days():
    """Old basket lines: the day of their pickup slot (its start in UTC falls on the same day
    as in Paris for the desk's opening hours)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT order_line.id, desk_slot.starts_at FROM order_line "
            "JOIN customer_order ON customer_order.id = order_line.order_id "
            "JOIN desk_slot ON desk_slot.id = customer_order.pickup_slot_id "
            "WHERE order_line.kind = 'basket'"
        )
    ).all()
    for line_id, starts_at in rows:
        day = starts_at.date() if hasattr(starts_at, "date") else str(starts_at)[:10]
        connection.execute(
            sa.text("UPDATE order_line SET delivery_day = :day WHERE id = :id"),
            {"day": day, "id": line_id},
        )


def downgrade():
    _catalogue_triggers(("provider_closure",), create=False)
    # Before, a short week was recorded as not placed.
    op.execute("UPDATE basket_delivery SET outcome = 'not_placed' WHERE outcome = 'short'")
    _set_outcomes(OUTCOMES_OLD)
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_line_delivery_day"))
        batch_op.drop_column("delivery_day")

    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_offer_stock_only_baskets"), type_="check")
        batch_op.drop_column("stock_per_delivery")
    _catalogue_triggers(("offer",))

    with op.batch_alter_table("provider_closure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_closure_provider_id"))
    op.drop_table("provider_closure")
