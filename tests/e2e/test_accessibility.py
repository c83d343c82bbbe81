"""Every main page, for every role, in both languages, checked by axe-core in the browser
(WCAG 2.0/2.1/2.2 A and AA, with target-size on); and what each page ships of our own CSS and JS."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _LIVE, AXE, PHONE, first_working_day_after, open_menu, sign_in

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BUDGET = 100 * 1024  # bytes of our own CSS + JS per page
# Libraries vendored under /static/vendor/ (see its README) are counted on their own: their size
# is the library's, not ours to trim, and only the pages that need one load it. The camera
# scanner (qr-scanner) is 16 KB on the desk's page, 60 KB with its decoder once the camera is
# on; the rounds' map (Leaflet) 159 KB, 175 KB on the volunteer's rounds with the scanner. 200 KB
# leaves room for a heavier decoder, not for a framework.
VENDOR_BUDGET = 200 * 1024
VENDOR = "/static/vendor/"
# Real processes (a browser, servers) run on the machine's clock: so does this test.
pytestmark = pytest.mark.real_clock

ANONYMOUS = [
    "/",
    "/catalogue/",
    "/catalogue/prestataires/cordonnerie-gambetta",
    "/evenements/",
    "/compte/connexion",
    "/compte/inscription",
    "/confidentialite",
    "/mentions-legales",
    "/conditions-generales-de-vente",
]
DAY = first_working_day_after().isoformat()
MONTH = DAY[:7]  # any month's statement renders, with sales or not
BY_ROLE = {
    "habitante@example.org": [
        "/panier",
        "/commande",
        "/commandes/",
        "/abonnements/",
        "/compte/",
        "/compte/supprimer",
    ],
    "concierge@example.org": [
        "/comptoir/",
        f"/comptoir/?day={DAY}",  # the demo orders' day at the desk
        "/comptoir/?q=example.org",  # several orders found
        "/comptoir/commandes/1",  # the demo's first order, handed over: its history and money
        "/comptoir/commandes/{expected}",  # one expected at the desk: its reception form
        "/comptoir/nouvelle-commande",
        "/comptoir/abonnements",
        f"/tournees/plan?day={DAY}",
        "/comptoir/taches/",
        "/comptoir/horaires/",
        "/comptoir/bilan/",
        "/comptoir/bilan/impact",
        "/comptoir/bilan/tableau-de-bord",
        "/comptoir/bilan/prestataires/cordonnerie-gambetta",  # the payout form
        "/gestion/",
        "/gestion/prestataires/nouveau",
        "/gestion/entreprises/1",  # a subscribing company, with its history
        "/gestion/journal",
        "/gestion/utilisateurs",
        "/gestion/utilisateurs/nouveau",
        "/volontaires/heures",
        "/volontaires/disponibilites",
    ],
    "benevole@example.org": [
        f"/tournees/?day={DAY}",
        "/tournees/disponibilites",
        "/volontaires/heures",
        "/evenements/nouveau",
    ],
    "cordonnier@example.org": [
        "/prestataire/",
        "/prestataire/releves/",
        f"/prestataire/releves/{MONTH}",
    ],
}
SETTINGS = [("fr-FR", PHONE), ("en-GB", {"width": 1024, "height": 800})]


def audit(page, url: str, live_server: str) -> list[str]:
    """Load `url`; return axe's violations and the budgets, reflow or picture problems, as
    lines."""
    own = []

    def collect(response) -> None:
        where = urlparse(response.url)
        ours = where.netloc == urlparse(live_server).netloc
        if ours and where.path.endswith((".css", ".js")) and response.status == 200:
            own.append(response)

    page.on("response", collect)
    response = page.goto(url)
    page.wait_for_load_state("load")
    page.remove_listener("response", collect)
    assert response.status < 400, f"{url}: {response.status}"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            rules: {"target-size": {enabled: true}},
        })""",
        TAGS,
    )
    assert result["passes"], f"{url}: axe checked nothing"
    problems = [
        f"{url}: {v['id']} ({v['impact']}) {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]
    problems += over_budget(url, {urlparse(r.url).path: len(r.body()) for r in own})
    # WCAG 1.4.10 reflow: no sideways scrolling of the page (a wide table scrolls in its box).
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if wide > 0:
        problems.append(f"{url}: the page scrolls sideways by {wide}px")
    unsized = page.locator("img:not([width]), img:not([height])").count()
    if unsized:
        problems.append(f"{url}: {unsized} picture(s) without width and height")
    return problems


def over_budget(url: str, sizes: dict[str, int]) -> list[str]:
    """Our own CSS + JS and the vendored libraries among `sizes` (bytes by path, this site's
    .css and .js files), each against its budget."""
    vendored = sum(size for path, size in sizes.items() if path.startswith(VENDOR))
    ours = sum(sizes.values()) - vendored
    problems = []
    if ours > BUDGET:
        problems.append(f"{url}: {ours} bytes of our CSS+JS (budget {BUDGET})")
    if vendored > VENDOR_BUDGET:
        problems.append(f"{url}: {vendored} bytes of vendored CSS+JS (budget {VENDOR_BUDGET})")
    return problems


def _an_order_expected_at_the_desk() -> int:
    """A demo order confirmed and waiting for its items (the demo's coming days hold some; the
    first order when none does at this hour)."""
    import sqlalchemy as sa

    from conciergerie.extensions import db
    from conciergerie.models import Order, OrderStatus

    with _LIVE["app"].app_context():
        return (
            db.session.scalar(
                sa.select(Order.id)
                .where(Order.status == OrderStatus.CONFIRMED, Order.dropoff_slot_id.is_not(None))
                .order_by(Order.id)
                .limit(1)
            )
            or 1
        )


@pytest.mark.parametrize(("locale", "viewport"), SETTINGS, ids=["fr-phone", "en-desktop"])
def test_every_main_page_passes_axe(new_page, live_server, locale, viewport):
    problems = []
    page = new_page(viewport=viewport, locale=locale, bypass_csp=True)  # to inject axe
    for url in ANONYMOUS:
        problems += audit(page, url, live_server)
    for email, urls in BY_ROLE.items():
        page = new_page(viewport=viewport, locale=locale, bypass_csp=True)
        sign_in(page, email)
        if email.startswith("habitante"):  # a basket, so that the basket and checkout show
            page.goto("/catalogue/prestataires/cordonnerie-gambetta")
            page.get_by_role("button", name=re.compile("^(Ajouter|Add)")).first.click()
        for url in urls:
            url = url.format(expected=_an_order_expected_at_the_desk())
            problems += audit(page, url, live_server)
        if email.startswith("habitante"):  # checkout's second step, then the order itself
            page.goto("/commande")
            page.locator("input[name=depot]").first.check()
            page.locator("main form button[type=submit]").click()
            problems += audit(page, page.url.removeprefix(live_server), live_server)
            page.locator("input[name=pickup_slot]").first.check()
            page.locator("input[name=payment][value=desk]").check()
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(re.compile(r"/commandes/\d+$"))
            problems += audit(page, page.url.removeprefix(live_server), live_server)
    assert problems == []


def test_the_language_switch_keeps_the_page(new_page):
    page = new_page(viewport=PHONE)
    page.goto("/catalogue/prestataires/cordonnerie-gambetta")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    open_menu(page)  # on a phone, the language switch is behind the menu button
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/catalogue/prestataires/cordonnerie-gambetta")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Catalogue")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Add to basket")).first).to_be_visible()
    open_menu(page)
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
