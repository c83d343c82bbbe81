"""The producer's delivery list (its staff only, its own lines only; CSV), a sold-out basket
at the checkout (the API: tests/api/test_stock.py), and the stock in the management form."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from conciergerie.models import Order, Role
from tests.conftest import submit
from tests.factories import (
    make_basket_offer,
    make_order,
    make_slot,
    make_subscription,
    make_user,
)

EVENING = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # Thursday 3 Dec, 17:00 in Paris


@pytest.fixture
def offer(session):
    return make_basket_offer(session, name="Panier solo", stock_per_delivery=3, price_cents=1000)


@pytest.fixture
def pickup(session):
    return make_slot(session, starts_at=EVENING, capacity=10)


def test_the_producer_s_staff_see_their_delivery_list(client, session, offer, pickup, login_as):
    make_order(
        session,
        offer=offer,
        quantity=2,
        pickup=pickup,
        customer=make_user(session, full_name="Martine Delcroix"),
    )
    other = make_basket_offer(session, name="Panier d'ailleurs")
    make_order(session, offer=other, quantity=1, pickup=pickup)
    login_as(Role.PROVIDER, provider=offer.provider)
    # By default the next delivery (tomorrow's, its orders closed already); each day a link.
    first = client.get("/prestataire/livraisons/").get_data(as_text=True)
    assert "Livraison du jeudi 26 novembre" in first
    assert 'href="/prestataire/livraisons/?jour=2026-12-03"' in first
    page = client.get("/prestataire/livraisons/?jour=2026-12-03").get_data(as_text=True)
    assert "Livraison du jeudi 3 décembre" in page
    assert "Panier solo" in page and "MD" in page and "Martine" not in page
    assert "Panier d&#39;ailleurs" not in page and "Panier d'ailleurs" not in page
    assert "17:00" in page  # the collection slot
    assert "Télécharger (CSV)" in page


def test_the_list_downloads_as_csv(client, session, offer, pickup, login_as):
    order = make_order(
        session,
        offer=offer,
        quantity=2,
        pickup=pickup,
        customer=make_user(session, full_name="Martine Delcroix"),
    )
    login_as(Role.PROVIDER, provider=offer.provider)
    response = client.get("/prestataire/livraisons/2026-12-03.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "livraison-" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    header, row = text.lstrip("\ufeff").splitlines()
    assert header == "Offre;Quantité;Client·e (initiales);Retrait;Commande"
    assert row.startswith("Panier solo;2;MD;") and row.endswith(order.code)


def test_a_bad_day_is_a_404(client, offer, login_as):
    login_as(Role.PROVIDER, provider=offer.provider)
    assert client.get("/prestataire/livraisons/?jour=demain").status_code == 404
    assert client.get("/prestataire/livraisons/2026-13-03.csv").status_code == 404


def test_a_service_provider_sees_an_empty_list(client, login_as):
    login_as(Role.PROVIDER)
    page = client.get("/prestataire/livraisons/").get_data(as_text=True)
    assert "Aucun panier à livrer ce jour-là." in page


def test_the_portal_links_to_the_deliveries(client, offer, login_as):
    login_as(Role.PROVIDER, provider=offer.provider)
    page = client.get("/prestataire/").get_data(as_text=True)
    assert 'href="/prestataire/livraisons/"' in page and 'href="/prestataire/fermetures"' in page


def test_a_sold_out_basket_is_refused_at_the_checkout(client, session, offer, pickup, login_as):
    make_order(session, offer=offer, quantity=2, pickup=pickup)
    login_as(Role.RESIDENT)
    with client.session_transaction() as http_session:
        http_session["basket"] = {str(offer.id): 2}
    page = client.get("/commande").get_data(as_text=True)
    [pickup_id] = re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', page)[:1]
    response = submit(
        client, "/commande", {"pickup_slot": pickup_id, "payment": "desk"}, form_url="/commande"
    )
    assert response.status_code == 409
    assert "Il ne reste que 1 « Panier solo » pour la livraison du" in response.get_data(
        as_text=True
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1


def test_the_basket_page_says_what_is_left_before_the_checkout(
    client, session, offer, pickup, login_as
):
    make_order(session, offer=offer, quantity=2, pickup=pickup)
    login_as(Role.RESIDENT)
    with client.session_transaction() as http_session:
        http_session["basket"] = {str(offer.id): 1}
    page = client.get("/panier").get_data(as_text=True)
    assert "Livraison du jeudi 3 décembre" in page and "Encore 1 disponible" in page
    with client.session_transaction() as http_session:
        http_session["basket"] = {str(offer.id): 2}
    page = client.get("/panier").get_data(as_text=True)
    assert "Il n'en reste que 1 pour cette livraison." in page
    make_order(session, offer=offer, quantity=1, pickup=pickup)
    page = client.get("/panier").get_data(as_text=True)
    assert "Plus aucun pour cette livraison" in page


def test_the_concierge_sets_the_stock_in_the_offer_form(client, session, offer, login_as):
    login_as(Role.CONCIERGE)
    form = client.get(f"/gestion/offres/{offer.id}").get_data(as_text=True)
    assert "Paniers par livraison" in form and 'value="3"' in form
    data = {
        "name": offer.name,
        "description": "",
        "kind": "basket",
        "price": "10,00",
        "unit": "le panier",
        "turnaround_days": "0",
        "position": "0",
        "is_active": "y",
        "delivery_weekday": "3",
        "order_cutoff_weekday": "1",
        "order_cutoff_time": "12:00",
        "stock_per_delivery": "12",
    }
    response = submit(client, f"/gestion/offres/{offer.id}", data)
    assert response.status_code == 302
    session.refresh(offer)
    assert offer.stock_per_delivery == 12
    data["stock_per_delivery"] = ""
    submit(client, f"/gestion/offres/{offer.id}", data)
    session.refresh(offer)
    assert offer.stock_per_delivery is None


def test_a_service_keeps_no_stock(client, session, login_as, make_offer):
    service = make_offer(name="Ressemelage")
    login_as(Role.CONCIERGE)
    data = {
        "name": "Ressemelage",
        "kind": "service",
        "price": "10,00",
        "unit": "la paire",
        "turnaround_days": "2",
        "position": "0",
        "is_active": "y",
        "stock_per_delivery": "4",
    }
    assert submit(client, f"/gestion/offres/{service.id}", data).status_code == 302
    session.refresh(service)
    assert service.stock_per_delivery is None


def test_the_catalogue_says_how_many_baskets_come_per_delivery(client, offer):
    page = client.get(f"/catalogue/prestataires/{offer.provider.slug}").get_data(as_text=True)
    assert "3 paniers par livraison" in page


def test_the_concierge_is_warned_when_the_stock_falls_below_the_subscriptions(
    client, session, offer, login_as
):
    make_subscription(session, offer, quantity=3, first_delivery=EVENING.date())
    login_as(Role.CONCIERGE)
    data = {
        "name": offer.name,
        "kind": "basket",
        "price": "10,00",
        "unit": "le panier",
        "turnaround_days": "0",
        "position": "0",
        "is_active": "y",
        "delivery_weekday": "3",
        "order_cutoff_weekday": "1",
        "order_cutoff_time": "12:00",
        "stock_per_delivery": "2",
    }
    response = submit(client, f"/gestion/offres/{offer.id}", data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "les abonné·es attendent 3 paniers le jeudi 3 décembre, pour 2 apportés" in page
