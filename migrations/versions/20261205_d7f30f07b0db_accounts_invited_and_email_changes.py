"""accounts invited by the concierge; e-mail changes waiting for their link

Revision ID: d7f30f07b0db
Revises: 876b393e02b7
Create Date: 2026-12-05 06:12:57

`user_account.invited_at`: when the concierge last mailed the account's invitation (the person
chooses their password through its link; until then the account has none). `pending_email`: a
new address asked for on "Mon compte", counted only once the link mailed to it is followed.
Both are empty for the accounts already there.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7f30f07b0db"
down_revision = "876b393e02b7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("pending_email")
        batch_op.drop_column("invited_at")
