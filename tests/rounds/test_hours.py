"""The volunteers' hours (the civic-service log), its page and CSV, and the rounds' feed."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from conciergerie.models import EventStatus, PickupRound, Role, RoundAction, RoundItem, RoundStop
from conciergerie.rounds import hours
from conciergerie.volunteers import views as pages
from tests.conftest import sign_in
from tests.factories import (
    NOW,
    make_event,
    make_offer,
    make_order,
    make_provider,
    make_slot,
    make_user,
    make_volunteer,
)

MONDAY = date(2026, 11, 23)  # the week of NOW (Wednesday 25 November 2026)


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def make_round(session, volunteer, starts_at, ends_at, *, distance_m=1000, providers=(), done=True):
    """A round; `done`: the volunteer tapped an item on it (only such rounds happened)."""
    if done and not providers:
        providers = [make_provider(session)]
    round_ = PickupRound(
        day=starts_at.date(),  # all the test times are in the day in Paris too
        volunteer_id=volunteer.id,
        starts_at=starts_at,
        ends_at=ends_at,
        distance_m=distance_m,
    )
    for position, provider in enumerate(providers):
        arrive = starts_at + timedelta(minutes=10 * (position + 1))
        round_.stops.append(
            RoundStop(
                provider_id=provider.id,
                position=position,
                arrive_at=arrive,
                leave_at=arrive + timedelta(minutes=5),
            )
        )
    if done:
        big = {"capacity": 1000}  # many orders in one slot: this is about hours, not slots
        line = make_order(
            session,
            offer=make_offer(session, provider=providers[0]),
            dropoff=make_slot(session, starts_at=utc(26, 6), **big),
            pickup=make_slot(session, starts_at=utc(2, 17, month=12), **big),
        ).lines[0]
        round_.stops[0].items.append(
            RoundItem(
                order_line_id=line.id,
                action=RoundAction.DROP,
                done_at=round_.stops[0].arrive_at,
                done_by_id=volunteer.id,
            )
        )
    session.add(round_)
    session.flush()
    return round_


@pytest.fixture
def now(monkeypatch):
    """The pages' clock, stopped at the factories' NOW."""
    monkeypatch.setattr(pages, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def week(session):
    """Awa's week: two rounds, one event, one cancelled event; and what must not count."""
    awa = make_volunteer(session, full_name="Awa Diallo")
    other = make_volunteer(session, full_name="Bastien Leroy")
    cobbler = make_provider(session, name="Cordonnerie Gambetta", address="12 rue Gambetta")
    tailor = make_provider(session, name="Retouches Wazemmes", address="3 place de la Nouvelle")
    rounds = [
        # Monday 9:30–11:00 in Paris: 90 minutes, 3.2 km.
        make_round(session, awa, utc(23, 8, 30), utc(23, 10), distance_m=3200, providers=[cobbler]),
        # Today (Wednesday) 9:00–9:45: 45 minutes, over by NOW (10:30).
        make_round(
            session, awa, utc(25, 8), utc(25, 8, 45), distance_m=1800, providers=[cobbler, tailor]
        ),
    ]
    # Today 11:00–12:00: not over yet, not counted.
    make_round(session, awa, utc(25, 10), utc(25, 11), distance_m=999)
    # Tuesday: planned, but nobody tapped anything: it did not happen.
    make_round(session, awa, utc(24, 8), utc(24, 9), distance_m=999, done=False)
    # Friday: planned, not done yet.
    make_round(session, awa, utc(27, 8), utc(27, 9), distance_m=999)
    # The Sunday before: another week.
    make_round(session, awa, utc(22, 8), utc(22, 9), distance_m=999)
    # Someone else's round.
    make_round(session, other, utc(24, 8), utc(24, 10), distance_m=5000)
    # Tuesday 18:00–20:00: a repair café, two hours.
    make_event(session, organiser=awa, title="Café réparation", starts_at=utc(24, 17))
    # Monday evening: cancelled, not counted.
    make_event(
        session,
        organiser=awa,
        title="Atelier annulé",
        starts_at=utc(23, 17),
        status=EventStatus.CANCELLED,
    )
    # Next week: not in the period.
    make_event(session, organiser=awa, title="Plus tard", starts_at=utc(1, 17, month=12))
    return awa, other, rounds


# The sums ---------------------------------------------------------------------------------------


