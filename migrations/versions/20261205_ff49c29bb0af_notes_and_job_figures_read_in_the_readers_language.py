"""notes and job figures read in the reader's language: the orders' and items' history notes the
app writes keep a key and arguments (orders/notes.py), the jobs' runs their counts
(jobs/summaries.py); the French text stays beside them, and is all older rows have

Revision ID: ff49c29bb0af
Revises: d7f30f07b0db
Create Date: 2026-12-05 06:13:03.872394

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "ff49c29bb0af"
down_revision = "d7f30f07b0db"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("figures", sa.JSON(), nullable=True))

    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("note_args", sa.JSON(), nullable=True))

    with op.batch_alter_table("order_item_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("note_args", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("order_item_event", schema=None) as batch_op:
        batch_op.drop_column("note_args")
        batch_op.drop_column("note_key")

    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.drop_column("note_args")
        batch_op.drop_column("note_key")

    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_column("figures")
