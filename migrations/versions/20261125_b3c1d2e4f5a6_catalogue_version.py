"""catalogue version: the token that cached catalogue pages are keyed by

Revision ID: b3c1d2e4f5a6
Revises: 7fe7f28a8f15
Create Date: 2026-11-25 21:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3c1d2e4f5a6"
down_revision = "7fe7f28a8f15"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
    )
    op.bulk_insert(table, [{"id": 1, "token": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("catalogue_version")
