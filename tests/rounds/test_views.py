"""The volunteer's rounds on a phone, their availability, and the concierge's plan."""

from __future__ import annotations

import html
import json
import re
from datetime import time

import pytest
import sqlalchemy as sa

from conciergerie.models import (
    DayPlan,
    OrderStatus,
    PickupRound,
    Role,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerProfile,
)
from conciergerie.orders import service as orders
from conciergerie.rounds import service as rounds
from conciergerie.security import tile_origin
from tests.conftest import sign_in, submit
from tests.factories import (
    NOW,
    make_offer,
    make_order,
    make_provider,
    make_user,
    make_volunteer,
    open_provider,
)
from tests.rounds.test_service import DEPOT, ON_THE_DAY, THURSDAY

MINE = "/tournees/?day=2026-11-26"


@pytest.fixture(autouse=True)
def wednesday(monkeypatch):
    """The screens think it is Wednesday 25 November (the plan of Thursday is ahead)."""
    monkeypatch.setattr("conciergerie.rounds.views.utcnow", lambda: NOW)


@pytest.fixture
def thursday(monkeypatch):
    """The volunteer's taps: on the round's own day (nobody records one on another day)."""
    monkeypatch.setattr("conciergerie.rounds.views.utcnow", lambda: ON_THE_DAY)


@pytest.fixture
def planned(session):
    """A volunteer with one round on Thursday: one order dropped at the desk, to the cobbler."""
    volunteer = make_volunteer(session, full_name="Léa Dufour")
    cobbler = open_provider(make_provider(session, name="Cordonnerie Gambetta"))
    order = make_order(session, offer=make_offer(session, provider=cobbler, turnaround_days=1))
    orders.advance_order(
        session, order, OrderStatus.DROPPED_OFF, actor=make_user(session, Role.CONCIERGE), now=NOW
    )
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    return volunteer, order, round_


def test_the_volunteer_sees_the_stop_its_opening_hours_and_a_map_link(client, planned, thursday):
    volunteer, order, round_ = planned
    sign_in(client, volunteer)
    page = client.get(MINE).get_data(as_text=True)
    assert "Cordonnerie Gambetta" in page and order.code in page
    assert "09:00–12:30" in page and 'href="geo:' in page
    assert f'action="/tournees/elements/{round_.items[0].id}"' in page
    assert "js/rounds.js" in page


def test_a_tap_from_the_page_moves_the_order_and_a_retry_is_a_no_op(
    client, session, planned, thursday
):
    volunteer, order, round_ = planned
    sign_in(client, volunteer)
    url = f"/tournees/elements/{round_.items[0].id}"
    first = submit(client, url, {"action": "drop"}, form_url=MINE)
    assert first.status_code == 302 and first.location.endswith(f"#element-{round_.items[0].id}")
    session.expire_all()
    assert order.status is OrderStatus.AT_PROVIDER
    again = submit(
        client, url, {"action": "drop"}, form_url=MINE, headers={"Accept": "application/json"}
    )
    assert again.status_code == 200 and again.json["repeated"] is True and again.json["done"]
    session.expire_all()
    assert [e.to_status for e in order.events].count(OrderStatus.AT_PROVIDER) == 1


def test_a_stale_action_or_someone_elses_round_is_refused(client, session, planned):
    volunteer, order, round_ = planned
    url = f"/tournees/elements/{round_.items[0].id}"
    sign_in(client, volunteer)
    wrong = submit(
        client, url, {"action": "collect"}, form_url=MINE, headers={"Accept": "application/json"}
    )
    assert wrong.status_code == 409 and "rechargez" in wrong.json["message"]
    sign_in(client, make_volunteer(session))
    other = submit(client, url, {"action": "drop"}, form_url="/tournees/")
    assert other.status_code == 403
    assert order.status is OrderStatus.DROPPED_OFF
    no_token = client.post(url, data={"action": "drop"})
    assert no_token.status_code == 400


