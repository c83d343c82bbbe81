"""impact: integration enterprises, repairs, basket weights

Revision ID: f7a8b9c0d1e2
Revises: e6f7a8b9c0d1
Create Date: 2026-11-25 23:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f7a8b9c0d1e2"
down_revision = "e6f7a8b9c0d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "is_integration_enterprise", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_repair", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("weight_grams", sa.Integer(), nullable=True))
    _recreate_triggers()


def downgrade():
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("weight_grams")
        batch_op.drop_column("is_repair")
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.drop_column("is_integration_enterprise")
    _recreate_triggers()


def _recreate_triggers():
    # SQLite drops a table's triggers when a batch migration rebuilds it.
    if op.get_bind().dialect.name == "sqlite":
        for table in ("provider", "offer"):
            for action in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER IF NOT EXISTS catalogue_changed_{table}_{action.lower()} "
                    f"AFTER {action} ON {table} BEGIN "
                    f"UPDATE catalogue_version SET token = lower(hex(randomblob(16))); END"
                )
