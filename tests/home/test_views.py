from datetime import timedelta

import pytest

from conciergerie import create_app
from conciergerie.config import TestingConfig
from conciergerie.demo.service import load_demo_data
from conciergerie.models import Role
from tests.factories import NOW, make_event, make_provider


def test_home_page_tells_where_and_when_the_desk_opens(client, session):
    load_demo_data(session, now=NOW, lived_in=False)
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "75 rue Gambetta" in html and "La Grappe" in html
    # Off-peak hours: early morning, lunch, evening and Saturday morning.
    assert "07:30" in html and "12:00" in html and "20:00" in html
    assert "Samedi" in html and "09:00" in html
    assert 'href="/catalogue/"' in html


def test_home_page_switches_to_english(client, session):
    load_demo_data(session, now=NOW, lived_in=False)
    token_page = client.get("/").get_data(as_text=True)
    assert "Voir le catalogue" in token_page
    from tests.conftest import submit

    response = submit(client, "/langue", {"lang": "en", "next": "/catalogue/"}, form_url="/")
    assert response.status_code == 302 and response.headers["Location"] == "/catalogue/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Saturday" in html
    assert "Voir le catalogue" not in html


def test_browser_language_is_honoured_without_a_choice(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_language_switch_refuses_offsite_redirects(client):
    from tests.conftest import submit

    response = submit(client, "/langue", {"lang": "en", "next": "//evil.example"}, form_url="/")
    assert response.headers["Location"] == "/"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    # A SQLite file in a folder that does not exist cannot be opened.
    unreachable = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    )
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_healthz_answers_503_when_postgresql_is_down():
    # Nothing listens on port 1: the connection is refused at once.
    unreachable = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
    )
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503


def test_pages_answer_503_in_the_layout_when_the_database_is_down(tmp_path):
    unreachable = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"
    )
    response = unreachable.test_client().get("/catalogue/")
    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.get_data(as_text=True)


# The site's face: the footer, the legal pages, the favicon, the partners and the events ----------

LEGAL_PAGES = ["/mentions-legales", "/conditions-generales-de-vente"]


@pytest.mark.parametrize("url", ["/", "/catalogue/", "/confidentialite", *LEGAL_PAGES])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_has_the_desk_s_contact_and_the_legal_links_in_its_footer(client, url, lang):
    page = client.get(url, headers={"Accept-Language": lang})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    footer = html[html.index('<footer class="site-footer">') :]
    assert "La Grappe, 75 rue Gambetta, 59000 Lille" in footer
    assert 'href="mailto:bonjour@etvoila-gambetta.fr"' in footer
    assert 'href="tel:+33353010059">03 53 01 00 59</a>' in footer
    assert (
        'href="https://www.openstreetmap.org/?mlat=50.62735&amp;mlon=3.05295'
        '#map=18/50.62735/3.05295"' in footer
    )
    for legal in LEGAL_PAGES + ["/confidentialite"]:
        assert f'href="{legal}"' in footer


def test_every_signed_in_role_has_the_footer_too(client, login_as):
    for role in Role:
        login_as(role)
        html = client.get("/compte/").get_data(as_text=True)
        assert 'href="/mentions-legales"' in html and 'href="tel:+33353010059"' in html, role