def test_periods_are_iso_weeks_and_calendar_months():
    week = hours.Period.containing("week", date(2026, 11, 25))
    assert (week.first, week.last, len(week.days)) == (MONDAY, date(2026, 11, 29), 7)
    assert week.previous.first == date(2026, 11, 16) and week.next.first == date(2026, 11, 30)
    # Midnight in Paris (UTC+1 in winter).
    assert week.starts_at == utc(22, 23) and week.ends_at == utc(29, 23)
    month = hours.Period.containing(hours.PeriodKind.MONTH, date(2026, 2, 14))
    assert (month.first, month.last) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month.next.first == date(2026, 3, 1) and month.previous.first == date(2026, 1, 1)
    # The week of the switch to winter time starts at 22:00 UTC on the Sunday before.
    autumn = hours.Period.containing("week", date(2026, 10, 25))
    assert autumn.starts_at == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)
    assert autumn.ends_at == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)


def test_a_week_of_rounds_and_events(session, week):
    awa, other, _rounds = week
    log = hours.volunteer_hours(session, awa, hours.Period.containing("week", MONDAY), now=NOW)
    assert [
        (row.day, row.rounds, row.round_minutes, row.distance_m, row.event_minutes)
        for row in log.days
    ] == [
        (date(2026, 11, 23), 1, 90, 3200, 0),
        (date(2026, 11, 24), 0, 0, 0, 120),
        (date(2026, 11, 25), 1, 45, 1800, 0),
    ]
    assert log.days[1].event_titles == ["Café réparation"]
    totals = log.totals
    assert (totals.rounds, totals.round_minutes, totals.distance_m) == (2, 135, 5000)
    assert (totals.events, totals.event_minutes, totals.total_minutes) == (1, 120, 255)
    assert all(isinstance(value, int) for value in vars(totals).values())


def test_later_the_rest_of_the_week_counts_too(session, week):
    awa, _other, _rounds = week
    period = hours.Period.containing("week", MONDAY)
    log = hours.volunteer_hours(session, awa, period, now=utc(30, 9))
    # Today's 11:00 round and Friday's are over by then: 90 + 45 + 60 + 60.
    assert (log.totals.rounds, log.totals.round_minutes) == (4, 255)
    # A future period has nothing yet.
    assert hours.volunteer_hours(session, awa, period.next, now=NOW).days == []


def test_a_month(session, week):
    awa, _other, _rounds = week
    make_round(session, awa, utc(2, 8), utc(2, 10, 30), distance_m=700)  # Monday 2 November
    make_round(session, awa, utc(30, 8, month=10), utc(30, 9, month=10))  # October: not counted
    period = hours.Period.containing("month", date(2026, 11, 25))
    log = hours.volunteer_hours(session, awa, period, now=NOW)
    # 2 Nov (150) + 22 Nov (60) + 23 Nov (90) + 25 Nov (45); 27 Nov is still to come.
    assert [row.day.day for row in log.days] == [2, 22, 23, 24, 25]
    assert (log.totals.rounds, log.totals.round_minutes) == (4, 345)
    assert (log.totals.distance_m, log.totals.event_minutes) == (700 + 999 + 3200 + 1800, 120)


def test_every_volunteer_and_former_ones_with_hours(session, week):
    awa, other, _rounds = week
    gone = make_volunteer(session, full_name="Zoé Partie", is_active_account=False)
    idle_gone = make_volunteer(session, full_name="Yann Ancien", is_active_account=False)
    make_round(session, gone, utc(24, 8), utc(24, 8, 30))
    period = hours.Period.containing("week", MONDAY)
    logs = hours.hours_of_volunteers(session, period, now=NOW)
    names = [log.volunteer.full_name for log in logs]
    assert names[:2] == ["Awa Diallo", "Bastien Leroy"] and "Zoé Partie" in names
    assert "Yann Ancien" not in names and idle_gone.id not in [log.volunteer.id for log in logs]
    assert next(log for log in logs if log.volunteer.id == other.id).totals.round_minutes == 120


# The page ---------------------------------------------------------------------------------------


def test_a_volunteer_sees_their_own_week(client, week, now):
    awa, other, _rounds = week
    sign_in(client, awa)
    response = client.get("/volontaires/heures")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Semaine du 23 novembre au 29 novembre 2026" in html
    assert "Awa Diallo" in html and "Bastien Leroy" not in html
    assert "Café réparation" in html and "Atelier annulé" not in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "4 h 15" in html  # 255 minutes
    assert "Ajouter mes tournées à mon agenda" in html
    assert pages.feed_token(awa) in html
    assert 'aria-current="page">Mes heures<' in html
    # Asking for their own log by id is fine; for someone else's, refused.
    assert client.get(f"/volontaires/heures?volunteer={awa.id}").status_code == 200
    assert client.get(f"/volontaires/heures?volunteer={other.id}").status_code == 403
    assert client.get(f"/volontaires/heures.csv?volunteer={other.id}").status_code == 403


