"""Each item scanned, in the browser: a USB scanner at the desk (it types the label's code and
Enter into the focused search) and on the volunteer's phone view, then a wrong tap undone — at
phone and desktop widths, axe-clean, screenshots kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _LIVE, shot, sign_in
from tests.e2e.test_accessibility import audit

pytestmark = pytest.mark.real_clock

DESK = {"width": 1366, "height": 768}
PHONE_390 = {"width": 390, "height": 844}
PAST_DROPOFF = datetime(2026, 11, 26, 7, 7, tzinfo=UTC)


def _order_on_todays_round(name: str) -> tuple[int, list[str]]:
    """An order of two pairs of shoes, received at the desk, on a round of today for the demo
    volunteer (made by hand: the planner's own tests plan rounds). Returns its id and labels."""
    from conciergerie.accounts.service import find_user_by_email
    from conciergerie.extensions import db
    from conciergerie.models import (
        OrderStatus,
        PickupRound,
        Role,
        RoundAction,
        RoundItem,
        RoundStop,
        utcnow,
    )
    from conciergerie.orders import service as orders
    from conciergerie.timeutils import local_date
    from tests import factories

    with _LIVE["app"].app_context():
        session = db.session
        now = utcnow()
        provider = factories.open_provider(
            factories.make_provider(session, name=f"Cordonnerie {name}")
        )
        offer = factories.make_offer(session, provider=provider, name="Ressemelage cuir")
        customer = factories.make_user(session, full_name=f"Client {name}")
        # Slots of their own, off the generated ones (:07), with room for every test's order.
        dropoff = factories.make_slot(session, starts_at=PAST_DROPOFF, capacity=50)
        pickup = factories.make_slot(
            session, starts_at=PAST_DROPOFF + timedelta(days=6), capacity=50
        )
        order = factories.make_order(
            session, customer=customer, offer=offer, quantity=2, dropoff=dropoff, pickup=pickup
        )
        concierge = factories.make_user(session, Role.CONCIERGE)
        orders.advance_order(session, order, OrderStatus.DROPPED_OFF, actor=concierge, now=now)
        volunteer = find_user_by_email(session, "benevole@example.org")
        stop = RoundStop(
            provider=provider,
            position=0,
            arrive_at=now + timedelta(minutes=20),
            leave_at=now + timedelta(minutes=25),
            items=[RoundItem(line=order.lines[0], action=RoundAction.DROP)],
        )
        session.add(
            PickupRound(
                day=local_date(now),
                volunteer=volunteer,
                starts_at=now,
                ends_at=now + timedelta(minutes=45),
                stops=[stop],
            )
        )
        session.commit()
        return order.id, [item.code for item in order.lines[0].items]


@pytest.mark.parametrize(("name", "viewport"), [("390", PHONE_390), ("1366", DESK)])
def test_a_usb_scanner_at_the_desk_opens_the_item_with_its_next_step(
    new_page, live_server, name, viewport
):
    order_id, codes = _order_on_todays_round(f"Desk {name}")
    page = new_page(viewport=viewport, bypass_csp=True)  # to inject axe
    sign_in(page, "concierge@example.org")
    page.goto("/comptoir/")
    expect(page.locator("input[name=q]")).to_be_focused()
    page.keyboard.type(codes[1])  # what a USB scanner does: types, then Enter
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"/comptoir/commandes/{order_id}\\?objet={codes[1]}"))
    scanned = page.locator(f"#objet-{codes[1]}")
    expect(scanned).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("status").filter(has_text=codes[1])).to_contain_text(
        "Au comptoir : attend sa tournée vers Cordonnerie"
    )
    expect(page.locator("tr[id^=objet-]")).to_have_count(2)
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, f"the order's desk page scrolls sideways by {wide}px at {name}px"
    shot(page, f"desk-scan-{name}")
    assert audit(page, f"/comptoir/commandes/{order_id}?objet={codes[1]}", live_server) == []


@pytest.mark.parametrize(("name", "viewport"), [("390", PHONE_390), ("1366", DESK)])
def test_the_volunteer_scans_each_item_and_undoes_a_wrong_tap(
    new_page, live_server, name, viewport
):
    order_id, codes = _order_on_todays_round(f"Tournée {name}")
    page = new_page(viewport=viewport, bypass_csp=True)
    sign_in(page, "benevole@example.org")
    page.goto("/tournees/")
    field = page.get_by_label("Code de l'étiquette")
    field.click()
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text(f"{codes[0]} : déposé chez")
    card = page.locator(".round-item", has_text=codes[0].rsplit("-", 1)[0]).last
    expect(card).to_contain_text("1 sur 2 objets")
    shot(page, f"rounds-scan-{name}")
    # The second pair: scanned too; the line is done and may be taken back for 15 minutes.
    page.get_by_label("Code de l'étiquette").fill(codes[1])
    page.get_by_role("button", name="Enregistrer").click()
    expect(card).to_contain_text("Fait à")
    undo = card.get_by_role("button", name=re.compile("^Annuler"))
    expect(undo).to_be_visible()
    expect(card).to_contain_text("jusqu'à")
    problems = audit(page, "/tournees/", live_server)
    undo = page.locator(".round-item", has_text=codes[0].rsplit("-", 1)[0]).last.get_by_role(
        "button", name=re.compile("^Annuler")
    )
    undo.click()
    expect(page.locator(".flash-success")).to_contain_text("2 objets remis à l'étape d'avant")
    card = page.locator(".round-item", has_text=codes[0].rsplit("-", 1)[0]).last
    expect(card.get_by_role("button", name=re.compile("^Déposé"))).to_be_visible()
    shot(page, f"rounds-undone-{name}")
    # At the desk, each item's history shows the step and its undoing.
    desk = new_page(viewport=viewport)
    sign_in(desk, "concierge@example.org")
    desk.goto(f"/comptoir/commandes/{order_id}")
    expect(desk.locator("tr[id^=objet-]").first).to_contain_text("Au comptoir")
    assert problems == []
