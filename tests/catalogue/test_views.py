import pytest

from conciergerie.demo.service import load_demo_data
from conciergerie.models import OfferKind
from tests.factories import NOW


@pytest.fixture
def demo(session):
    load_demo_data(session, now=NOW, lived_in=False)


def test_catalogue_lists_the_partner_providers(client, demo):
    html = client.get("/catalogue/").get_data(as_text=True)
    for name in (
        "Cordonnerie Gambetta",
        "Repassage Lille Sud Insertion",
        "Paniers de Terre d&#39;Opale",
    ):
        assert name in html
    assert "Entreprise d&#39;insertion" in html
    assert " m</dd>" in html or " km</dd>" in html


def test_catalogue_filters_by_category(client, demo):
    html = client.get("/catalogue/?categorie=cordonnerie").get_data(as_text=True)
    assert "Cordonnerie Gambetta" in html and "L&#39;Affûteur des Moulins" in html
    assert "Lille Sud Insertion" not in html
    assert 'aria-current="page" lang="fr">Cordonnerie, clés et affûtage' in html


def test_unknown_category_is_a_404_in_the_layout(client, demo):
    response = client.get("/catalogue/?categorie=nimporte-quoi")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Cette catégorie n&#39;existe pas." in html and "Et voilà" in html


def test_provider_page_shows_why_it_is_local_and_its_offers(client, demo):
    response = client.get("/catalogue/prestataires/cordonnerie-gambetta")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Chambre de métiers" in html
    assert "112 rue Gambetta" in html
    assert "Distance du comptoir" in html
    # "ressemelage, 18,00 €, la paire, prêt en 3 jours"
    assert "Ressemelage (demi-semelles)" in html
    assert "18,00\xa0€" in html
    assert "la paire" in html
    assert "prêt en 3 jours ouvrés" in html
    assert "prêt le jour même" in html  # key copies


def test_basket_offers_show_their_delivery_day(client, demo):
    html = client.get("/catalogue/prestataires/terre-d-opale").get_data(as_text=True)
    assert "livré le jeudi au comptoir" in html
    assert "Panier famille" in html and "22,00\xa0€" in html


def test_provider_page_in_english(client, demo):
    html = client.get(
        "/catalogue/prestataires/cordonnerie-gambetta", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "€18.00" in html
    assert "ready in 3 working days" in html


def test_unknown_provider_is_a_404_page_in_the_layout(client):
    response = client.get("/catalogue/prestataires/inconnu")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page introuvable" in html
    assert 'href="/catalogue/"' in html  # the site's navigation is there


def test_inactive_provider_and_offers_are_hidden(client, make_provider, make_offer):
    closed = make_provider(slug="ferme", is_active=False)
    assert client.get(f"/catalogue/prestataires/{closed.slug}").status_code == 404
    open_ = make_provider(slug="ouvert")
    make_offer(provider=open_, name="Visible")
    make_offer(provider=open_, name="Retirée", is_active=False)
    html = client.get("/catalogue/prestataires/ouvert").get_data(as_text=True)
    assert "Visible" in html and "Retirée" not in html


def test_offer_kinds_have_database_constraints(session, make_offer):
    import sqlalchemy.exc

    with pytest.raises(sqlalchemy.exc.IntegrityError), session.begin_nested():
        make_offer(kind=OfferKind.BASKET)  # a basket needs its delivery day
    with pytest.raises(sqlalchemy.exc.IntegrityError), session.begin_nested():
        make_offer(price_cents=-1)
