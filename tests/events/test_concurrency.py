"""No overfilling of an event under simultaneous registrations (PostgreSQL)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.models import Event, Registration, RegistrationStatus
from tests import factories
from tests.concurrency import at_once
from tests.conftest import empty_database, sign_in

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row-level locking under concurrency is a PostgreSQL matter; CI runs this on PostgreSQL",
)
PEOPLE, CAPACITY = 30, 4


@pytest.fixture
def contested_event(app):
    now = datetime.now(UTC)
    with app.app_context():
        with Session(_db.engine) as session:
            event = factories.make_event(
                session,
                starts_at=now + timedelta(days=3),
                ends_at=now + timedelta(days=3, hours=2),
                capacity=CAPACITY,
            )
            users = [factories.make_user(session) for _ in range(PEOPLE)]
            session.commit()
            ids = event.id, [u.id for u in users]
        yield ids
        with _db.engine.begin() as connection:
            empty_database(connection)


def _register_at_once(app, event_id: int, user_ids: list[int]) -> list[int]:
    """Each user (one signed-in browser tab each; an id may repeat) posts "register" at the
    same instant; returns the statuses answered."""
    from conciergerie.models import User

    tabs = []
    with app.app_context(), Session(_db.engine) as session:
        for user_id in user_ids:
            client = app.test_client()
            sign_in(client, session.get(User, user_id))
            page = client.get(f"/evenements/{event_id}").get_data(as_text=True)
            token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(
                1
            )
            tabs.append((client, token))

    def register(start, client, token):
        start()
        return client.post(
            f"/evenements/{event_id}/inscription", data={"csrf_token": token}
        ).status_code

    return at_once(register, tabs, timeout=60)


def test_simultaneous_registrations_never_overfill(app, contested_event):
    event_id, user_ids = contested_event
    answers = _register_at_once(app, event_id, user_ids)
    assert answers == [302] * PEOPLE
    with app.app_context(), Session(_db.engine) as session:
        counts = dict(
            session.execute(
                sa.select(Registration.status, sa.func.count())
                .where(Registration.event_id == event_id)
                .group_by(Registration.status)
            ).all()
        )
        assert counts == {
            RegistrationStatus.CONFIRMED: CAPACITY,
            RegistrationStatus.WAITING: PEOPLE - CAPACITY,
        }
        assert session.get(Event, event_id).registered == CAPACITY


def test_a_double_click_registers_once_and_takes_one_place(app, contested_event):
    """The same person's requests at once: one registers, the others are a conflict (the
    unique constraint, when they looked before the first committed), and one place is taken."""
    event_id, user_ids = contested_event
    tabs = 4
    answers = _register_at_once(app, event_id, [user_ids[0]] * tabs)
    assert sorted(answers) == [302] + [409] * (tabs - 1)
    with app.app_context(), Session(_db.engine) as session:
        registrations = session.scalars(
            sa.select(Registration).where(Registration.event_id == event_id)
        ).all()
        assert [r.user_id for r in registrations] == [user_ids[0]]
        assert session.get(Event, event_id).registered == 1
