"""The migration that replaces pending_mail by the outbox keeps the mails waiting, both ways."""

from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.extensions import db as _db

BEFORE = "fdf1cfa00efc"  # the revision before the outbox
WRITTEN = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_mails_waiting_to_be_tried_again_move_to_the_outbox_and_back(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'o.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        pending = sa.table(
            "pending_mail",
            *(sa.column(name) for name in ("recipient", "subject", "body_text", "body_html")),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("attempts", sa.Integer),
            sa.column("next_attempt_at", sa.DateTime(timezone=True)),
            sa.column("last_error", sa.String),
        )
        with _db.engine.begin() as conn:
            conn.execute(
                pending.insert(),
                [
                    {
                        "recipient": f"{who}@example.org",
                        "subject": "Commande prête",
                        "body_text": "texte",
                        "body_html": None,
                        "created_at": WRITTEN,
                        "attempts": attempts,
                        # as the old code set it: the last failure plus 5 min, doubled each time
                        "next_attempt_at": WRITTEN + timedelta(minutes=5 * 2 ** (attempts - 1)),
                        "last_error": "ConnectionRefusedError: down",
                    }
                    for who, attempts in (("lea", 1), ("tom", 3))
                ],
            )
        flask_migrate.upgrade()
        from conciergerie.models import OutboxMail

        session = _db.session
        lea, tom = session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()
        assert (lea.recipient, lea.attempts, tom.recipient, tom.attempts) == (
            "lea@example.org", 1, "tom@example.org", 3
        )  # fmt: skip
        assert lea.failed_at == tom.failed_at == WRITTEN and "down" in tom.last_error
        assert lea.next_attempt_at == WRITTEN + timedelta(minutes=5)
        assert lea.message_id.endswith("@127.0.0.1>") and lea.message_id != tom.message_id
        session.remove()

        flask_migrate.downgrade(revision=BEFORE)
        with _db.engine.connect() as conn:
            back = conn.execute(
                sa.text("SELECT recipient, attempts FROM pending_mail ORDER BY id")
            ).all()
            assert [tuple(row) for row in back] == [("lea@example.org", 1), ("tom@example.org", 3)]
            assert "outbox_mail" not in sa.inspect(conn).get_table_names()
        _db.engine.dispose()
