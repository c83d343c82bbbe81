"""The site's face in the browser: on a phone the header is one row for every role, and its
menu opens and closes with JavaScript and without; on the desk's 1366 px screen and at 1024 px
no nav item wraps; no page scrolls sideways at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.real_clock

PHONE_390 = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}
LAPTOP = {"width": 1024, "height": 768}
# Each role's own home, where it lands after signing in.
ROLES = {
    "anonymous": (None, "/"),
    "resident": ("habitante@example.org", "/commandes/"),
    "volunteer": ("benevole@example.org", "/tournees/"),
    "provider": ("cordonnier@example.org", "/prestataire/"),
    "concierge": ("concierge@example.org", "/comptoir/"),
}
ONE_ROW = 64  # px: a 44 px target and the bar's padding; a second row would make it 100 or more
# Every visible item of the header's row: the brand, the links, the menu button, the language.
ROW = ".header-bar > .brand, .nav-bar > li, .nav-menu > summary, .header-bar > .lang-switch"
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _open(new_page, role: str, viewport: dict, **kw):
    email, home = ROLES[role]
    page = new_page(viewport=viewport, **kw)
    if email:
        sign_in(page, email)
    page.goto(home)
    return page


def _row(page) -> list[tuple[str, float, float]]:
    """The visible items of the header's row: (text, top, bottom)."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector))
            .filter((el) => el.offsetParent !== null)
            .map((el) => {
              const box = el.getBoundingClientRect();
              return [el.textContent.trim().replace(/\\s+/g, " "), box.top, box.bottom];
            })""",
        ROW,
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_on_a_phone_the_header_is_one_row(new_page, role):
    page = _open(new_page, role, PHONE_390)
    shot(page, f"face-390-{role}")
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= ONE_ROW, f"{role}: the header is {header['height']} px high"
    row = _row(page)
    assert 3 <= len(row) <= 4, row  # the brand, one or two links, the menu button
    assert all(bottom <= header["height"] for _text, _top, bottom in row), row
    assert page.evaluate(SIDEWAYS) <= 0
    # Behind the button: the rest, the language and (signed in) signing out.
    page.locator("details.nav-menu > summary").click()
    panel = page.locator(".menu-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("button", name="English")).to_be_visible()
    if role != "anonymous":
        expect(panel.get_by_role("button", name="Se déconnecter")).to_be_visible()
        expect(panel.get_by_role("link", name="Mon compte")).to_be_visible()
    assert page.evaluate(SIDEWAYS) <= 0
    shot(page, f"face-390-{role}-menu")


def test_the_phone_menu_opens_and_closes_without_javascript(new_page):
    page = new_page(viewport=PHONE_390, java_script_enabled=False)
    sign_in(page, "habitante@example.org")  # a plain form: no script needed
    page.goto("/commandes/")
    panel = page.locator(".menu-panel")
    expect(panel).to_be_hidden()
    summary = page.locator("details.nav-menu > summary")
    # Without a script, the state is the browser's own (a <summary> is a button to it).
    assert summary.get_attribute("aria-expanded") is None
    summary.click()
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Mes abonnements")).to_be_visible()
    shot(page, "face-390-no-script-menu")
    summary.click()
    expect(panel).to_be_hidden()
    # The keyboard too: the summary is a button (Enter, Space).
    summary.focus()
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    page.keyboard.press("Tab")  # into the menu: its first link
    expect(panel.get_by_role("link").first).to_be_focused()
    summary.focus()
    page.keyboard.press("Space")
    expect(panel).to_be_hidden()
    # Signing out works from it, without a script.
    summary.click()
    panel.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("header form[action='/compte/deconnexion']")).to_have_count(0)


def test_with_javascript_escape_and_a_click_outside_close_the_menu(new_page):
    page = _open(new_page, "concierge", PHONE_390)
    summary = page.locator("details.nav-menu > summary")
    panel = page.locator(".menu-panel")
    expect(summary).to_have_attribute("aria-expanded", "false")
    summary.focus()
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(summary).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(panel.get_by_role("link", name="Bilan")).to_be_focused()
    # A visible focus on the button, and on the link in the menu.
    outline = panel.get_by_role("link", name="Bilan").evaluate(
        "(el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).boxShadow"
    )
    assert outline.startswith("solid") and "rgb(255, 191, 71)" in outline, outline
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(summary).to_be_focused()  # back on the button that opened it
    expect(summary).to_have_attribute("aria-expanded", "false")
    summary.click()
    expect(panel).to_be_visible()
    page.mouse.click(195, 820)  # on the page, below the open menu
    expect(panel).to_be_hidden()
    # The focus leaving the menu (Tab past its last item) closes it too.
    summary.click()
    page.locator(".menu-panel .lang-switch button").focus()
    page.keyboard.press("Tab")
    expect(panel).to_be_hidden()


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("viewport", [DESK, LAPTOP], ids=["1366", "1024"])
def test_on_a_desktop_no_nav_item_wraps(new_page, role, viewport):
    page = _open(new_page, role, viewport)
    shot(page, f"face-{viewport['width']}-{role}")
    items = page.locator(".nav-bar > li:visible")
    assert items.count() >= 3
    first = items.first.evaluate("(el) => el.offsetTop")
    last = items.last.evaluate("(el) => el.offsetTop")
    assert first == last, _row(page)
    tops = [top for _text, top, _bottom in _row(page)]
    assert max(tops) - min(tops) < 12, _row(page)  # the brand, the menu and English too
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= ONE_ROW, f"{role}: the header is {header['height']} px high"
    if role != "anonymous":  # the rest behind the menu, signing out included
        page.locator("details.nav-menu > summary").click()
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
        assert page.evaluate(SIDEWAYS) <= 0


PAGES_390 = {
    "anonymous": ["/", "/catalogue/", "/evenements/", "/mentions-legales"],
    "resident": ["/", "/conditions-generales-de-vente", "/commandes/", "/compte/"],
    "volunteer": ["/tournees/", "/volontaires/heures", "/evenements/"],
    "provider": ["/prestataire/", "/prestataire/releves/"],
    "concierge": ["/comptoir/", "/gestion/", "/comptoir/bilan/", "/tournees/plan"],
}


@pytest.mark.parametrize("role", list(PAGES_390))
def test_no_page_scrolls_sideways_at_390_px(new_page, role):
    page = _open(new_page, role, PHONE_390)
    wide = {}
    for url in PAGES_390[role]:
        page.goto(url)
        wide[url] = page.evaluate(SIDEWAYS)
    assert all(px <= 0 for px in wide.values()), wide


@pytest.mark.parametrize(("role", "viewport"), [("anonymous", DESK), ("resident", PHONE_390)])
def test_the_home_page_shows_the_partners_and_the_next_events_with_their_pictures(
    new_page, role, viewport
):
    page = _open(new_page, role, viewport)
    page.goto("/")
    partners = page.locator("section[aria-labelledby=partners] .card")
    # The demo's eight visible providers (and any another test of the session added).
    assert partners.count() >= 8
    cobbler = partners.filter(has_text="Cordonnerie Gambetta")
    expect(cobbler).to_contain_text("Installé rue Gambetta")  # with its description
    pictures = page.locator("section[aria-labelledby=events] img.card-image")
    expect(pictures).to_have_count(3)
    for i in range(3):
        assert pictures.nth(i).evaluate("(img) => img.complete && img.naturalWidth") == 1200
    footer = page.locator("footer.site-footer")
    expect(footer.get_by_role("link", name="Mentions légales")).to_be_visible()
    expect(footer.get_by_role("link", name="03 53 01 00 59")).to_be_visible()
    assert page.evaluate(SIDEWAYS) <= 0
    shot(page, f"face-home-{viewport['width']}-{role}")
