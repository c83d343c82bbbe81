"""No page runs more queries when there is more data (no N+1): each page is loaded with some
data, then with ten times as much, and must run the same number of SQL statements."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from conciergerie.models import OrderStatus, Role
from conciergerie.orders import service as orders
from conciergerie.rounds import service as rounds
from tests.conftest import sign_in
from tests.factories import (
    NOW,
    SETTINGS,
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
    make_volunteer,
    open_provider,
)
from tests.rounds.test_service import DEPOT, THURSDAY


@contextmanager
def counting(db):
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engines[None].engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def queries(client, db, url: str) -> int:
    with counting(db) as statements:
        answer = client.get(url)
    assert answer.status_code == 200, url
    assert statements, "the counter saw no statement"
    return len(statements)


def grow_catalogue(session, n: int, category=None):
    for _ in range(n):
        provider = open_provider(
            make_provider(session, **({"category": category} if category else {}))
        )
        for _ in range(3):
            make_offer(session, provider=provider)


def test_the_catalogue_and_a_provider_page(client, db, session):
    cobbler = open_provider(make_provider(session, slug="cordonnerie"))
    make_offer(session, provider=cobbler)
    grow_catalogue(session, 2)
    before = (
        queries(client, db, "/catalogue/"),
        queries(client, db, "/catalogue/prestataires/cordonnerie"),
    )
    grow_catalogue(session, 20)
    for _ in range(20):
        make_offer(session, provider=cobbler)
    after = (
        queries(client, db, "/catalogue/"),
        queries(client, db, "/catalogue/prestataires/cordonnerie"),
    )
    assert after == before


# One customer holding more open orders than they may place (tests/orders/test_limits.py).
MANY_OPEN = replace(SETTINGS, max_open_desk_orders=1000)


def place(session, customer, n: int, start: int):
    pickup = make_slot(session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC), capacity=1000)
    for i in range(n):
        dropoff = make_slot(
            session,
            starts_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
            + timedelta(minutes=30 * (start + i)),
            capacity=1000,
        )
        make_order(session, customer=customer, dropoff=dropoff, pickup=pickup, settings=MANY_OPEN)


def test_my_orders_and_the_desk(client, db, session):
    customer = make_user(session)
    concierge = make_user(session, Role.CONCIERGE)
    place(session, customer, 2, 0)
    sign_in(client, customer)
    mine_before = queries(client, db, "/commandes/")
    sign_in(client, concierge)
    # The desk's day of the drop-offs, its rows showing each order's items, customer and money.
    desk_before = queries(client, db, "/comptoir/?day=2026-11-26")
    place(session, customer, 20, 2)
    place(session, make_user(session), 20, 22)
    desk_after = queries(client, db, "/comptoir/?day=2026-11-26")
    rows = client.get("/comptoir/?day=2026-11-26").get_data(as_text=True).count('class="code"')
    assert rows >= 30  # the orders of the day are shown
    sign_in(client, customer)
    assert (queries(client, db, "/commandes/"), desk_after) == (mine_before, desk_before)


def test_the_rounds_pages(client, db, session, monkeypatch):
    monkeypatch.setattr("conciergerie.rounds.views.utcnow", lambda: NOW)
    concierge = make_user(session, Role.CONCIERGE)
    volunteer = make_volunteer(session, transport="cargo_bike")

    def grow(n: int, start: int):
        for i in range(n):
            provider = open_provider(
                make_provider(session, latitude=50.62 + i / 1000, longitude=3.05 + start / 1000)
            )
            order = make_order(
                session,
                offer=make_offer(session, provider=provider, turnaround_days=1),
                dropoff=make_slot(
                    session,
                    starts_at=datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
                    + timedelta(minutes=30 * (start + i)),
                    capacity=1000,
                ),
                pickup=make_slot(
                    session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC), capacity=1000
                ),
            )
            orders.advance_order(session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=NOW)
        rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)

    day = "?day=2026-11-26"
    grow(2, 0)
    sign_in(client, volunteer)
    mine_before = queries(client, db, "/tournees/" + day)
    sign_in(client, concierge)
    plan_before = queries(client, db, "/tournees/plan" + day)
    grow(20, 2)
    assert sum(len(r.items) for r in rounds.rounds_of_day(session, THURSDAY)) >= 20
    plan_after = queries(client, db, "/tournees/plan" + day)
    sign_in(client, volunteer)
    assert (queries(client, db, "/tournees/" + day), plan_after) == (mine_before, plan_before)


def test_the_volunteers_availability_page(client, db, session, monkeypatch):
    from datetime import time

    from conciergerie.models import VolunteerAbsence
    from tests.volunteers.test_availability import a_round

    monkeypatch.setattr("conciergerie.rounds.views.utcnow", lambda: NOW)
    sign_in(client, make_user(session, Role.CONCIERGE))

    def grow(n: int):
        for i in range(n):
            volunteer = make_volunteer(session, ranges=[(d, time(9), time(12)) for d in range(6)])
            session.add(
                VolunteerAbsence(
                    volunteer_id=volunteer.id,
                    first_day=THURSDAY + timedelta(days=i % 5),
                    last_day=THURSDAY + timedelta(days=i % 5 + 1),
                )
            )
            for day in range(0, 10, 3):
                a_round(session, volunteer, THURSDAY + timedelta(days=day), 8, stops=2)

    grow(1)
    before = queries(client, db, "/volontaires/disponibilites")
    grow(8)
    assert queries(client, db, "/volontaires/disponibilites") == before
