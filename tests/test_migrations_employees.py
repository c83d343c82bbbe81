"""The migration that brings in the employees' verification: the employees already here whose
address is confirmed stay verified, logged; one who never confirmed theirs waits."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db

BEFORE = "e3a9c5b7d1f2"  # the revision before company_verified_at


def _insert_user(conn, email, role, company_id, confirmed_at):
    conn.execute(
        sa.text(
            "INSERT INTO user_account (email, full_name, password_hash, role, member_company_id,"
            " solidarity_rate, is_walk_in, locale, session_version, is_active_account,"
            " created_at, email_confirmed_at) VALUES (:email, 'X', 'x', :role, :company,"
            " 0, 0, 'fr', 1, 1, '2026-03-02 09:00:00.000000', :confirmed)"
        ),
        {"email": email, "role": role, "company": company_id, "confirmed": confirmed_at},
    )


def test_confirmed_employees_stay_verified_logged_and_the_others_wait(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'k.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with _db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO member_company (slug, name, headcount, is_subscriber,"
                    " yearly_fee_cents) VALUES ('ge', 'Grands Ensemble', 35, 1, 380000)"
                )
            )
            company_id = conn.execute(sa.text("SELECT id FROM member_company")).scalar_one()
            confirmed = "2026-03-02 09:00:00.000000"
            _insert_user(conn, "ancien@example.org", "employee", company_id, confirmed)
            _insert_user(conn, "jamais@example.org", "employee", company_id, None)
            _insert_user(conn, "habitante@example.org", "resident", None, confirmed)
        flask_migrate.upgrade()
        with _db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT email, company_verified_at FROM user_account"))
            verified = {email: at for email, at in rows}
            entries = conn.execute(
                sa.text("SELECT entity, entity_id, label, action, actor_id FROM audit_entry")
            ).all()
            [old_id] = conn.execute(
                sa.text("SELECT id FROM user_account WHERE email = 'ancien@example.org'")
            ).scalars()
            domains = conn.execute(sa.text("SELECT email_domains FROM member_company")).scalar()
        assert verified["ancien@example.org"] is not None
        assert verified["jamais@example.org"] is None
        assert verified["habitante@example.org"] is None
        assert entries == [("user", old_id, f"#{old_id}", "verify_kept", None)]
        assert domains == ""
        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("user_account")}
            company_columns = {c["name"] for c in sa.inspect(conn).get_columns("member_company")}
        assert "company_verified_at" not in columns and "email_domains" not in company_columns
        _db.engine.dispose()