def test_the_concierge_sees_every_volunteer_or_one(client, login_as, session, week, now):
    awa, other, _rounds = week
    login_as(Role.CONCIERGE)
    html = client.get("/volontaires/heures?start=2026-11-23").get_data(as_text=True)
    assert "Heures des volontaires" in html
    assert "Awa Diallo" in html and "Bastien Leroy" in html
    assert "Ajouter mes tournées à mon agenda" not in html  # the feed link is the volunteer's
    html = client.get(f"/volontaires/heures?volunteer={other.id}").get_data(as_text=True)
    assert "<h1>Heures : Bastien Leroy</h1>" in html and "Café réparation" not in html
    month = client.get("/volontaires/heures?period=month&start=2026-11-02")
    assert month.status_code == 200 and "Novembre 2026" in month.get_data(as_text=True)
    resident = make_user(session, Role.RESIDENT)
    assert client.get(f"/volontaires/heures?volunteer={resident.id}").status_code == 404
    assert client.get("/volontaires/heures?volunteer=999999").status_code == 404


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.PROVIDER])
def test_other_roles_are_refused(client, login_as, role):
    login_as(role)
    assert client.get("/volontaires/heures").status_code == 403
    assert client.get("/volontaires/heures.csv").status_code == 403


def test_anonymous_visitors_are_asked_to_sign_in(client):
    for url in ("/volontaires/heures", "/volontaires/heures.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/compte/connexion")