@pytest.mark.parametrize(
    ("lang", "title"),
    [("fr", "Mentions légales"), ("en", "Legal notice")],
)
def test_the_legal_notice_names_publisher_director_and_host(client, app, monkeypatch, lang, title):
    monkeypatch.setitem(app.config, "ASSOCIATION_SIRET", "12345678900011")
    html = client.get("/mentions-legales", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    for value in (
        "Association Et voilà Gambetta",
        "Association déclarée régie par la loi du 1er juillet 1901",
        "La Grappe, 75 rue Gambetta, 59000 Lille",
        "12345678900011",
        "Camille Roussel, présidente de l&#39;association",
        "OVH SAS",
        "2 rue Kellermann, 59100 Roubaix",
        "09 72 10 10 07",
        "TVA non applicable, article 293 B du CGI",
    ):
        assert value in html, value


def test_the_legal_notice_leaves_out_an_unset_siret(client):
    assert "SIRET" not in client.get("/mentions-legales").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            [
                "Conditions générales de vente",
                "1,50\xa0€",  # the residents' service fee
                "au plus 20 articles",
                "au plus 3 commandes",
                "ses créneaux 30 minutes",
                "au début de son créneau de dépôt",
                "rappelle 2 jours plus tard",
                "Au bout de 30 jours",
            ],
        ),
        (
            "en",
            [
                "Terms of sale",
                "€1.50",
                "at most 20 items",
                "at most 3 orders",
                "its slots for 30 minutes",
                "until its drop-off slot starts",
                "reminds you 2 days later",
                "After 30 days",
            ],
        ),
    ],
)
def test_the_terms_of_sale_state_the_rules_the_app_runs_with(client, lang, words):
    html = client.get("/conditions-generales-de-vente", headers={"Accept-Language": lang}).get_data(
        as_text=True
    )
    for word in words:
        assert word in html, word
    assert "médiateur" not in html and "mediator" not in html  # none configured


def test_the_terms_follow_the_settings(client, app, monkeypatch):
    for key, value in (
        ("RESIDENT_FEE_CENTS", 200),
        ("UNCOLLECTED_AFTER_DAYS", 45),
        ("CONSUMER_MEDIATOR", "Médiateur X"),
    ):
        monkeypatch.setitem(app.config, key, value)
    html = client.get("/conditions-generales-de-vente").get_data(as_text=True)
    assert "2,00\xa0€" in html and "Au bout de 45 jours" in html
    assert "médiateur de la consommation : Médiateur X" in html


def test_the_favicon_is_served_at_the_root(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert "max-age" in response.headers["Cache-Control"]


def test_every_page_names_its_icons_and_they_are_served(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    for path, mimetype in (
        ("img/favicon.svg", "image/svg+xml"),
        ("img/apple-touch-icon.png", "image/png"),
        ("img/logo.svg", "image/svg+xml"),
    ):
        assert f'href="/static/{path}?v=' in html or f'src="/static/{path}?v=' in html, path
        with client.get(f"/static/{path}") as response:
            assert response.status_code == 200 and response.mimetype == mimetype, path


def test_the_logo_has_a_text_alternative(client):
    with client.get("/static/img/logo.svg") as response:
        svg = response.get_data(as_text=True)
    assert 'role="img"' in svg and "<title" in svg and "Et voilà Gambetta</title>" in svg
    html = client.get("/catalogue/").get_data(as_text=True)
    # In the header the logo stands beside the name, which names the link: it is decorative.
    brand = html[
        html.index('<a class="brand"') : html.index("</a>", html.index('<a class="brand"'))
    ]
    assert 'alt=""' in brand and "Et voilà <span>Gambetta</span>" in brand


def test_the_home_page_shows_the_visible_partners_and_the_next_events_pictures(client, session):
    hidden = make_provider(session, name="Atelier fermé", is_active=False)
    shown = make_provider(session, name="Atelier ouvert", description="Tout se répare ici.")
    pictured = make_event(session, title="Café réparation", image_name="abc.jpg")
    plain = make_event(session, title="Rencontre", starts_at=NOW + timedelta(days=9))
    html = client.get("/").get_data(as_text=True)
    assert shown.name in html and "Tout se répare ici." in html
    assert f'href="/catalogue/prestataires/{shown.slug}"' in html
    assert hidden.name not in html
    assert f'src="/evenements/{pictured.id}/image"' in html
    assert f'src="/evenements/{plain.id}/image"' not in html  # no picture: none shown
    assert html.index("Café réparation") < html.index("Rencontre")  # the next one first