def test_a_tap_the_order_is_not_ready_for_is_refused_and_nothing_is_saved(
    client, session, planned, thursday
):
    volunteer, order, round_ = planned
    order.status = OrderStatus.CONFIRMED  # the page said dropped off at the desk; it is not
    session.flush()
    item = round_.items[0]
    sign_in(client, volunteer)
    url = f"/tournees/elements/{item.id}"
    tap = submit(
        client, url, {"action": "drop"}, form_url=MINE, headers={"Accept": "application/json"}
    )
    assert tap.status_code == 409  # the phone's script drops it and shows why
    assert tap.json == {"message": f"{order.code} n'a pas été déposée au comptoir."}
    assert "déposée au comptoir" not in client.get(MINE).get_data(as_text=True)  # not flashed
    form = submit(client, url, {"action": "drop"}, form_url=MINE)
    assert form.status_code == 409  # without JavaScript: the round's page, with why
    page = form.get_data(as_text=True)
    assert "pas été déposée au comptoir" in page and "Mes tournées" in page
    session.expire_all()
    assert item.done_at is None and order.lines[0].at_provider_at is None


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.PROVIDER])
def test_customers_and_providers_have_no_rounds(client, login_as, role):
    login_as(role)
    assert client.get("/tournees/").status_code == 403
    assert client.get("/tournees/disponibilites").status_code == 403
    assert client.get("/tournees/plan").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/tournees/").status_code == 302


def test_a_malformed_day_is_a_400_with_a_reason(client, login_as):
    login_as(Role.VOLUNTEER)
    answer = client.get("/tournees/?day=26-11-2026")
    assert answer.status_code == 400 and "AAAA-MM-JJ" in answer.get_data(as_text=True)


def test_the_volunteer_sets_transport_ranges_and_absences(client, session, login_as):
    volunteer = login_as(Role.VOLUNTEER)
    page = "/tournees/disponibilites"
    assert (
        submit(
            client, "/tournees/disponibilites/transport", {"transport": "foot"}, form_url=page
        ).status_code
        == 302
    )
    assert session.get(VolunteerProfile, volunteer.id).transport.value == "foot"
    added = submit(
        client,
        "/tournees/disponibilites/plages",
        {"weekday": "2", "starts_at": "09:30", "ends_at": "12:00"},
        form_url=page,
    )
    assert added.status_code == 302
    backwards = submit(
        client,
        "/tournees/disponibilites/plages",
        {"weekday": "2", "starts_at": "12:00", "ends_at": "09:00"},
        form_url=page,
    )
    assert backwards.status_code == 422
    assert "après le début" in backwards.get_data(as_text=True)
    [saved] = session.scalars(
        sa.select(VolunteerAvailability).where(VolunteerAvailability.volunteer_id == volunteer.id)
    ).all()
    assert (saved.weekday, saved.starts_at.hour, saved.ends_at.hour) == (2, 9, 12)
    absent = submit(
        client,
        "/tournees/disponibilites/absences",
        {"first_day": "2026-12-01", "last_day": "2026-12-03", "reason": "Examens"},
        form_url=page,
    )
    assert absent.status_code == 302
    reversed_ = submit(
        client,
        "/tournees/disponibilites/absences",
        {"first_day": "2026-12-03", "last_day": "2026-12-01"},
        form_url=page,
    )
    assert reversed_.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(VolunteerAbsence)) == 1


def test_the_volunteer_sets_the_most_minutes_of_rounds_a_day(client, session, login_as):
    volunteer = login_as(Role.VOLUNTEER)
    page = "/tournees/disponibilites"
    assert "Au plus, minutes de tournées par jour" in client.get(page).get_data(as_text=True)
    url = "/tournees/disponibilites/transport"
    saved = submit(client, url, {"transport": "bike", "max_round_minutes": "90"}, form_url=page)
    assert saved.status_code == 302
    assert session.get(VolunteerProfile, volunteer.id).max_round_minutes == 90
    refused = submit(client, url, {"transport": "bike", "max_round_minutes": "5"}, form_url=page)
    assert refused.status_code == 422 and "Entre 15 et 600 minutes." in refused.get_data(
        as_text=True
    )
    session.expire_all()
    assert session.get(VolunteerProfile, volunteer.id).max_round_minutes == 90
    cleared = submit(client, url, {"transport": "bike", "max_round_minutes": ""}, form_url=page)
    assert cleared.status_code == 302
    session.expire_all()
    assert session.get(VolunteerProfile, volunteer.id).max_round_minutes is None


