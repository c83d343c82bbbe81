"""The round on a map (static/js/round-map.js, Leaflet vendored), on the concierge's plan and on
the volunteer's phone view, under the site's real Content-Security-Policy, with no tile server
configured: the numbered stops and the way still show on a plain background; axe passes."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import _LIVE, shot, sign_in
from tests.e2e.test_accessibility import audit
from tests.loopback import fake_server

pytestmark = pytest.mark.real_clock

WIDTHS = [("390", {"width": 390, "height": 844}), ("1366", {"width": 1366, "height": 768})]
VOLUNTEER = "benevole@example.org"


def a_round_day_of_the_volunteer() -> str:
    """The day of the demo volunteer's round with the most stops (the latest of those)."""
    from conciergerie.extensions import db
    from conciergerie.models import PickupRound, RoundStop, User

    with _LIVE["app"].app_context():
        stops = sa.func.count(RoundStop.id)
        day = db.session.scalar(
            sa.select(PickupRound.day, stops)
            .join(RoundStop)
            .join(User, User.id == PickupRound.volunteer_id)
            .where(User.email == VOLUNTEER)
            .group_by(PickupRound.id, PickupRound.day)
            .order_by(stops.desc(), PickupRound.day.desc())
            .limit(1)
        )
    return day.isoformat()


def expect_numbered_stops(scope) -> None:
    """The round's map in `scope` (its card or section) is drawn: the desk, its stops numbered
    as the list beside it, the way between them, and no tile (none is configured)."""
    count = scope.locator(".stop-number").count()
    assert count >= 1
    box = scope.locator(".round-map-box")
    expect(box).to_be_visible()
    drawn = box.locator(".round-map.is-drawn")
    expect(drawn).to_have_attribute("aria-hidden", "true")
    pins = drawn.locator(".map-pin:not(.map-pin-desk)")
    expect(pins).to_have_count(count)
    assert pins.all_inner_texts() == [str(n) for n in range(1, count + 1)]
    assert scope.locator(".stop-number").all_inner_texts() == [str(n) for n in range(1, count + 1)]
    expect(drawn.locator(".map-pin-desk")).to_have_count(1)
    expect(drawn.locator("svg path")).to_have_count(1)  # desk → stops → desk
    expect(drawn.locator(".leaflet-tile")).to_have_count(0)
    # Nothing in the map takes the keyboard's focus: the list beside it is the content.
    assert drawn.locator("a, button, [tabindex]").count() == 0


@pytest.mark.parametrize(("name", "viewport"), WIDTHS, ids=[w for w, _ in WIDTHS])
@pytest.mark.parametrize("who", ["concierge", "volunteer"])
def test_the_round_shows_on_a_map_without_tiles(new_page, live_server, who, name, viewport):
    day = a_round_day_of_the_volunteer()
    if who == "concierge":
        email, url, scope = "concierge@example.org", f"/tournees/plan?day={day}", ".card"
    else:
        email, url, scope = VOLUNTEER, f"/tournees/?day={day}", "section.round"
    page = new_page(viewport=viewport)  # under the real CSP
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, email)
    page.goto(url)
    rounds = page.locator(scope, has=page.locator(".round-map"))
    assert rounds.count() >= 1
    for index in range(rounds.count()):
        expect_numbered_stops(rounds.nth(index))
    assert errors == []
    shot(page, f"round-map-{who}-{name}")
    # axe (injected: the CSP set aside for it), the budgets, no sideways scrolling.
    checked = new_page(viewport=viewport, bypass_csp=True)
    sign_in(checked, email)
    assert audit(checked, url, live_server) == []


def a_tile() -> bytes:
    """A plain 256 px tile, as a tile server sends one."""
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (256, 256), (205, 225, 210)).save(picture, "PNG")
    return picture.getvalue()


def test_tiles_come_from_the_configured_server_under_the_csp(new_page):
    """With MAP_TILES_URL set (a fake tile server on loopback), the map asks it for tiles, the
    CSP lets them in, and their credit shows under the map."""
    day = a_round_day_of_the_volunteer()
    tile = a_tile()
    config = _LIVE["app"].config
    with fake_server(lambda asked: (200, tile, "image/png")) as tiles:
        config["MAP_TILES_URL"] = f"{tiles.url}/{{z}}/{{x}}/{{y}}.png"
        try:
            page = new_page(viewport={"width": 390, "height": 844})
            refused = []
            page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
            sign_in(page, VOLUNTEER)
            page.goto(f"/tournees/?day={day}")
            drawn = page.locator(".round-map.is-drawn").first
            expect(drawn.locator("img.leaflet-tile-loaded").first).to_be_visible()
            expect(page.locator(".map-credit").first).to_contain_text("OpenStreetMap")
            shot(page, "round-map-tiles-390")
        finally:
            config["MAP_TILES_URL"] = ""
    assert refused == []
    assert tiles.asked and all(re.fullmatch(r"/\d+/\d+/\d+\.png", a.path) for a in tiles.asked)
