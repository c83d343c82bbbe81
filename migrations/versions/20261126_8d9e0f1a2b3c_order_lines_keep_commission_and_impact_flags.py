"""order lines keep the commission rate and impact flags they were sold with

Revision ID: 8d9e0f1a2b3c
Revises: 70c8ad2e97a2
Create Date: 2026-11-26 02:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8d9e0f1a2b3c"
down_revision = "70c8ad2e97a2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commission_rate_bp", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("is_repair", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("weight_grams", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "integration_enterprise", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    # Lines sold before: the best knowledge is today's values (a provider without a rate of its
    # own keeps None: the default rate applies).
    op.execute(
        "UPDATE order_line SET "
        "commission_rate_bp = (SELECT commission_rate_bp FROM provider "
        "WHERE provider.id = order_line.provider_id), "
        "integration_enterprise = (SELECT is_integration_enterprise FROM provider "
        "WHERE provider.id = order_line.provider_id), "
        "is_repair = (SELECT is_repair FROM offer WHERE offer.id = order_line.offer_id), "
        "weight_grams = (SELECT weight_grams FROM offer WHERE offer.id = order_line.offer_id)"
    )


def downgrade():
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_column("integration_enterprise")
        batch_op.drop_column("weight_grams")
        batch_op.drop_column("is_repair")
        batch_op.drop_column("commission_rate_bp")