def test_a_volunteer_cannot_remove_someone_elses_range(client, session, login_as):
    other = make_volunteer(session)
    their_range = session.scalars(
        sa.select(VolunteerAvailability).where(VolunteerAvailability.volunteer_id == other.id)
    ).first()
    login_as(Role.VOLUNTEER)
    answer = submit(
        client,
        f"/tournees/disponibilites/plages/{their_range.id}/supprimer",
        {},
        form_url="/tournees/disponibilites",
    )
    assert answer.status_code == 404 and session.get(VolunteerAvailability, their_range.id)


def test_the_concierge_sees_the_plan_and_its_unmet_lines(client, session, planned):
    sign_in(client, make_user(session, Role.CONCIERGE))
    page = client.get("/tournees/plan?day=2026-11-26").get_data(as_text=True)
    assert "Léa Dufour" in page and planned[1].code in page


def test_the_concierge_sees_who_is_planned_beyond_their_limit(client, session, planned):
    volunteer, order, _ = planned
    stored = rounds.day_plan(session, THURSDAY)
    stored.notes = [
        {"volunteer_id": volunteer.id, "minutes": 75, "limit": 60, "lines": [order.lines[0].id]}
    ]
    session.flush()
    sign_in(client, make_user(session, Role.CONCIERGE))
    page = client.get("/tournees/plan?day=2026-11-26").get_data(as_text=True)
    assert "Au-delà de la limite choisie" in page
    assert "Léa Dufour : 75 min de tournées pour une limite de 60 min" in page


def test_the_concierge_plans_again_assigns_and_locks(client, session, planned):
    volunteer, order, round_ = planned
    sign_in(client, make_user(session, Role.CONCIERGE))
    plan_url = "/tournees/plan?day=2026-11-26"
    replanned = submit(client, "/tournees/plan/planifier", {"day": "2026-11-26"}, form_url=plan_url)
    assert replanned.status_code == 302
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    other = make_volunteer(session, full_name="Yanis Morel")
    assigned = submit(
        client,
        f"/tournees/plan/{round_.id}/volontaire",
        {f"r{round_.id}-volunteer": str(other.id)},
        form_url=plan_url,
    )
    assert assigned.status_code == 302
    session.refresh(round_)
    assert round_.volunteer_id == other.id and round_.locked
    submit(client, f"/tournees/plan/{round_.id}/verrou", {}, form_url=plan_url)
    session.refresh(round_)
    assert not round_.locked
    customer = make_user(session)
    refused = submit(
        client,
        f"/tournees/plan/{round_.id}/volontaire",
        {f"r{round_.id}-volunteer": str(customer.id)},
        form_url=plan_url,
    )
    assert refused.status_code == 400


def test_a_stop_under_way_stays_in_its_round(client, session, planned):
    volunteer, order, round_ = planned
    [stop] = round_.stops
    rounds.mark_item(session, stop.items[0], actor=volunteer, now=ON_THE_DAY)
    sign_in(client, make_user(session, Role.CONCIERGE))
    answer = submit(
        client,
        f"/tournees/plan/etapes/{stop.id}/deplacer",
        {f"s{stop.id}-target_round": str(round_.id)},
        form_url="/tournees/plan?day=2026-11-26",
    )
    assert answer.status_code == 409  # the plan's page, with why
    page = answer.get_data(as_text=True)
    assert "déjà faite en partie" in page and "Plan des tournées" in page
    session.expire_all()
    assert not round_.locked  # nothing saved


def test_a_volunteer_cannot_change_the_plan(client, session, planned):
    volunteer, order, round_ = planned
    sign_in(client, volunteer)
    answer = submit(
        client, f"/tournees/plan/{round_.id}/verrou", {}, form_url="/tournees/disponibilites"
    )
    assert answer.status_code == 403
    assert session.get(PickupRound, round_.id).locked is False


