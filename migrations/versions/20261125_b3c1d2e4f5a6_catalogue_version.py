"""catalogue version: the token that cached catalogue pages are keyed by

Revision ID: b3c1d2e4f5a6
Revises: 7fe7f28a8f15
Create Date: 2026-11-25 21:00:00

Triggers on the catalogue's tables draw a new token on every change, whatever makes it (the app,
a bulk statement, a migration, psql); on PostgreSQL they also NOTIFY it (catalogue.versions).
SQLite drops a table's triggers when a batch migration rebuilds the table: such a migration must
call `create_triggers` again (tests/test_migrations.py checks every table still bumps).
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3c1d2e4f5a6"
down_revision = "7fe7f28a8f15"
branch_labels = None
depends_on = None

TABLES = ("category", "provider", "offer", "provider_opening_range")


def create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION catalogue_changed() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                new_token text := replace(gen_random_uuid()::text, '-', '');
            BEGIN
                UPDATE catalogue_version SET token = new_token;
                PERFORM pg_notify('catalogue_version', new_token);
                RETURN NULL;
            END $$
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed()"
            )
    else:
        for table in TABLES:
            for action in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER catalogue_changed_{table}_{action.lower()} "
                    f"AFTER {action} ON {table} BEGIN "
                    f"UPDATE catalogue_version SET token = lower(hex(randomblob(16))); END"
                )


def drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS catalogue_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS catalogue_changed()")
    else:
        for table in TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS catalogue_changed_{table}_{action}")


def upgrade():
    table = op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
    )
    op.bulk_insert(table, [{"id": 1, "token": secrets.token_hex(16)}])
    create_triggers()


def downgrade():
    drop_triggers()
    op.drop_table("catalogue_version")
