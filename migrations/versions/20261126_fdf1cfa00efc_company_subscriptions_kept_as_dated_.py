"""company subscriptions kept as dated periods, so that a month's accounts stay as they were

Revision ID: fdf1cfa00efc
Revises: 3f40a43cd883
Create Date: 2026-11-26 03:06:31.620099

Backfill: until now only today's state was kept (member_company.is_subscriber and
yearly_fee_cents). Each company subscribing today gets one running period at today's fee,
starting on the first day of the month (in Paris) of the earliest order in the database: the
accounts of the months the desk has worked so far keep showing the subscriptions they showed
before this migration. With no order at all, the period starts today. Companies not subscribing
today get no period (who subscribed in the past and stopped is not known).
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fdf1cfa00efc"
down_revision = "3f40a43cd883"
branch_labels = None
depends_on = None

PARIS = ZoneInfo("Europe/Paris")

member_company = sa.table(
    "member_company",
    sa.column("id", sa.Integer),
    sa.column("is_subscriber", sa.Boolean),
    sa.column("yearly_fee_cents", sa.Integer),
)
customer_order = sa.table("customer_order", sa.column("placed_at", sa.DateTime(timezone=True)))


def _paris_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite keeps naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS).date()


def _backfill_start(connection) -> date:
    earliest = connection.scalar(sa.select(sa.func.min(customer_order.c.placed_at)))
    if earliest is None:
        return _paris_date(datetime.now(UTC))
    return _paris_date(earliest).replace(day=1)


def upgrade():
    company_subscription = op.create_table(
        "company_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("yearly_fee_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_company_subscription_ends_after_start"),
        ),
        sa.CheckConstraint(
            "yearly_fee_cents >= 0",
            name=op.f("ck_company_subscription_yearly_fee_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["member_company.id"],
            name=op.f("fk_company_subscription_company_id_member_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_subscription")),
    )
    with op.batch_alter_table("company_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_company_subscription_company_id"), ["company_id"], unique=False
        )
        # One running period per company.
        batch_op.create_index(
            "uq_company_subscription_running",
            ["company_id"],
            unique=True,
            sqlite_where=sa.text("ends_on IS NULL"),
            postgresql_where=sa.text("ends_on IS NULL"),
        )

    connection = op.get_bind()
    starts_on = _backfill_start(connection)
    subscribers = connection.execute(
        sa.select(member_company.c.id, member_company.c.yearly_fee_cents).where(
            member_company.c.is_subscriber == sa.true()
        )
    ).all()
    if subscribers:
        op.bulk_insert(
            company_subscription,
            [
                {
                    "company_id": company_id,
                    "starts_on": starts_on,
                    "ends_on": None,
                    "yearly_fee_cents": fee,
                }
                for company_id, fee in subscribers
            ],
        )


def downgrade():
    # The history is lost; member_company keeps today's state as before.
    with op.batch_alter_table("company_subscription", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_company_subscription_running",
            sqlite_where=sa.text("ends_on IS NULL"),
            postgresql_where=sa.text("ends_on IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_company_subscription_company_id"))

    op.drop_table("company_subscription")
