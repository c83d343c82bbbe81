"""Closures in the pages: the staff's own (and only theirs), the concierge's per provider, the
customers' view on the provider's page, and the desk's closures and public holidays on the
home page."""

from __future__ import annotations

from datetime import date

import pytest

from conciergerie.models import DeskClosure, ProviderClosure, Role
from tests.conftest import submit
from tests.factories import make_provider, open_provider


@pytest.fixture
def provider(session):
    return open_provider(make_provider(session, name="Horlogerie Solférino", slug="horlogerie"))


def holidays(provider, first, last, reason="Congés d'hiver"):
    closure = ProviderClosure(first_day=first, last_day=last, reason=reason)
    provider.closures.append(closure)
    return closure


def test_the_staff_record_a_closure_of_their_own_provider(client, session, provider, login_as):
    login_as(Role.PROVIDER, provider=provider)
    page = client.get("/prestataire/fermetures").get_data(as_text=True)
    assert "Aucune fermeture prévue." in page and "Horlogerie Solférino" in page
    response = submit(
        client,
        "/prestataire/fermetures",
        {"first_day": "2026-12-07", "last_day": "2026-12-11", "reason": "Salon de Besançon"},
    )
    assert response.status_code == 302
    [closure] = provider.closures
    assert (closure.first_day, closure.last_day) == (date(2026, 12, 7), date(2026, 12, 11))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Salon de Besançon" in page and "Fermeture enregistrée" in page


def test_a_refused_closure_says_why_on_its_field(client, session, provider, login_as):
    login_as(Role.PROVIDER, provider=provider)
    response = submit(
        client,
        "/prestataire/fermetures",
        {"first_day": "2026-12-07", "last_day": "2026-12-01", "reason": "Congés"},
    )
    assert response.status_code == 422
    assert "Le dernier jour suit le premier." in response.get_data(as_text=True)
    assert provider.closures == []


def test_the_staff_see_only_their_own_provider_s_closures(client, session, provider, login_as):
    holidays(provider, date(2026, 12, 7), date(2026, 12, 11), reason="Salon de Besançon")
    other = make_provider(session)
    session.flush()
    login_as(Role.PROVIDER, provider=other)
    page = client.get("/prestataire/fermetures").get_data(as_text=True)
    assert "Salon de Besançon" not in page


def test_another_provider_s_closure_cannot_be_removed_by_its_staff(
    client, session, provider, login_as
):
    closure = holidays(provider, date(2026, 12, 7), date(2026, 12, 11))
    session.flush()
    login_as(Role.PROVIDER, provider=make_provider(session))
    response = submit(
        client, f"/fermetures/{closure.id}/supprimer", {}, form_url="/prestataire/fermetures"
    )
    assert response.status_code == 404
    assert provider.closures == [closure]


