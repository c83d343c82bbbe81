"""An offer on quote: set in the management form (services only), shown "sur devis" in the
catalogue, the basket and the checkout, never charged when ordered."""

from __future__ import annotations

import sqlalchemy as sa

from conciergerie.models import Offer, Role
from tests import factories
from tests.conftest import submit

SERVICE = {"name": "Réparation", "kind": "service", "price": "15", "unit": "la paire",
           "turnaround_days": "3", "is_active": "y", "on_quote": "y"}  # fmt: skip


def test_the_concierge_sets_an_offer_on_quote_services_only(client, session, login_as):
    login_as(Role.CONCIERGE)
    provider = factories.make_provider(session, slug="cordonnerie")
    url = f"/gestion/prestataires/{provider.id}/offres/nouvelle"
    assert submit(client, url, SERVICE).status_code == 302
    offer = session.scalar(sa.select(Offer).where(Offer.name == "Réparation"))
    assert offer.on_quote and offer.price_cents == 1500
    basket = {**SERVICE, "name": "Panier", "kind": "basket", "delivery_weekday": "3",
              "order_cutoff_weekday": "1", "order_cutoff_time": "18:00"}  # fmt: skip
    response = submit(client, url, basket)
    assert response.status_code == 422
    assert "est pas sur devis" in response.get_data(as_text=True)
    assert session.scalar(sa.select(Offer).where(Offer.name == "Panier")) is None
    page = client.get("/catalogue/prestataires/cordonnerie").get_data(as_text=True)
    assert "Sur devis" in page and "à partir de 15,00\xa0€" in page


def test_the_basket_and_checkout_do_not_count_it(client, session, login_as):
    offer = factories.make_offer(session, name="Réparation", price_cents=1500, on_quote=True)
    login_as(Role.RESIDENT)
    submit(client, "/panier/ajouter", {"offer_id": offer.id, "quantity": 2},
           form_url=f"/catalogue/prestataires/{offer.provider.slug}")  # fmt: skip
    page = client.get("/panier").get_data(as_text=True)
    assert "Sur devis" in page and "30,00" not in page
    assert "rien ne sera fait avant votre accord" in page
    assert "1,50\xa0€" in page  # the fee alone