def test_the_customer_sees_where_each_line_is(client, session, planned):
    volunteer, order, round_ = planned
    rounds.mark_item(session, round_.items[0], actor=volunteer, now=ON_THE_DAY)
    sign_in(client, order.customer)
    page = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    assert "Où en est-elle" in page and page.count("Chez le prestataire") >= 2  # line + history


def test_a_day_out_of_range_is_a_400_not_a_crash(client, session, login_as):
    login_as(Role.CONCIERGE)
    for url in ("/tournees/?day=9999-12-31", "/tournees/plan?day=0001-01-01"):
        assert client.get(url).status_code == 400
    far = submit(
        client, "/tournees/plan/planifier", {"day": "9999-12-31"}, form_url="/tournees/plan"
    )
    assert far.status_code == 400


def test_planning_a_past_day_is_refused_with_a_message(client, session, login_as):
    login_as(Role.CONCIERGE)
    answer = submit(
        client, "/tournees/plan/planifier", {"day": "2026-11-24"}, form_url="/tournees/plan"
    )
    assert answer.status_code == 422  # the plan's page, with why
    page = answer.get_data(as_text=True)
    assert "Un jour passé ne se planifie plus." in page and "Plan des tournées" in page
    assert session.scalar(sa.select(sa.func.count()).select_from(DayPlan)) == 0


def test_someone_elses_item_is_a_403_whatever_the_action(client, session, planned):
    _volunteer, _order, round_ = planned
    sign_in(client, make_volunteer(session))
    answer = submit(
        client,
        f"/tournees/elements/{round_.items[0].id}",
        {"action": "collect"},
        form_url="/tournees/",
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 403


def _assign(client, round_, volunteer, **extra):
    data = {f"r{round_.id}-volunteer": str(volunteer.id)}
    data |= {f"r{round_.id}-{name}": value for name, value in extra.items()}
    return submit(
        client,
        f"/tournees/plan/{round_.id}/volontaire",
        data,
        form_url="/tournees/plan?day=2026-11-26",
    )


def test_a_volunteer_not_free_then_is_a_warning_first_and_saved_once_confirmed(
    client, session, planned, outbox
):
    volunteer, order, round_ = planned
    samira = make_volunteer(session, full_name="Samira Haddad", ranges=[(5, time(9), time(12))])
    sign_in(client, make_user(session, Role.CONCIERGE))
    warned = _assign(client, round_, samira)
    assert warned.status_code == 422
    page = warned.get_data(as_text=True)
    assert "Samira Haddad n&#39;a pas de disponibilité le jeudi de 09:30 à" in page
    assert f'name="r{round_.id}-confirm"' in page and "Confier quand même" in page
    assert f'href="#assign-{round_.id}"' in page and f'id="assign-{round_.id}"' in page
    session.expire_all()
    assert session.get(PickupRound, round_.id).volunteer_id == volunteer.id
    assert outbox == []
    assert f'name="r{round_.id}-warned" type="hidden" value="{samira.id}"' in page
    # A confirmation is for the volunteer it was shown for, not another one picked meanwhile.
    lina = make_volunteer(session, full_name="Lina", ranges=[(6, time(9), time(12))])
    again = _assign(client, round_, lina, confirm="y", warned=str(samira.id))
    assert again.status_code == 422 and "Lina n&#39;a pas de disponibilité" in again.text
    confirmed = _assign(client, round_, samira, confirm="y", warned=str(samira.id))
    assert confirmed.status_code == 302
    session.expire_all()
    assert session.get(PickupRound, round_.id).volunteer_id == samira.id
    assert sorted(mail.to[0] for mail in outbox) == sorted([volunteer.email, samira.email])
    given = next(mail for mail in outbox if mail.to == [samira.email])
    assert "Cordonnerie Gambetta" in given.body and order.code in given.body


def test_a_free_volunteer_is_given_the_round_at_once_and_both_are_mailed(
    client, session, planned, outbox
):
    volunteer, order, round_ = planned
    yanis = make_volunteer(session, full_name="Yanis Morel")
    sign_in(client, make_user(session, Role.CONCIERGE))
    answer = _assign(client, round_, yanis)
    assert answer.status_code == 302
    page = client.get(answer.location).get_data(as_text=True)
    assert "Tournée confiée à Yanis Morel" in page
    taken = next(mail for mail in outbox if mail.to == [volunteer.email])
    assert "confiée à Yanis Morel" in taken.body
    assert len(outbox) == 2


def test_the_same_volunteer_again_is_saved_without_a_mail(client, session, planned, outbox):
    volunteer, order, round_ = planned
    sign_in(client, make_user(session, Role.CONCIERGE))
    assert _assign(client, round_, volunteer).status_code == 302
    session.expire_all()
    assert session.get(PickupRound, round_.id).locked
    assert outbox == []


def test_a_volunteer_cannot_reassign_a_round(client, session, planned, outbox):
    volunteer, order, round_ = planned
    other = make_volunteer(session)
    sign_in(client, volunteer)
    answer = submit(
        client,
        f"/tournees/plan/{round_.id}/volontaire",
        {f"r{round_.id}-volunteer": str(other.id), f"r{round_.id}-confirm": "y"},
        form_url="/tournees/disponibilites",
    )
    assert answer.status_code == 403
    session.expire_all()
    assert session.get(PickupRound, round_.id).volunteer_id == volunteer.id and outbox == []


# The round on a map: its data beside the list of stops, the tiles' server in the CSP.


def map_data(page: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r"data-round-map='([^']*)'", page)]