def test_the_staff_remove_their_own(client, session, provider, login_as):
    closure = holidays(provider, date(2026, 12, 7), date(2026, 12, 11))
    session.flush()
    login_as(Role.PROVIDER, provider=provider)
    response = submit(
        client, f"/fermetures/{closure.id}/supprimer", {}, form_url="/prestataire/fermetures"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/prestataire/fermetures"
    session.expire_all()
    assert provider.closures == []


def test_the_concierge_records_and_removes_any_provider_s(client, session, provider, login_as):
    login_as(Role.CONCIERGE)
    url = f"/gestion/prestataires/{provider.id}/fermetures"
    assert "Noter une fermeture" in client.get(url).get_data(as_text=True)
    edit = client.get(f"/gestion/prestataires/{provider.id}").get_data(as_text=True)
    assert f'href="{url}"' in edit
    response = submit(client, url, {"first_day": "2026-12-01", "reason": "Inventaire"})
    assert response.status_code == 302 and response.headers["Location"] == url
    [closure] = provider.closures
    assert closure.first_day == closure.last_day == date(2026, 12, 1)
    response = submit(client, f"/fermetures/{closure.id}/supprimer", {}, form_url=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    session.expire_all()
    assert provider.closures == []


def test_customers_see_the_closures_on_the_provider_s_page(client, session, provider):
    holidays(provider, date(2026, 12, 7), date(2026, 12, 11), reason="Salon de Besançon")
    holidays(provider, date(2026, 11, 20), date(2026, 11, 24), reason="Déjà passé")
    session.flush()
    page = client.get("/catalogue/prestataires/horlogerie").get_data(as_text=True)
    assert "Fermé du lundi 7 décembre au vendredi 11 décembre" in page
    assert "Salon de Besançon" in page and "Déjà passé" not in page


def test_a_page_kept_in_the_cache_shows_a_new_closure(client, session, provider, app, monkeypatch):
    monkeypatch.setitem(
        app.extensions,
        "public_page_cache",
        __import__("conciergerie.catalogue.cache", fromlist=["PageCache"]).PageCache(8),
    )
    url = "/catalogue/prestataires/horlogerie"
    assert "Fermé le" not in client.get(url).get_data(as_text=True)
    assert client.get(url).headers.get("X-Page-Cache") == "hit"
    holidays(provider, date(2026, 12, 7), date(2026, 12, 7), reason="Inventaire")
    session.flush()  # the catalogue's trigger draws a new version
    page = client.get(url)
    assert page.headers.get("X-Page-Cache") == "miss"
    assert "Fermé le lundi 7 décembre" in page.get_data(as_text=True)


def test_the_home_page_shows_the_desk_s_closures_and_the_next_public_holidays(client, session):
    session.add(DeskClosure(day=date(2026, 12, 24), reason="Veille de Noël"))
    session.flush()
    page = client.get("/").get_data(as_text=True)
    assert "jeudi 24 décembre — Veille de Noël" in page
    assert "Prochains jours fériés" in page
    assert "vendredi 25 décembre" in page and "Noël" in page
    assert "vendredi 1 janvier" in page or "vendredi 1er janvier" in page


def test_closures_recorded_and_removed_enter_the_change_log(client, session, provider, login_as):
    staff = login_as(Role.PROVIDER, provider=provider, full_name="Aurélie Dhalluin")
    submit(
        client,
        "/prestataire/fermetures",
        {"first_day": "2026-12-07", "last_day": "2026-12-11", "reason": "Salon de Besançon"},
    )
    [closure] = provider.closures
    submit(client, f"/fermetures/{closure.id}/supprimer", {}, form_url="/prestataire/fermetures")
    assert staff.full_name == "Aurélie Dhalluin"
    client.delete_cookie("session")
    login_as(Role.CONCIERGE)
    page = client.get("/gestion/journal").get_data(as_text=True)
    assert (
        page.count("Fermeture d&#39;un prestataire") + page.count("Fermeture d'un prestataire") == 2
    )
    assert "suppression" in page and "Salon de Besançon" in page and "7 décembre 2026" in page


def test_the_catalogue_says_which_provider_is_closed_today_and_until_when(
    client, session, provider
):
    holidays(provider, date(2026, 11, 23), date(2026, 11, 27), reason="Inventaire")
    session.flush()
    page = client.get("/catalogue/").get_data(as_text=True)
    assert "Fermé jusqu&#39;au vendredi 27 novembre inclus" in page or (
        "Fermé jusqu'au vendredi 27 novembre inclus" in page
    )


def test_the_staff_are_told_when_baskets_are_already_ordered_for_those_days(
    client, session, login_as
):
    from datetime import UTC, datetime

    from tests.factories import make_basket_offer, make_order, make_slot

    offer = make_basket_offer(session)
    make_order(
        session,
        offer=offer,
        pickup=make_slot(session, starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC)),
    )
    login_as(Role.PROVIDER, provider=offer.provider)
    response = submit(
        client, "/prestataire/fermetures", {"first_day": "2026-12-03", "reason": "Grêle"}
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 commande a déjà des paniers pour une livraison de ces jours-là" in page
