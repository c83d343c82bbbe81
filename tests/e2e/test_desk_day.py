"""The desk's day with sixty orders, on a phone and on the desk's 1366 px screen: dense rows,
vertical scrolling only, the search ready to type in, axe-clean."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _LIVE, shot, sign_in
from tests.e2e.test_accessibility import audit

pytestmark = pytest.mark.real_clock

DAY = "2026-11-26"  # a past Thursday: its slots are over, some orders are late
DESK = {"width": 1366, "height": 768}
PHONE_390 = {"width": 390, "height": 844}
FIRST = ["Nadia", "Ali", "Léa", "Zoé", "Camille", "Hugo", "Inès", "Yanis", "Chloé", "Maël"]
LAST = ["Benali", "Martin", "Nguyen", "Dupont-Lefebvre", "Haddad", "Moreau"]


@pytest.fixture(scope="module")
def sixty_orders(live_server) -> list[tuple[int, str]]:
    """Sixty orders on DAY in the live server's database: forty dropping off in four slots
    (some received), twenty collecting in two (some handed over, one paid too much)."""
    from conciergerie.extensions import db
    from conciergerie.models import OrderStatus, Payment, PaymentKind
    from tests import factories

    with _LIVE["app"].app_context():
        session = db.session
        base = datetime(2026, 11, 26, 7, 5, tzinfo=UTC)  # :05, off the generated slots

        def slot(minutes: int):
            return factories.make_slot(
                session, starts_at=base + timedelta(minutes=minutes), capacity=100
            )

        dropoffs = [slot(30 * i) for i in range(4)]
        pickups = [slot(600 + 30 * i) for i in range(2)]
        later = factories.make_slot(
            session, starts_at=datetime(2026, 12, 2, 17, 5, tzinfo=UTC), capacity=100
        )
        provider = factories.make_provider(session, name="Cordonnerie du Jour")
        offers = [
            factories.make_offer(session, provider=provider, name=name, price_cents=price)
            for name, price in (
                ("Ressemelage complet cuir", 3500),
                ("Nettoyage chemise", 450),
                ("Ourlet de pantalon", 1200),
            )
        ]
        made = []
        for i in range(60):
            customer = factories.make_user(
                session,
                full_name=f"{FIRST[i % 10]} {LAST[i % 6]}",
                phone=f"06 {10 + i:02d} 34 56 78",
            )
            order = factories.make_order(
                session,
                customer=customer,
                offer=offers[i % 3],
                quantity=1 + i % 3,
                dropoff=dropoffs[i % 4],
                pickup=later,
            )
            if i >= 40:  # collecting on DAY
                order.dropoff_slot, order.pickup_slot = None, pickups[i % 2]
                order.status = OrderStatus.HANDED_OVER if i % 4 == 0 else OrderStatus.BACK_AT_DESK
                if order.status is OrderStatus.HANDED_OVER:  # paid when collected
                    session.add(
                        Payment(
                            order=order, kind=PaymentKind.DESK_CARD, amount_cents=order.total_cents
                        )
                    )
                if i == 41:
                    session.add(
                        Payment(
                            order=order,
                            kind=PaymentKind.DESK_CASH,
                            amount_cents=order.total_cents + 500,
                        )
                    )
            elif i % 3 == 0:
                order.status = OrderStatus.DROPPED_OFF
            made.append(order)
        session.commit()
        return [(order.id, order.code) for order in made]


@pytest.mark.parametrize(("name", "viewport"), [("390", PHONE_390), ("1366", DESK)])
def test_sixty_orders_scroll_down_only(new_page, live_server, sixty_orders, name, viewport):
    page = new_page(viewport=viewport, bypass_csp=True)  # to inject axe
    sign_in(page, "concierge@example.org")
    page.goto(f"/comptoir/?day={DAY}")
    rows = page.locator("table.desk-rows tbody tr:not(.group)")
    assert rows.count() >= 60
    expect(page.locator(".late-mark").first).to_be_visible()
    expect(page.get_by_text("À rembourser 5,00").first).to_be_visible()
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, f"the desk scrolls sideways by {wide}px at {name}px"
    # Keyboard first: the search has the focus.
    assert page.evaluate("document.activeElement.name") == "q"
    shot(page, f"desk-day-{name}")
    if name == "1366":
        # Dense: under 60 px an order row (the cards took 800 px an order), and the whole page
        # under 60 px for each of its rows and slot headings (the demo's own orders of that
        # day add theirs to the test's sixty).
        height = page.evaluate("document.documentElement.scrollHeight")
        groups = page.locator("table.desk-rows tbody tr.group").count()
        mean = page.evaluate(
            "(() => { const r = [...document.querySelectorAll("
            "'table.desk-rows tbody tr:not(.group)')];"
            " return r.reduce((s, x) => s + x.getBoundingClientRect().height, 0) / r.length; })()"
        )
        assert mean < 60, mean
        assert height < 60 * (rows.count() + groups), (height, rows.count(), groups)
    problems = audit(page, f"/comptoir/?day={DAY}", live_server)
    problems += audit(page, f"/comptoir/?day={DAY}&late=y", live_server)
    order_id, _code = sixty_orders[1]
    problems += audit(page, f"/comptoir/commandes/{order_id}", live_server)
    shot(page, f"desk-order-{name}")
    assert problems == []


def test_typing_a_code_and_enter_opens_the_order(new_page, sixty_orders):
    page = new_page(viewport=DESK)
    sign_in(page, "concierge@example.org")
    page.goto(f"/comptoir/?day={DAY}")
    order_id, code = sixty_orders[7]
    expect(page.locator("input[name=q]")).to_be_focused()
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"/comptoir/commandes/{order_id}$"))
    expect(page.locator("h1")).to_contain_text(code)
    # Filters work without JavaScript: a GET form.
    page.goto(f"/comptoir/?day={DAY}")
    page.get_by_label("En retard seulement").check()
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile("late=y"))
    expect(page.locator("tr.late").first).to_be_visible()
    assert page.locator("table.desk-rows tbody tr:not(.group):not(.late)").count() == 0
