"""The header's links: one or two in a phone's row per role, the rest behind the menu button."""

from __future__ import annotations

import re

import pytest

from conciergerie.home.navigation import Place, nav_links
from conciergerie.models import Role


def labels(links, *places):
    return [link.label for link in links if link.place in places]


@pytest.mark.parametrize(
    ("role", "bar", "wide", "menu"),
    [
        (
            None,
            ["Catalogue"],
            ["Événements", "Panier", "Se connecter", "Créer un compte"],
            [],
        ),
        (
            Role.RESIDENT,
            ["Catalogue", "Panier"],
            ["Mes commandes", "Événements"],
            ["Mes abonnements", "Salles", "Mon compte"],
        ),
        (
            Role.VOLUNTEER,
            ["Mes tournées"],
            ["Comptoir", "Mes heures", "Événements"],
            ["Catalogue", "Mon compte"],
        ),
        (
            Role.PROVIDER,
            ["Mes travaux"],
            ["Mes relevés", "Catalogue", "Événements"],
            ["Livraisons de paniers", "Mes fermetures", "Mes offres et horaires", "Mon compte"],
        ),
        (
            Role.CONCIERGE,
            ["Comptoir", "Tournées"],
            ["Bilan", "Gestion", "Comptes"],
            ["Horaires", "Tâches", "Catalogue", "Événements", "Salles", "Mon compte"],
        ),
    ],
)
def test_each_role_has_one_or_two_links_in_a_phone_s_row(app, role, bar, wide, menu):
    with app.test_request_context("/"):
        links = nav_links(role, here="home.index")
    assert labels(links, Place.BAR) == bar
    assert 1 <= len(bar) <= 2
    assert labels(links, Place.WIDE) == wide
    assert labels(links, Place.MENU) == menu


@pytest.mark.parametrize(
    ("role", "here", "current"),
    [
        (Role.RESIDENT, "orders.detail", "Mes commandes"),
        (Role.RESIDENT, "catalogue.provider", "Catalogue"),
        (Role.CONCIERGE, "manage.edit_user", "Comptes"),
        (Role.CONCIERGE, "manage.edit_offer", "Gestion"),
        (Role.CONCIERGE, "desk.order", "Comptoir"),
        (Role.PROVIDER, "portal.statement", "Mes relevés"),
        (Role.PROVIDER, "portal.index", "Mes travaux"),
        (Role.PROVIDER, "portal.edit_offer", "Mes offres et horaires"),
        (Role.VOLUNTEER, "rounds.availability", "Mes tournées"),
    ],
)
def test_the_page_s_own_link_is_current(app, role, here, current):
    with app.test_request_context("/"):
        links = nav_links(role, here=here)
    assert [link.label for link in links if link.current] == [current]


def test_the_basket_link_counts_its_articles(app):
    with app.test_request_context("/"):
        [basket] = [link for link in nav_links(Role.RESIDENT, here="") if link.url == "/panier"]
    assert basket.badge == 0
    with app.test_request_context("/"):
        [basket] = [
            link
            for link in nav_links(Role.RESIDENT, here="", basket_size=3)
            if link.url == "/panier"
        ]
    assert basket.badge == 3


def test_staff_have_no_basket(app):
    with app.test_request_context("/"):
        for role in (Role.VOLUNTEER, Role.PROVIDER, Role.CONCIERGE):
            assert "/panier" not in [link.url for link in nav_links(role, here="")]


def test_the_menu_is_a_disclosure_that_holds_the_rest_and_signing_out(client, login_as):
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/").get_data(as_text=True)
    header = html[html.index("<header") : html.index("</header>")]
    bar = header[header.index('<ul class="nav-bar">') : header.index("</ul>")]
    menu = header[header.index('<details class="nav-menu">') : header.index("</details>")]
    assert "<summary>" in menu and ">Menu</summary>" in menu
    # The row: the desk (current) and the rounds; from 60rem up, the back office's main pages.
    assert re.findall(r'<li( class="wide-only")?><a href="([^"]+)"', bar) == [
        ("", "/comptoir/"),
        ("", "/tournees/plan"),
        (' class="wide-only"', "/comptoir/bilan/tableau-de-bord"),
        (' class="wide-only"', "/gestion/"),
        (' class="wide-only"', "/gestion/utilisateurs"),
    ]
    assert 'href="/comptoir/" aria-current="page"' in bar
    # The menu: the same wide links for a phone, then the rest, signing out and the language.
    assert re.findall(r'<li( class="narrow-only")?><a href="([^"]+)"', menu) == [
        (' class="narrow-only"', "/comptoir/bilan/tableau-de-bord"),
        (' class="narrow-only"', "/gestion/"),
        (' class="narrow-only"', "/gestion/utilisateurs"),
        ("", "/comptoir/horaires/"),
        ("", "/comptoir/taches/"),
        ("", "/catalogue/"),
        ("", "/evenements/"),
        ("", "/gestion/salles/"),
        ("", "/compte/"),
    ]
    assert 'action="/compte/deconnexion"' in menu and "Se déconnecter" in menu
    assert 'class="lang-switch narrow-only"' in menu
    assert header.count('name="lang" value="en"') == 2  # in the menu, and in the row from 60rem


def test_an_anonymous_visitor_s_menu_is_for_the_phone_only(client):
    html = client.get("/").get_data(as_text=True)
    assert '<details class="nav-menu narrow-only">' in html
    assert "Se déconnecter" not in html
    assert 'href="/" aria-current="page"' in html  # the brand, on the home page


def test_the_menu_needs_no_script_but_gets_one(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<script src="/static/js/nav\.js\?v=\w+" defer></script>', html)
