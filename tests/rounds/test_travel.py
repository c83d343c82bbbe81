"""Street distances from a routing server (OSRM, Valhalla) chosen by configuration, the straight
line when the server fails, and the plan recording which source answered. The servers are fakes
on loopback."""

from __future__ import annotations

import logging
import threading
from urllib.parse import unquote, urlsplit

import pytest

from conciergerie.models import OrderStatus, Role
from conciergerie.orders import service as orders
from conciergerie.rounds import service as rounds
from conciergerie.rounds.travel import (
    OsrmSource,
    Place,
    StraightLine,
    ValhallaSource,
    source_from_config,
)
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
from tests.loopback import fake_server
from tests.rounds.test_service import DEPOT, THURSDAY

DESK = Place(50.62735, 3.05295)
SHOP = Place(50.63000, 3.05295)
STRAIGHT = StraightLine().matrix([DESK, SHOP])


def osrm(metres):
    """A fake OSRM table service answering `metres` (its `distances`)."""
    return lambda asked: (200, {"code": "Ok", "distances": metres})


def test_osrm_gives_the_street_distances_it_was_asked_for():
    with fake_server(osrm([[0, 812.4], [905.1, 0]])) as server:
        roads = OsrmSource(server.url, "foot").matrix([DESK, SHOP, DESK])
    [asked] = server.asked
    where = urlsplit(asked.path)
    # Longitude first, each place once, distances asked for.
    assert unquote(where.path) == "/table/v1/foot/3.052950,50.627350;3.052950,50.630000"
    assert where.query == "annotations=distance"
    assert roads.distance_m(DESK, SHOP) == 812.4 and roads.distance_m(SHOP, DESK) == 905.1
    assert roads.source == f"OSRM {server.url} (foot)"
    # A volunteer on foot (4.5 km/h) takes 11 minutes for 812 m.
    assert roads.minutes(DESK, SHOP, 4.5) == 11


def test_valhalla_gives_kilometres_turned_into_metres():
    def answer(asked):
        cells = [[{"distance": 0.0}, {"distance": 1.25}], [{"distance": 1.5}, {"distance": 0.0}]]
        return 200, {"sources_to_targets": cells, "units": "kilometers"}

    with fake_server(answer) as server:
        roads = ValhallaSource(server.url, "pedestrian").matrix([DESK, SHOP])
    [asked] = server.asked
    assert (asked.method, asked.path) == ("POST", "/sources_to_targets")
    body = asked.json()
    assert body["costing"] == "pedestrian" and body["units"] == "kilometers"
    assert (
        body["sources"]
        == body["targets"]
        == [
            {"lat": 50.62735, "lon": 3.05295},
            {"lat": 50.63, "lon": 3.05295},
        ]
    )
    assert roads.distance_m(DESK, SHOP) == 1250 and roads.distance_m(SHOP, DESK) == 1500
    assert roads.source == f"Valhalla {server.url} (pedestrian)"


def test_valhalla_compact_answer_is_read_too():
    compact = {"sources_to_targets": {"distances": [[0, 2], [2, 0]], "durations": [[0, 9], [9, 0]]}}
    with fake_server(lambda asked: (200, compact)) as server:
        roads = ValhallaSource(server.url).matrix([DESK, SHOP])
    assert roads.distance_m(DESK, SHOP) == 2000


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, {"message": "boom"}),
        (200, b"<html>not json</html>"),
        (200, {"code": "NoTable", "message": "no route"}),
        (200, {"code": "Ok", "distances": [[0, None], [None, 0]]}),  # a place it cannot reach
        (200, {"code": "Ok", "distances": [[0, 10]]}),  # the wrong size
        (200, {"code": "Ok", "distances": [[0, -5], [3, 0]]}),
        (200, {"code": "Ok", "distances": [[0, "far"], [3, 0]]}),
    ],
    ids=["500", "not-json", "no-table", "unreachable", "wrong-size", "negative", "text"],
)
def test_a_failing_osrm_gives_the_straight_line_and_says_so(caplog, status, body):
    with (
        fake_server(lambda asked: (status, body)) as server,
        caplog.at_level(logging.WARNING, "conciergerie.rounds.travel"),
    ):
        roads = OsrmSource(server.url).matrix([DESK, SHOP])
    assert roads.metres == STRAIGHT.metres
    assert roads.source.startswith("ligne droite × 1,3 (OSRM ")
    assert "sans réponse valable" in roads.source and len(roads.source) <= 200
    assert "straight-line distances instead" in caplog.text


def test_a_valhalla_without_distances_gives_the_straight_line():
    with fake_server(lambda asked: (200, {"sources_to_targets": [[{"time": 3}]]})) as server:
        roads = ValhallaSource(server.url).matrix([DESK, SHOP])
    assert roads.metres == STRAIGHT.metres and "Valhalla" in roads.source


