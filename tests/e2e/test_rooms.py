"""A resident asks for a room and the concierge confirms it, on a 390 px phone and on the
desk's 1366 px screen: each page axe-clean, no sideways scrolling, screenshots kept."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _LIVE, last_link_mailed, shot, sign_in
from tests.e2e.test_accessibility import audit

pytestmark = pytest.mark.real_clock

SIZES = {390: {"width": 390, "height": 844}, 1366: {"width": 1366, "height": 768}}


@pytest.fixture(scope="module")
def room(live_server) -> int:
    """A meeting room open every day, round the clock, whatever the hour the suite runs at."""
    from conciergerie.extensions import db
    from tests import factories

    with _LIVE["app"].app_context():
        space = factories.make_space(
            db.session,
            name="Salle Gambetta (essai)",
            opens_at=time(0),
            closes_at=time(23, 59),
            open_weekdays="0123456",
            equipment="Écran, tableau blanc",
        )
        db.session.commit()
        return space.id


@pytest.mark.parametrize("width", sorted(SIZES))
def test_a_resident_asks_for_a_room_and_the_concierge_confirms_it(
    new_page, live_server, room, width
):
    from conciergerie.models import utcnow
    from conciergerie.timeutils import local_date

    day = local_date(utcnow()) + timedelta(days=10 + width % 7)  # one day per screen size
    resident = new_page(viewport=SIZES[width], bypass_csp=True)  # to inject axe
    sign_in(resident, "habitante@example.org")
    assert audit(resident, f"/salles/{room}", live_server) == []
    resident.get_by_label("Jour").fill(day.isoformat())
    resident.get_by_label("De", exact=True).fill("14:00")
    resident.get_by_label("À", exact=True).fill("16:00")
    resident.get_by_label("Objet").fill("Assemblée générale du jardin partagé")
    resident.get_by_label("Nombre de personnes").fill("10")
    resident.get_by_label("Disposition").select_option("En U")
    resident.get_by_label("Restauration").fill("Café d'accueil pour dix")
    resident.get_by_label("Pour une association").fill("Jardin partagé Gambetta")
    resident.get_by_role("button", name="Envoyer la demande").click()
    resident.wait_for_url(re.compile(r"/salles/reservations/\d+$"))
    expect(resident.locator("main")).to_contain_text("En attente de la conciergerie")
    assert audit(resident, resident.url, live_server) == []
    shot(resident, f"rooms-request-{width}")

    desk = new_page(viewport=SIZES[width], bypass_csp=True)  # to inject axe
    sign_in(desk, "concierge@example.org")
    manage = last_link_mailed("concierge@example.org", "/gestion/salles/reservations/")
    assert audit(desk, manage, live_server) == []
    expect(desk.get_by_label("Nom de l'association")).to_have_value("Jardin partagé Gambetta")
    desk.get_by_role("button", name="Confirmer la réservation").click()
    expect(desk.locator(".flash")).to_contain_text("Réservation confirmée")
    expect(desk.locator("main")).to_contain_text("Association du quartier")
    shot(desk, f"rooms-confirmed-{width}")
    week = f"/salles/{room}?semaine={(day - timedelta(days=day.weekday())).isoformat()}"
    assert audit(desk, week, live_server) == []
    expect(desk.locator(".period-busy").first).to_contain_text("Assemblée générale")
    shot(desk, f"rooms-week-concierge-{width}")

    resident.reload()
    expect(resident.locator("main")).to_contain_text("Confirmée")
