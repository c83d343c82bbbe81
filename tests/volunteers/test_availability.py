"""The concierge's two weeks of everyone's availability, absences and planned rounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from conciergerie.models import PickupRound, Role, RoundStop, VolunteerAbsence
from conciergerie.volunteers import service
from tests.conftest import sign_in
from tests.factories import NOW, make_provider, make_user, make_volunteer, open_provider

WEDNESDAY = date(2026, 11, 25)  # NOW's day in Paris
THURSDAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def wednesday(monkeypatch):
    monkeypatch.setattr("conciergerie.rounds.views.utcnow", lambda: NOW)


def a_round(session, volunteer, day, hour_utc, stops=0):
    round_ = PickupRound(
        day=day,
        volunteer=volunteer,
        starts_at=datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC),
        ends_at=datetime(day.year, day.month, day.day, hour_utc + 1, tzinfo=UTC),
    )
    for position in range(stops):
        provider = open_provider(make_provider(session))
        round_.stops.append(
            RoundStop(
                provider=provider,
                position=position,
                arrive_at=round_.starts_at,
                leave_at=round_.starts_at,
            )
        )
    session.add(round_)
    session.flush()
    return round_


def test_each_volunteer_each_day_has_their_ranges_absence_and_rounds(session):
    lea = make_volunteer(session, full_name="Léa", ranges=[(3, time(9, 30), time(12))])
    samira = make_volunteer(session, full_name="Samira", ranges=[(5, time(9), time(12))])
    make_volunteer(session, full_name="Zoé", is_active_account=False)  # gone: not shown
    session.add(
        VolunteerAbsence(
            volunteer_id=samira.id, first_day=date(2026, 11, 20), last_day=THURSDAY, reason="Exam"
        )
    )
    a_round(session, lea, THURSDAY, 8, stops=3)
    a_round(session, lea, date(2026, 12, 9), 8)  # the 15th day: outside
    overview = service.availability_overview(session, WEDNESDAY)
    assert overview.days[0] == WEDNESDAY and overview.days[-1] == date(2026, 12, 8)
    assert [v.full_name for v in overview.volunteers] == ["Léa", "Samira"]
    thursday = overview.cell(lea, THURSDAY)
    assert thursday.ranges == [(time(9, 30), time(12))] and thursday.absence is None
    [planned] = thursday.rounds
    assert planned.stops == 3 and planned.starts_at == datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert overview.cell(samira, WEDNESDAY).absence.reason == "Exam"
    assert overview.cell(samira, THURSDAY).absence is not None
    assert overview.cell(samira, date(2026, 11, 27)).absence is None
    assert overview.cell(samira, date(2026, 11, 28)).ranges == [(time(9), time(12))]
    assert all(not overview.cell(lea, day).rounds for day in overview.days if day != THURSDAY)


def test_the_page_shows_the_table_to_the_concierge(client, session):
    lea = make_volunteer(session, full_name="Léa Dufour", ranges=[(3, time(9, 30), time(12))])
    samira = make_volunteer(session, full_name="Samira Haddad", ranges=[(3, time(14), time(18))])
    session.add(
        VolunteerAbsence(
            volunteer_id=samira.id, first_day=THURSDAY, last_day=THURSDAY, reason="Exam"
        )
    )
    a_round(session, lea, THURSDAY, 8, stops=2)
    sign_in(client, make_user(session, Role.CONCIERGE))
    answer = client.get("/volontaires/disponibilites")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "<caption" in page and 'scope="col">Léa Dufour</th>' in page
    assert 'role="region"' in page and 'tabindex="0"' in page
    assert page.count('<th scope="row">') == 14
    assert "mercredi 25 novembre" in page and "mardi 8 décembre" in page
    assert "09:30–12:00" in page and "Tournée 09:00–10:00 · 2 étapes" in page
    assert "Absent·e" in page and "Exam" in page and "habituellement 14:00–18:00" in page
    later = client.get("/volontaires/disponibilites?day=2026-12-09").get_data(as_text=True)
    assert "mercredi 9 décembre" in later and "Tournée 09:00" not in later
    assert client.get("/volontaires/disponibilites?day=2026-13-01").status_code == 400
    plan = client.get("/tournees/plan?day=2026-11-26").get_data(as_text=True)
    assert 'href="/volontaires/disponibilites?day=2026-11-26"' in plan


def test_a_volunteer_cannot_see_everyones_availability(client, session):
    sign_in(client, make_volunteer(session))
    assert client.get("/volontaires/disponibilites").status_code == 403
