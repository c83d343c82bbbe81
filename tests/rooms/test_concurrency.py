"""Never two confirmed bookings of one space at once, whatever arrives together (PostgreSQL;
the first test runs on SQLite too).

Eight overlapping requests of one room are confirmed by the concierge from eight tabs at the
same instant: exactly one wins, the others are told the room is taken (409), never a 500. The
control run does the same without the guard (the exclusion constraint dropped, the service's
look skipped) and must double-book: it shows the test can see the failure it guards against."""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.models import Booking, BookingStatus, Role, User
from conciergerie.rooms import service
from tests import factories
from tests.concurrency import at_once
from tests.conftest import empty_database, sign_in

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")
postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="concurrent transactions are a PostgreSQL matter; CI runs this on PostgreSQL",
)
TABS = 8
CONSTRAINT = (
    "ALTER TABLE space_booking ADD CONSTRAINT space_booking_no_overlap EXCLUDE USING gist "
    "(space_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'confirmed')"
)


def _empty(connection) -> None:
    if ON_POSTGRESQL:
        empty_database(connection)
    else:  # SQLite: what these tests wrote (no other test commits for real there)
        for table in ("outbox_mail", "space_booking", "room_quota", "space", "user_account"):
            connection.execute(sa.text(f"DELETE FROM {table}"))
        connection.execute(sa.text("DELETE FROM member_company"))


@pytest.fixture
def overlapping_requests(app):
    """TABS requests of one room, each overlapping the others, committed for real."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    with app.app_context():
        with Session(_db.engine) as session:
            space = factories.make_space(
                session, opens_at=datetime.min.time(), closes_at=datetime.max.time(),
                open_weekdays="0123456",
            )  # fmt: skip
            concierge = factories.make_user(session, Role.CONCIERGE)
            bookings = [
                factories.make_booking(
                    session,
                    space=space,
                    starts_at=start + timedelta(minutes=10 * n),
                    ends_at=start + timedelta(hours=2, minutes=10 * n),
                )
                for n in range(TABS)
            ]
            session.commit()
            ids = concierge.id, [b.id for b in bookings]
        yield ids
        with _db.engine.begin() as connection:
            _empty(connection)


def _confirm_at_once(app, concierge_id: int, booking_ids: list[int]) -> list[int]:
    tabs = []
    with app.app_context(), Session(_db.engine) as session:
        concierge = session.get(User, concierge_id)
        for booking_id in booking_ids:
            client = app.test_client()
            sign_in(client, concierge)
            url = f"/gestion/salles/reservations/{booking_id}"
            page = client.get(url).get_data(as_text=True)
            token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
            tabs.append((client, url, token.group(1)))

    def confirm(start, client, url, token):
        start()
        answer = client.post(f"{url}/confirmer", data={"csrf_token": token, "kind": "public"})
        return answer.status_code

    return at_once(confirm, tabs, timeout=60)


def _confirmed(app) -> int:
    with app.app_context(), Session(_db.engine) as session:
        return session.scalar(
            sa.select(sa.func.count()).where(Booking.status == BookingStatus.CONFIRMED)
        )


def test_simultaneous_confirmations_hold_the_room_once(app, overlapping_requests):
    """On PostgreSQL the exclusion constraint; on SQLite the confirmations take turns (BEGIN
    IMMEDIATE) and the trigger stands behind the look."""
    concierge_id, booking_ids = overlapping_requests
    answers = _confirm_at_once(app, concierge_id, booking_ids)
    assert sorted(answers) == [302] + [409] * (TABS - 1)
    assert _confirmed(app) == 1


@postgresql_only
def test_without_the_guard_the_same_confirmations_double_book(
    app, overlapping_requests, monkeypatch
):
    """The control run: no constraint, no look first. It must double-book."""
    concierge_id, booking_ids = overlapping_requests
    with app.app_context(), _db.engine.begin() as connection:
        connection.execute(
            sa.text("ALTER TABLE space_booking DROP CONSTRAINT space_booking_no_overlap")
        )
    monkeypatch.setattr(
        service, "confirm_booking", functools.partial(service.confirm_booking, check_overlap=False)
    )
    try:
        answers = _confirm_at_once(app, concierge_id, booking_ids)
        assert answers == [302] * TABS
        assert _confirmed(app) == TABS  # every overlapping booking held: the failure is visible
    finally:
        with app.app_context(), _db.engine.begin() as connection:
            empty_database(connection)
            connection.execute(sa.text(CONSTRAINT))


@pytest.fixture
def company_with_six_hours(app):  # PostgreSQL only (empty_database)
    """A room open round the clock, a member company with six hours a month, TABS employees."""
    with app.app_context():
        with Session(_db.engine) as session:
            space = factories.make_space(
                session, opens_at=datetime.min.time(), closes_at=datetime.max.time(),
                open_weekdays="0123456",
            )  # fmt: skip
            company = factories.make_member_company(session)
            service.set_quota(session, company, 6)
            employees = [
                factories.make_user(session, Role.EMPLOYEE, member_company=company)
                for _ in range(TABS)
            ]
            session.commit()
            ids = space.id, [e.id for e in employees]
        yield ids
        with _db.engine.begin() as connection:
            empty_database(connection)


def _request_at_once(app, space_id: int, user_ids: list[int], days: list[int]) -> list[int]:
    """Each employee asks for two hours of the room, on the day `days` says, at one instant."""
    start = datetime.now(UTC) + timedelta(days=7)
    tabs = []
    with app.app_context(), Session(_db.engine) as session:
        for user_id, day in zip(user_ids, days, strict=True):
            client = app.test_client()
            sign_in(client, session.get(User, user_id))
            page = client.get(f"/salles/{space_id}").get_data(as_text=True)
            token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
            form = {
                "csrf_token": token.group(1),
                "day": (start + timedelta(days=day)).date().isoformat(),
                "starts_at": "10:00",
                "ends_at": "12:00",
                "purpose": "Réunion",
                "attendees": "4",
            }
            tabs.append((client, form))

    def ask(start, client, form):
        start()
        return client.post(f"/salles/{space_id}/reserver", data=form).status_code

    return at_once(ask, tabs, timeout=60)


@postgresql_only
def test_simultaneous_requests_within_a_quota_confirm_one_and_take_its_hours_once(
    app, company_with_six_hours
):
    """Same hours: one is held, the others are told the room was just taken. Then other days
    (no overlap): the four hours left go to two requests; the others wait for the concierge."""
    space_id, user_ids = company_with_six_hours
    same = _request_at_once(app, space_id, user_ids[:4], [0, 0, 0, 0])
    assert sorted(same) == [302] + [409] * 3
    spread = _request_at_once(app, space_id, user_ids[4:], [1, 2, 3, 4])
    assert spread == [302] * 4
    with app.app_context(), Session(_db.engine) as session:
        rows = session.execute(
            sa.select(Booking.status, Booking.included_minutes).order_by(Booking.starts_at)
        ).all()
    statuses = [r.status for r in rows]
    assert statuses.count(BookingStatus.CONFIRMED) == 3  # 2 h each: the six hours, once
    assert statuses.count(BookingStatus.REQUESTED) == 2  # beyond them: for the concierge
    assert sum(r.included_minutes for r in rows) == 360
