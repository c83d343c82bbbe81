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


def test_migrations_create_every_check_constraint_of_the_models(app):
    # compare_metadata does not look at CHECK constraints: compare their names table by table.
    import sqlalchemy as sa

    with app.app_context(), _db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in _db.metadata.sorted_tables:
            expected = set()
            for constraint in table.constraints:
                if isinstance(constraint, sa.CheckConstraint):
                    expected.add(str(constraint.name))
            for column in table.columns:  # enums add their own CHECK (named by the convention)
                if isinstance(column.type, sa.Enum) and column.type.create_constraint:
                    expected.add(f"ck_{table.name}_{column.type.name}")
            found = {c["name"] for c in inspector.get_check_constraints(table.name)}
            assert found == expected, table.name
