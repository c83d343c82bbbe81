"""The accounts made before address confirmation existed stay able to sign in."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db

BEFORE = "a43083120a94"  # the revision before email_confirmed_at


def test_accounts_from_before_are_confirmed_on_the_day_they_were_made(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'c.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with _db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO user_account (email, full_name, password_hash, role,"
                    " solidarity_rate, is_walk_in, locale, session_version, is_active_account,"
                    " created_at) VALUES ('ancien@example.org', 'Ancien', 'x', 'resident',"
                    " 0, 0, 'fr', 1, 1, '2026-03-02 09:00:00.000000')"
                )
            )
        flask_migrate.upgrade()
        with _db.engine.connect() as conn:
            confirmed = conn.execute(
                sa.text("SELECT email_confirmed_at FROM user_account")
            ).scalar_one()
        assert str(confirmed).startswith("2026-03-02 09:00:00")
        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("user_account")}
        assert "email_confirmed_at" not in columns
        _db.engine.dispose()
