"""The texts' migration: existing accounts get no texts until they ask; both ways."""

import flask_migrate
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db

BEFORE = "a4c81e3f2b90"  # the revision before the texts
TEXTS = "a4c7e2f91b36"


def test_accounts_keep_texts_off_and_the_tables_come_and_go(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 't.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with _db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO user_account (email, full_name, phone, password_hash, role, "
                    "solidarity_rate, is_walk_in, locale, session_version, is_active_account, "
                    "created_at) VALUES ('nadia@example.org', 'Nadia', '06 12 34 56 78', '!', "
                    "'resident', 0, 0, 'fr', 1, 1, '2026-11-25 09:00:00')"
                )
            )
        flask_migrate.upgrade(revision=TEXTS)
        with _db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT texts_opt_in FROM user_account")) in (0, False)
            tables = sa.inspect(conn).get_table_names()
            assert {"outbox_text", "text_opt_out"} <= set(tables)
            conn.execute(
                sa.text(
                    "INSERT INTO text_opt_out (phone, created_at) "
                    "VALUES ('+33612345678', '2026-11-25 09:00:00')"
                )
            )
            conn.commit()
        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert not {"outbox_text", "text_opt_out"} & set(inspector.get_table_names())
            columns = {c["name"] for c in inspector.get_columns("user_account")}
            assert "texts_opt_in" not in columns and "phone" in columns
        _db.engine.dispose()
