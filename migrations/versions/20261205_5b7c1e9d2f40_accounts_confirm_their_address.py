"""accounts confirm their address

Revision ID: 5b7c1e9d2f40
Revises: a43083120a94
Create Date: 2026-12-05 01:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5b7c1e9d2f40"
down_revision = "a43083120a94"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
    # The accounts made before this were let in at once: they stay so.
    op.execute("UPDATE user_account SET email_confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