def test_a_server_that_hangs_is_given_up_after_the_timeout():
    release = threading.Event()

    def slow(asked):
        release.wait(5)
        return 200, {"code": "Ok", "distances": [[0, 1], [1, 0]]}

    with fake_server(slow) as server:
        roads = OsrmSource(server.url, timeout=0.2).matrix([DESK, SHOP])
        release.set()
    assert roads.metres == STRAIGHT.metres and "OSRM" in roads.source


def test_a_server_nobody_answers_at_gives_the_straight_line():
    with fake_server(osrm([])) as server:
        url = server.url
    roads = ValhallaSource(url).matrix([DESK, SHOP])  # the port is closed now
    assert roads.metres == STRAIGHT.metres and roads.source.startswith("ligne droite")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, StraightLine()),
        ({"TRAVEL_SOURCE": "straight", "TRAVEL_URL": "http://x"}, StraightLine()),
        ({"TRAVEL_SOURCE": "osrm", "TRAVEL_URL": "http://osrm"}, OsrmSource("http://osrm")),
        (
            {"TRAVEL_SOURCE": "OSRM", "TRAVEL_URL": "http://o", "TRAVEL_PROFILE": "foot"},
            OsrmSource("http://o", "foot"),
        ),
        (
            {"TRAVEL_SOURCE": "valhalla", "TRAVEL_URL": "http://v", "TRAVEL_TIMEOUT": 1},
            ValhallaSource("http://v", "bicycle", 1.0),
        ),
        ({"TRAVEL_SOURCE": "osrm", "TRAVEL_URL": ""}, StraightLine()),  # no server: logged
        ({"TRAVEL_SOURCE": "google", "TRAVEL_URL": "http://g"}, StraightLine()),
    ],
)
def test_the_configuration_chooses_the_source(config, expected):
    assert source_from_config(config) == expected


@pytest.fixture
def dropped(session):
    """A volunteer, an order dropped at the desk for the cobbler: Thursday has a round to plan."""
    make_volunteer(session, full_name="Léa Dufour")
    cobbler = open_provider(make_provider(session, name="Cordonnerie Gambetta", latitude=50.63))
    order = make_order(session, offer=make_offer(session, provider=cobbler, turnaround_days=1))
    concierge = make_user(session, Role.CONCIERGE)
    orders.advance_order(session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=NOW)
    return concierge


def test_the_plan_records_the_source_and_uses_its_distances(session, dropped):
    with fake_server(osrm([[0, 1000], [1200, 0]])) as server:
        rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW, travel=OsrmSource(server.url))
    assert rounds.day_plan(session, THURSDAY).travel_source == f"OSRM {server.url} (bike)"
    [round_] = rounds.rounds_of_day(session, THURSDAY)
    assert round_.distance_m == 2200  # the server's, there and back
    # Retimed by hand with the straight line: its distance follows.
    rounds.retime(session, round_, DEPOT)
    shop = round_.stops[0].provider
    there = StraightLine().matrix([DESK, Place(shop.latitude, shop.longitude)]).metres[0][1]
    assert round_.distance_m == round(2 * there)


def test_the_straight_line_is_recorded_by_default_and_a_failure_with_its_reason(session, dropped):
    rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW)
    assert rounds.day_plan(session, THURSDAY).travel_source == "ligne droite × 1,3"
    with fake_server(lambda asked: (503, {})) as server:
        rounds.plan_rounds(session, THURSDAY, depot=DEPOT, now=NOW, travel=OsrmSource(server.url))
    source = rounds.day_plan(session, THURSDAY).travel_source
    assert source.startswith("ligne droite × 1,3 (OSRM") and "503" in source
    assert len(rounds.rounds_of_day(session, THURSDAY)) == 1  # planned all the same


def test_the_concierge_plans_with_the_configured_server_and_sees_it(
    app, client, session, dropped, monkeypatch
):
    monkeypatch.setattr("conciergerie.rounds.views.utcnow", lambda: NOW)
    with fake_server(osrm([[0, 1000], [1200, 0]])) as server:
        monkeypatch.setitem(app.config, "TRAVEL_SOURCE", "osrm")
        monkeypatch.setitem(app.config, "TRAVEL_URL", server.url)
        monkeypatch.setitem(app.config, "TRAVEL_PROFILE", "bike")
        sign_in(client, dropped)
        plan_url = "/tournees/plan?day=2026-11-26"
        answer = submit(
            client, "/tournees/plan/planifier", {"day": "2026-11-26"}, form_url=plan_url
        )
        assert answer.status_code == 302
    page = client.get(plan_url).get_data(as_text=True)
    assert f"Distances : OSRM {server.url} (bike)." in page
    assert rounds.rounds_of_day(session, THURSDAY)[0].distance_m == 2200
