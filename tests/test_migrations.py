"""The migrations and the models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conciergerie.extensions import db as _db


def test_migrations_match_the_models(app):
    # The test database was built by `flask db upgrade` (see conftest), not by create_all.
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, _db.metadata)
    assert differences == []
