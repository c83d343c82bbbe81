"""The journeys of the people who use the desk, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    PHONE,
    expect_signed_in,
    last_link_mailed,
    open_menu,
    shot,
    sign_in,
    sign_out,
)

COBBLER = "/catalogue/prestataires/cordonnerie-gambetta"
IRONING = "/catalogue/prestataires/lille-sud-insertion"
BASKETS = "/catalogue/prestataires/terre-d-opale"
EVENING = re.compile(r"(1[7-9]|20):[0-5]\d")  # a slot starting after work
# Real processes (a browser, servers) run on the machine's clock: so does this test.
pytestmark = pytest.mark.real_clock


def add_to_basket(page, provider_path: str, offer: str, quantity: int = 1) -> None:
    page.goto(provider_path)
    card = page.locator("li", has=page.get_by_role("heading", name=offer, exact=True)).first
    card.get_by_label(re.compile("^Quantité")).fill(str(quantity))
    card.get_by_role("button", name=f"Ajouter au panier : {offer}").click()
    expect(page.locator(".flash-success")).to_be_visible()


def choose_slot(page, label: str, pattern: re.Pattern | None = None) -> str:
    """Choose a slot as a customer does: a day, then one of its times — the first whose text
    matches `pattern`, trying the days in turn. Returns "day, time"."""
    for index in range(page.locator("nav.slot-days a").count()):
        link = page.locator("nav.slot-days a").nth(index)
        day = link.get_attribute("data-day")
        if link.get_attribute("aria-current") is None:
            link.click()
            page.wait_for_load_state()
        times = page.locator("fieldset", has=page.locator("legend", has_text=label)).locator(
            "label"
        )
        for text in times.all_inner_texts():
            if pattern is None or pattern.search(text):
                page.get_by_label(text, exact=True).check()
                return f"{day}, {text}"
    raise AssertionError(f"no time of {label!r} matches {pattern}")


def place_resident_order(page, email: str) -> str:
    """Sign up as a resident, order a resoling and two shirts to iron; return the order code."""
    page.goto("/")
    open_menu(page)  # on a phone, behind the menu button
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Prénom et nom").fill("Agathe Lemaire")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Habitant·e du quartier Gambetta").check()
    page.get_by_label("Mot de passe", exact=True).fill("Semelles-de-crepe-1987")
    page.get_by_label("Confirmez le mot de passe").fill("Semelles-de-crepe-1987")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Vérifiez votre boîte mail")).to_be_visible()
    shot(page, "1-check-mailbox")
    page.goto(last_link_mailed(email, "/compte/confirmer/"))
    expect_signed_in(page)

    page.get_by_role("link", name="Catalogue").click()
    shot(page, "1-catalogue")
    add_to_basket(page, COBBLER, "Ressemelage (demi-semelles)")
    add_to_basket(page, IRONING, "Chemise", 2)
    page.locator("header a[href='/panier']").click()
    shot(page, "1-basket")
    page.get_by_role("link", name="Choisir mes créneaux").click()
    dropoff = choose_slot(page, "Créneau de dépôt au comptoir", EVENING)
    shot(page, "1-dropoff")
    page.get_by_role("button", name="Continuer").click()
    choose_slot(page, "Créneau de retrait au comptoir")
    page.get_by_label("Au comptoir, en espèces ou par carte").check()
    shot(page, "1-checkout")
    page.get_by_role("button", name="Commander").click()
    code = page.locator(".code").first.inner_text()
    assert re.fullmatch(r"EVG-[2-9A-Z]{5}", code), code
    assert dropoff.split(",")[0].lower() in page.content().lower()
    return code


def test_a_resident_signs_up_and_orders_with_an_evening_drop_off(new_page):
    page = new_page(viewport=PHONE)
    code = place_resident_order(page, "agathe.lemaire@example.org")
    open_menu(page)  # on a phone, "Mes commandes" is behind the menu button
    page.locator(".menu-panel").get_by_role("link", name="Mes commandes").click()
    expect(page.get_by_text(code)).to_be_visible()
    shot(page, "1-my-orders")


def desk_step(page, code: str, step: str) -> None:
    page.goto(f"/comptoir/?q={code}")  # the code opens the order's desk page
    page.get_by_role("button", name=re.compile(f"→ {step}")).click()
    expect(page.locator(".flash-success")).to_contain_text(code)


def plan(page, day: str) -> None:
    page.goto(f"/tournees/plan?day={day}")
    page.get_by_role("button", name="Planifier ce jour maintenant").click()
    expect(page.locator(".flash-success")).to_contain_text("Tournées planifiées")


def bring_rounds_to_today(day: str) -> str:
    """Move the rounds planned for `day` to today, same hours: a step is recorded on its
    round's own day only, and this browser runs on the machine's clock. Returns today."""
    from datetime import date

    import sqlalchemy as sa

    from conciergerie.extensions import db
    from conciergerie.models import PickupRound, utcnow
    from conciergerie.timeutils import local_date
    from tests.e2e.conftest import _LIVE

    today = local_date(utcnow())
    shift = today - date.fromisoformat(day)
    with _LIVE["app"].app_context():
        session = db.session
        for round_ in session.scalars(
            sa.select(PickupRound).where(PickupRound.day == date.fromisoformat(day))
        ):
            round_.day = today
            round_.starts_at, round_.ends_at = round_.starts_at + shift, round_.ends_at + shift
            for stop in round_.stops:
                stop.arrive_at, stop.leave_at = stop.arrive_at + shift, stop.leave_at + shift
        session.commit()
    return today.isoformat()


def tap_all(pages, day: str, button: str, code: str, expected: int) -> None:
    """Each volunteer taps what their rounds carry of the order: the planner shares the day
    out, so the order's items may be on several volunteers' rounds; all of them are tapped."""
    day = bring_rounds_to_today(day)
    found = []
    for page in pages:
        page.goto(f"/tournees/?day={day}")
        buttons = page.get_by_role("button", name=re.compile(f"^{button} — {code}"))
        found.append((page, buttons, buttons.count()))
    assert sum(count for _page, _buttons, count in found) == expected, found
    for page, buttons, count in found:
        for _ in range(count):
            buttons.first.click()
            page.wait_for_timeout(100)
        expect(buttons).to_have_count(0)  # each tap is answered and shown as done


def test_items_travel_from_the_desk_to_the_providers_and_back(new_page):

    from tests.e2e.conftest import first_working_day_after

    day = first_working_day_after().isoformat()
    resident = new_page(viewport=PHONE)
    code = place_resident_order(resident, "bruno.caron@example.org")
    order_url = resident.url

    # The concierge checks the items in, takes the payment, prints the labels.
    desk = new_page()
    sign_in(desk, "concierge@example.org")
    desk_step(desk, code, "Déposée au comptoir")
    # Back on the order's desk page, its payment form open with what is due.
    expect(desk.locator("h1")).to_contain_text(code)
    desk.locator("details[open]").get_by_role("button", name="Enregistrer le paiement").click()
    expect(desk.locator(".flash-success")).to_be_visible()
    desk.goto(f"/comptoir/?q={code}")  # the code opens its order
    desk.get_by_role("link", name=re.compile("^Imprimer les étiquettes")).click()
    expect(desk.locator(".label")).to_have_count(3)  # a pair of shoes, two shirts
    shot(desk, "2-labels")
    plan(desk, day)
    shot(desk, "2-plan")

    # The volunteers, on their phones, drop them at the two providers.
    volunteers = []
    for email in ("benevole@example.org", "volontaire2@example.org", "volontaire3@example.org"):
        volunteers.append(new_page(viewport=PHONE))
        sign_in(volunteers[-1], email)
    tap_all(volunteers, day, "Déposé", code, 2)
    shot(volunteers[0], "2-rounds-dropped")

    # Each provider marks its line ready.
    for email in ("cordonnier@example.org", "repassage@example.org"):
        provider = new_page()
        sign_in(provider, email)
        provider.get_by_role("link", name="Mes travaux").click()
        provider.get_by_role("button", name=re.compile(f"^Prête — {code}")).click()
        expect(provider.locator(".flash-success")).to_contain_text(code)
        shot(provider, f"2-provider-{email.split('@')[0]}")

    # The next plan brings them back; the volunteer collects them.
    plan(desk, day)
    tap_all(volunteers, day, "Récupéré", code, 2)

    # Handed over at the desk.
    desk_step(desk, code, "Remise au client")

    resident.goto(order_url)
    history = resident.locator("#history + ol")
    for step in (
        "Déposée au comptoir",
        "Chez le prestataire",
        "Prête chez le prestataire",
        "Prête à retirer au comptoir",
        "Remise au client",
    ):
        expect(history).to_contain_text(step)
    shot(resident, "2-order-history")


def test_an_employee_orders_a_basket_and_pays_no_service_fee(new_page):
    page = new_page(viewport=PHONE)
    sign_in(page, "salarie@example.org")
    add_to_basket(page, BASKETS, "Panier duo")
    page.locator("header a[href='/panier']").click()
    page.get_by_role("link", name="Choisir mes créneaux").click()
    choose_slot(page, "Créneau de retrait au comptoir")
    expect(page.locator(".totals")).to_contain_text("offerts")
    page.get_by_label("Au comptoir, en espèces ou par carte").check()
    page.get_by_role("button", name="Commander").click()
    expect(page.locator(".code").first).to_have_text(re.compile(r"EVG-"))
    expect(page.locator(".totals")).to_contain_text("offerts")
    expect(page.locator(".totals .total")).to_contain_text("15,00")
    shot(page, "3-basket-order")
    sign_out(page)


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (a keyboard user's way)."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_sign_in_and_order(new_page):
    page = new_page()
    page.goto("/")
    tab_to(page, "a[href='/compte/connexion']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/compte/connexion")
    tab_to(page, "input[name=email]")
    page.keyboard.type("habitante@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-gambetta-59")
    page.keyboard.press("Enter")
    expect_signed_in(page)

    page.goto(COBBLER)
    tab_to(page, "button[aria-label='Ajouter au panier : Ressemelage (demi-semelles)']")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    tab_to(page, "a[href='/panier']")
    page.keyboard.press("Enter")
    tab_to(page, "a[href='/commande']")
    page.keyboard.press("Enter")
    tab_to(page, "input[name=depot]")
    page.keyboard.press("Space")  # the first time of the first day offered
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    tab_to(page, "input[name=pickup_slot]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=payment][value=desk]")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    shot(page, "4-keyboard-checkout")
    page.keyboard.press("Enter")
    expect(page.locator(".code").first).to_have_text(re.compile(r"EVG-"))
    shot(page, "4-keyboard-order")


@pytest.mark.parametrize("width", [390, 1366])
def test_a_walk_in_order_shows_its_total_and_the_pickups_that_fit(new_page, width):
    page = new_page(viewport={"width": width, "height": 900})
    sign_in(page, "concierge@example.org")
    page.goto("/comptoir/nouvelle-commande")
    page.get_by_label("Nom du client").fill("Marcel Dupuis")
    page.get_by_label("Téléphone").fill("06 98 76 54 32")
    offers = page.locator("select[name='lines-0-offer'] option")
    label = next(t for t in offers.all_inner_texts() if "Ressemelage (demi-semelles)" in t)
    page.locator("select[name='lines-0-offer']").select_option(label=label)
    page.locator("input[name='lines-0-quantity']").fill("1")
    page.get_by_role("button", name="Voir le total et les créneaux de retrait").click()
    expect(page.locator("#counter-total")).to_be_visible()
    expect(page.locator(".totals .total")).to_contain_text("€")
    page.locator("input[name=pickup_slot]").first.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"5-walk-in-{width}")
    page.get_by_role("button", name="Enregistrer la commande").click()
    expect(page.locator(".flash-success")).to_contain_text("articles déposés")
