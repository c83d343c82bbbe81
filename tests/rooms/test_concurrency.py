"""Never two confirmed bookings of one space at once, whatever arrives together (PostgreSQL).

Eight overlapping requests of one room are confirmed by the concierge from eight tabs at the
same instant: exactly one wins, the others are told the room is taken (409), never a 500. The
control run does the same without the guard (the exclusion constraint dropped, the service's
look skipped) and must double-book: it shows the test can see the failure it guards against."""

from __future__ import annotations

import functools
import os
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conciergerie.extensions import db as _db
from conciergerie.models import Booking, BookingStatus, Role, User
from conciergerie.rooms import service
from tests import factories
from tests.conftest import empty_database, sign_in

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="concurrent transactions are a PostgreSQL matter; CI runs this on PostgreSQL",
)
TABS = 8
CONSTRAINT = (
    "ALTER TABLE space_booking ADD CONSTRAINT space_booking_no_overlap EXCLUDE USING gist "
    "(space_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'confirmed')"
)


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
            empty_database(connection)


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
    barrier = threading.Barrier(len(tabs))
    answers = []

    def confirm(client, url, token):
        barrier.wait()
        answer = client.post(f"{url}/confirmer", data={"csrf_token": token, "kind": "public"})
        answers.append(answer.status_code)

    threads = [threading.Thread(target=confirm, args=tab) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _confirmed(app) -> int:
    with app.app_context(), Session(_db.engine) as session:
        return session.scalar(
            sa.select(sa.func.count()).where(Booking.status == BookingStatus.CONFIRMED)
        )


def test_simultaneous_confirmations_hold_the_room_once(app, overlapping_requests):
    concierge_id, booking_ids = overlapping_requests
    answers = _confirm_at_once(app, concierge_id, booking_ids)
    assert sorted(answers) == [302] + [409] * (TABS - 1)
    assert _confirmed(app) == 1


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
