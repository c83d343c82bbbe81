"""Basket stock and closures in the browser, on a phone (390 px) and at the desk (1366 px),
checked by axe: Terre d'Opale's staff see, print and download the list of a delivery day; a
customer sees a provider's closure on its page and the desk's public holidays on the home page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import _LIVE, shot, sign_in
from tests.e2e.test_accessibility import audit

pytestmark = pytest.mark.real_clock

VIEWPORTS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 768}}


def _a_basket_ordered_for_the_next_delivery() -> tuple[str, str, str]:
    """A basket of Terre d'Opale ordered by the demo's resident for its next delivery, placed
    through the service in the live server's database: (day, order code, initials)."""
    from conciergerie.extensions import db
    from conciergerie.models import Offer, PaymentMethod, Provider, utcnow
    from conciergerie.orders import service as orders
    from conciergerie.stock.service import initials
    from tests.factories import make_user

    app = _LIVE["app"]
    with app.app_context():
        session = db.session
        offer = session.scalar(
            sa.select(Offer)
            .join(Provider)
            .where(Provider.slug == "terre-d-opale", Offer.name == "Panier solo")
        )
        # A customer of its own: the demo's resident may already hold the most open desk
        # orders the rules allow, from the browser tests before this one.
        customer = make_user(session, full_name="Zoé Lemaire", email="zoe.lemaire@example.org")
        now = utcnow()
        lines = [orders.RequestedLine(offer, 1)]
        settings = orders.OrderSettings.from_config(app.config)
        _earliest, slots = orders.fitting_pickups(
            session,
            lines,
            dropoff_slot=None,
            now=now,
            settings=settings,
            horizon=timedelta(days=21),
        )
        order = orders.place_order(
            session,
            customer=customer,
            lines=lines,
            dropoff_slot=None,
            pickup_slot=slots[0],
            note="",
            payment=PaymentMethod.DESK,
            now=now,
            settings=settings,
        )
        found = (order.lines[0].delivery_day.isoformat(), order.code, initials(customer.full_name))
        session.commit()
        return found


@pytest.fixture(scope="module")
def ordered(live_server):
    return _a_basket_ordered_for_the_next_delivery()


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_producer_sees_and_downloads_its_delivery_list(new_page, live_server, ordered, width):
    day, code, initials = ordered
    page = new_page(viewport=VIEWPORTS[width], bypass_csp=True)  # to inject axe
    sign_in(page, "paniers@example.org")
    page.goto("/prestataire/")
    page.get_by_role("link", name=re.compile("^Livraisons de paniers :")).click()
    url = f"/prestataire/livraisons/?jour={day}"
    page.goto(url)
    row = page.locator("tr", has_text=code)
    expect(row).to_contain_text("Panier solo")
    expect(row).to_contain_text(initials)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Livraison du")
    shot(page, f"stock-delivery-list-{width}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "Offre;Quantité;Client·e (initiales);Retrait;Commande"
    assert any(line.startswith("Panier solo;1;" + initials) for line in text.splitlines())
    # Printed, the list keeps its table and drops the header and the links.
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator("tr", has_text=code)).to_be_visible()
    page.emulate_media(media="screen")
    assert audit(page, url, live_server) == []


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_a_customer_sees_a_closure_and_the_public_holidays(new_page, live_server, width):
    page = new_page(viewport=VIEWPORTS[width], bypass_csp=True)
    sign_in(page, "habitante@example.org")
    url = "/catalogue/prestataires/horlogerie-solferino"
    page.goto(url)
    closures = page.get_by_role("region", name="Fermetures")
    expect(closures).to_contain_text("Fermé du")
    expect(closures).to_contain_text("salon de l'horlogerie de Besançon")
    shot(page, f"closures-provider-{width}")
    assert audit(page, url, live_server) == []
    page.goto("/")
    expect(
        page.get_by_role("heading", name="Prochains jours fériés (comptoir fermé)")
    ).to_be_visible()
    assert audit(page, "/", live_server) == []


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_producer_records_a_closure(new_page, live_server, width):
    page = new_page(viewport=VIEWPORTS[width], bypass_csp=True)
    sign_in(page, "affuteur@example.org")
    page.goto("/prestataire/fermetures")
    assert audit(page, "/prestataire/fermetures", live_server) == []
    from conciergerie.models import utcnow
    from conciergerie.timeutils import local_date

    # A day of its own for each width (the test runs twice on one database).
    day = local_date(utcnow()) + timedelta(days=30 if width == "390" else 40)
    page.get_by_label("Premier jour fermé").fill(day.isoformat())
    page.get_by_label("Motif, lu par les clients").fill(f"Fête des couteliers ({width})")
    page.get_by_role("button", name="Enregistrer la fermeture").click()
    expect(page.get_by_text("Fermeture enregistrée")).to_be_visible()
    expect(page.get_by_text(f"Fête des couteliers ({width})")).to_be_visible()