@pytest.mark.parametrize(
    "query",
    [
        "period=year",
        "period=week&start=2026-13-01",
        "start=25/11/2026",
        "start=20261125",
        "start=2026-W48-3",
        "start=0001-01-01",
        "start=9999-12-31",
        "volunteer=abc",
        "volunteer=0",
        "volunteer=-3",
        "volunteer=99999999999",
        "volunteer=1.5",
    ],
)
def test_malformed_parameters_are_a_400_with_a_reason(client, login_as, query):
    login_as(Role.CONCIERGE)
    for url in ("/volontaires/heures", "/volontaires/heures.csv"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert "invalide" in response.get_data(as_text=True) or "2000" in response.get_data(
            as_text=True
        )


# The CSV ----------------------------------------------------------------------------------------


def test_the_csv_of_the_week(client, login_as, session, week, now):
    awa, other, _rounds = week
    trap = make_volunteer(session, full_name='=HYPERLINK("http://evil.example","clic")')
    make_round(session, trap, utc(24, 8), utc(24, 9))
    make_event(session, organiser=trap, title="+SUM(A1:A9)", starts_at=utc(23, 13))
    login_as(Role.CONCIERGE)
    response = client.get("/volontaires/heures.csv?period=week&start=2026-11-25")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="heures-semaine-2026-11-23.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:3] == ["volontaire", "date", "tournées"]
    awa_rows = [row for row in rows if row[0] == "Awa Diallo"]
    assert awa_rows == [
        ["Awa Diallo", "2026-11-23", "1", "90", "3200", "0", "0", "90", ""],
        ["Awa Diallo", "2026-11-24", "0", "0", "0", "1", "120", "120", "Café réparation"],
        ["Awa Diallo", "2026-11-25", "1", "45", "1800", "0", "0", "45", ""],
    ]
    assert [row[:4] for row in rows if row[0] == "Bastien Leroy"] == [
        ["Bastien Leroy", "2026-11-24", "1", "120"]
    ]
    # Formulas are quoted: a spreadsheet shows them as text.
    trapped = [row for row in rows if "HYPERLINK" in row[0]]
    assert trapped and all(row[0].startswith("'=HYPERLINK") for row in trapped)
    assert any(row[-1] == "'+SUM(A1:A9)" for row in trapped)


def test_a_volunteer_s_csv_has_only_their_rows(client, week, now):
    awa, _other, _rounds = week
    sign_in(client, awa)
    response = client.get("/volontaires/heures.csv?period=month&start=2026-11-01")
    assert 'filename="heures-mois-2026-11.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:]), delimiter=";"))
    assert {row[0] for row in rows[1:]} == {"Awa Diallo"}
    assert len(rows) == 1 + 4  # 22, 23, 24 and 25 November


# The calendar feed ------------------------------------------------------------------------------


def test_the_feed_has_one_event_per_round(client, app, week, now):
    awa, _other, rounds = week
    with app.test_request_context():
        url = pages.feed_url(awa)
    assert url.startswith(app.config["PUBLIC_URL"]) and url.endswith(".ics")
    path = url[len(app.config["PUBLIC_URL"]) :]
    assert path.startswith("/volontaires/agenda/")
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    # 22, 23, 24, 25 (two) and 27 November for Awa (the last 30 days and the next 60; planned
    # rounds too, whether they happened or not).
    assert len(events) == 6
    assert len({str(event["uid"]) for event in events}) == 6
    by_uid = {str(event["uid"]): event for event in events}
    monday, wednesday = rounds
    first = by_uid[f"round-{monday.id}@etvoila-gambetta"]
    assert first.decoded("dtstart") == utc(23, 8, 30)
    assert first.decoded("dtend") == utc(23, 10)
    assert str(first["summary"]) == "Tournée : 1 étape"
    assert str(first["location"]) == app.config["DESK_ADDRESS"]
    second = by_uid[f"round-{wednesday.id}@etvoila-gambetta"]
    assert str(second["summary"]) == "Tournée : 2 étapes"
    description = str(second["description"])
    assert "Cordonnerie Gambetta — 12 rue Gambetta" in description
    assert "Retouches Wazemmes — 3 place de la Nouvelle" in description
    assert "09:10" in description  # arrival at the first stop, Paris time
    assert b"DTSTART:20261125T080000Z" in response.data  # UTC
    # The same address tomorrow gives the same uids: calendars update, never duplicate.
    assert {str(e["uid"]) for e in Calendar.from_ical(client.get(path).data).walk("VEVENT")} == set(
        by_uid
    )


def test_the_feed_leaves_out_old_and_far_rounds(client, session, week, now):
    awa, _other, _rounds = week
    make_round(session, awa, utc(20, 8, month=10), utc(20, 9, month=10))  # 36 days ago
    make_round(session, awa, utc(26, 8, month=10), utc(26, 9, month=10))  # 30 days ago
    make_round(
        session, awa, datetime(2027, 1, 23, 8, tzinfo=UTC), datetime(2027, 1, 23, 9, tzinfo=UTC)
    )  # 59
    make_round(
        session, awa, datetime(2027, 1, 26, 8, tzinfo=UTC), datetime(2027, 1, 26, 9, tzinfo=UTC)
    )  # 62
    response = client.get(f"/volontaires/agenda/{pages.feed_token(awa)}.ics")
    starts = sorted(
        e.decoded("dtstart").date() for e in Calendar.from_ical(response.data).walk("VEVENT")
    )
    assert starts[0] == date(2026, 10, 26) and starts[-1] == date(2027, 1, 23)
    assert len(starts) == 8


def test_a_new_password_revokes_the_feed_a_sign_out_does_not(client, session, week, now):
    from conciergerie.accounts.passwords import hash_password

    awa, _other, _rounds = week
    path = f"/volontaires/agenda/{pages.feed_token(awa)}.ics"
    assert client.get(path).status_code == 200
    awa.session_version += 1  # signed out everywhere
    session.flush()
    assert client.get(path).status_code == 200
    awa.password_hash = hash_password("un tout autre mot de passe 2026")
    session.flush()
    assert client.get(path).status_code == 404
    assert client.get(f"/volontaires/agenda/{pages.feed_token(awa)}.ics").status_code == 200


def test_a_deactivated_or_non_volunteer_account_has_no_feed(client, session, week, now):
    awa, _other, _rounds = week
    resident = make_user(session, Role.RESIDENT)
    assert client.get(f"/volontaires/agenda/{pages.feed_token(resident)}.ics").status_code == 404
    path = f"/volontaires/agenda/{pages.feed_token(awa)}.ics"
    awa.is_active_account = False
    session.flush()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "WzEsMV0.not-a-signature",
        "eyJhIjoxfQ",
        "a.b.c",
        "..",
    ],
)
def test_a_garbage_token_is_a_404(client, token):
    assert client.get(f"/volontaires/agenda/{token}.ics").status_code == 404


def test_a_token_signed_for_something_else_is_a_404(client, app, session, week):
    from itsdangerous import URLSafeSerializer

    awa, _other, _rounds = week
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="password-reset")
    forged = other_salt.dumps([awa.id, pages._password_digest(awa)])
    assert client.get(f"/volontaires/agenda/{forged}.ics").status_code == 404
    right_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="rounds-feed")
    for payload in ({"user": awa.id}, [awa.id], ["1", 1], [True, 1], [2**40, 1]):
        token = right_salt.dumps(payload)
        assert client.get(f"/volontaires/agenda/{token}.ics").status_code == 404, payload
