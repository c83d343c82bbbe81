"""Two concierges deactivating each other at once: one of them stays (PostgreSQL)."""

from __future__ import annotations

import os
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.manage import users
from conciergerie.manage.service import ManageError
from conciergerie.models import Role, User
from tests import factories
from tests.conftest import empty_database
from tests.factories import NOW

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks are a PostgreSQL matter; CI runs this on PostgreSQL",
)


def _deactivate(session: Session, user_id: int, actor_id: int) -> None:
    user, actor = session.get(User, user_id), session.get(User, actor_id)
    users.update_user(
        session, user, role=Role.CONCIERGE, member_company=None, provider=None,
        solidarity_rate=False, is_active=False, actor=actor, now=NOW,
    )  # fmt: skip


@pytest.fixture
def two_concierges(app):
    with app.app_context(), Session(_db.engine) as session:
        first = factories.make_user(session, Role.CONCIERGE)
        second = factories.make_user(session, Role.CONCIERGE)
        session.commit()
        ids = first.id, second.id
    yield ids
    with app.app_context(), _db.engine.begin() as connection:
        empty_database(connection)


def test_two_concierges_cannot_deactivate_each_other_at_once(app, two_concierges):
    first_id, second_id = two_concierges
    outcome = []

    def second_deactivates_first():
        with app.app_context(), Session(_db.engine) as session:
            try:
                _deactivate(session, first_id, second_id)
                session.commit()
                outcome.append("done")
            except ManageError as error:
                session.rollback()
                outcome.append(str(error))

    with app.app_context(), Session(_db.engine) as session:
        _deactivate(session, second_id, first_id)  # flushed, not committed yet
        thread = threading.Thread(target=second_deactivates_first)
        thread.start()
        time.sleep(1)  # the other request runs meanwhile, and must wait for this one
        session.commit()
    thread.join(timeout=30)

    assert len(outcome) == 1 and "dernière personne concierge" in outcome[0]
    with app.app_context(), Session(_db.engine) as session:
        active = session.scalar(
            sa.select(sa.func.count()).where(
                User.role == Role.CONCIERGE, User.is_active_account.is_(True)
            )
        )
        assert active == 1