def test_the_volunteer_sees_the_round_numbered_on_a_map_beside_its_list(client, planned, thursday):
    volunteer, _order, round_ = planned
    sign_in(client, volunteer)
    page = client.get(MINE).get_data(as_text=True)
    [data] = map_data(page)
    shop = round_.stops[0].provider
    assert data == {"desk": [50.62735, 3.05295], "stops": [[shop.latitude, shop.longitude]]}
    assert '<span class="stop-number">1</span>' in page and shop.address in page
    assert 'aria-hidden="true" data-round-map=' in page and 'data-tiles=""' in page
    assert "vendor/leaflet/1.9.4/leaflet.js" in page and "js/round-map.js" in page
    assert "Fond de carte" not in page  # no tiles, no attribution


def test_the_concierge_sees_each_round_on_a_map_and_the_addresses(client, session, planned):
    _volunteer, _order, round_ = planned
    sign_in(client, make_user(session, Role.CONCIERGE))
    page = client.get("/tournees/plan?day=2026-11-26").get_data(as_text=True)
    [data] = map_data(page)
    assert len(data["stops"]) == 1 and round_.stops[0].provider.address in page


def test_no_round_no_map(client, session):
    sign_in(client, make_user(session, Role.CONCIERGE))
    page = client.get("/tournees/plan?day=2026-11-26").get_data(as_text=True)
    assert "leaflet" not in page and "data-round-map" not in page


def test_tiles_when_configured_with_their_credit_and_their_server_in_the_csp(
    app, client, planned, thursday, monkeypatch
):
    monkeypatch.setitem(
        app.config, "MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )
    sign_in(client, planned[0])
    answer = client.get(MINE)
    page = answer.get_data(as_text=True)
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page
    assert "Fond de carte : © les contributeurs d&#39;OpenStreetMap." in page
    assert (
        "img-src 'self' data: https://tile.openstreetmap.org;"
        in answer.headers["Content-Security-Policy"]
    )


def test_without_tiles_images_come_from_the_site_only(client):
    assert "img-src 'self' data:;" in client.get("/").headers["Content-Security-Policy"]


def test_the_tile_servers_origin_for_the_csp():
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == [
        "https://*.tile.example.org"
    ]
    assert tile_origin("http://127.0.0.1:8080/{z}/{x}/{y}.png") == ["http://127.0.0.1:8080"]
    for odd in ["", None, "javascript:alert(1)", "https://x.org';script-src */{z}", "tiles/{z}"]:
        assert tile_origin(odd) == []
