"""The concierge manages providers, their hours and offers, and member companies; all logged."""

import pytest
import sqlalchemy as sa

from conciergerie.models import AuditEntry, MemberCompany, Offer, Provider, Role
from tests.conftest import submit

PROVIDER = {
    "name": "Clés Minute Gambetta",
    "slug": "cles-minute",
    "summary": "Clés et tampons, rue Gambetta.",
    "description": "Double de clés en cinq minutes.",
    "ess_status": "Commerce indépendant",
    "local_story": "À 200 m de La Grappe.",
    "address": "120 rue Gambetta, 59000 Lille",
    "latitude": "50,6271",
    "longitude": "3.0519",
    "commission_rate": "7,5",
    "is_active": "y",
    "hours_0": "09:00-12:30, 14h00-19h00",
    "hours_5": "09:00-12:00",
}


def _provider_form(make_category, **changes):
    category = make_category()
    return {**PROVIDER, "category_id": category.id, **changes}


def _entries(session, entity):
    return session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
    ).all()


def test_the_concierge_adds_a_provider_with_its_hours_and_it_is_logged(
    client, session, login_as, make_category
):
    concierge = login_as(Role.CONCIERGE, full_name="Camille")
    response = submit(client, "/gestion/prestataires/nouveau", _provider_form(make_category))
    assert response.status_code == 302
    provider = session.scalar(sa.select(Provider).where(Provider.slug == "cles-minute"))
    assert provider.commission_rate_bp == 750 and provider.latitude == 50.6271
    assert [(r.weekday, f"{r.opens_at:%H:%M}", f"{r.closes_at:%H:%M}") for r in
            provider.opening_ranges] == [(0, "09:00", "12:30"), (0, "14:00", "19:00"),
                                         (5, "09:00", "12:00")]  # fmt: skip
    [entry] = _entries(session, "provider")
    assert entry.action == "create" and entry.actor_id == concierge.id
    assert entry.changes["name"] == [None, "Clés Minute Gambetta"]
    assert "0: 09:00-12:30, 14:00-19:00" in entry.changes["opening_hours"][1]
    # On the public catalogue at once.
    assert "Clés Minute Gambetta" in client.get("/catalogue/").get_data(as_text=True)
    log = client.get("/gestion/journal").get_data(as_text=True)
    assert "Camille" in log and "Clés Minute Gambetta" in log


def test_an_edit_logs_each_field_before_and_after_and_a_plain_save_logs_nothing(
    app, client, session, login_as, make_category
):
    login_as(Role.CONCIERGE)
    form = _provider_form(make_category)
    submit(client, "/gestion/prestataires/nouveau", form)
    provider = session.scalar(sa.select(Provider).where(Provider.slug == "cles-minute"))
    url = f"/gestion/prestataires/{provider.id}"
    assert submit(client, url, form).status_code == 302
    assert len(_entries(session, "provider")) == 1  # nothing changed
    edited = {**form, "name": "Clés Minute", "hours_0": "", "is_active": ""}
    del edited["is_active"]
    assert submit(client, url, edited).status_code == 302
    update = _entries(session, "provider")[-1]
    assert update.action == "update"
    assert update.changes["name"] == ["Clés Minute Gambetta", "Clés Minute"]
    assert update.changes["is_active"] == ["True", "False"]
    assert update.changes["opening_hours"][1] == "5: 09:00-12:00"
    session.expire_all()
    assert [r.weekday for r in provider.opening_ranges] == [5]
    visitor = app.test_client()
    assert "Clés Minute" not in visitor.get("/catalogue/").get_data(as_text=True)  # hidden


def test_bad_hours_slugs_and_numbers_are_form_errors(client, session, login_as, make_category):
    login_as(Role.CONCIERGE)
    make_category  # noqa: B018
    cases = {
        "hours_1": ("9-12", "écrivez par exemple 09:00-12:30"),
        "hours_2": ("14:00-12:00", "la fermeture doit suivre l&#39;ouverture"),
        "hours_3": ("09:00-12:00, 11:00-13:00", "se chevauchent"),
        "hours_4": ("25:00-26:00", "cette heure n&#39;existe pas"),
        "slug": ("Clés Minute", "Lettres minuscules"),
        "latitude": ("nord", "Un nombre est attendu"),
        "commission_rate": ("80", "Entre 0 et 50"),
    }
    for field, (value, message) in cases.items():
        response = submit(
            client, "/gestion/prestataires/nouveau", _provider_form(make_category, **{field: value})
        )
        assert response.status_code == 422, field
        assert message in response.get_data(as_text=True), field
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_taken_slug_is_refused(client, session, login_as, make_category, make_provider):
    login_as(Role.CONCIERGE)
    make_provider(slug="cles-minute")
    response = submit(client, "/gestion/prestataires/nouveau", _provider_form(make_category))
    assert response.status_code == 422
    assert "déjà pris" in response.get_data(as_text=True)


def test_offers_services_and_baskets(client, session, login_as, make_provider):
    login_as(Role.CONCIERGE)
    provider = make_provider(slug="atelier")
    url = f"/gestion/prestataires/{provider.id}/offres/nouvelle"
    service = {"name": "Talons", "kind": "service", "price": "18,50", "unit": "la paire",
               "turnaround_days": "2", "is_active": "y"}  # fmt: skip
    assert submit(client, url, service).status_code == 302
    offer = session.scalar(sa.select(Offer).where(Offer.name == "Talons"))
    assert offer.price_cents == 1850 and offer.turnaround_days == 2
    html = client.get("/catalogue/prestataires/atelier").get_data(as_text=True)
    assert "Talons" in html and "18,50\xa0€" in html
    # A basket needs its delivery day and cut-off; a service must not have them.
    basket = {**service, "name": "Panier", "kind": "basket"}
    response = submit(client, url, basket)
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("Obligatoire pour un panier.") >= 3
    response = submit(client, url, {**service, "delivery_weekday": "3"})
    assert "Seulement pour un panier." in response.get_data(as_text=True)
    ok = {**basket, "delivery_weekday": "3", "order_cutoff_weekday": "1",
          "order_cutoff_time": "18:00"}  # fmt: skip
    assert submit(client, url, {**ok, "weight_kg": "4,5"}).status_code == 302
    assert session.scalar(sa.select(Offer.weight_grams).where(Offer.name == "Panier")) == 4_500
    [created_service, created_basket] = [e.label for e in _entries(session, "offer")]
    assert (created_service, created_basket) == ("Talons", "Panier")


def test_member_companies_and_their_subscription(client, session, login_as):
    login_as(Role.CONCIERGE)
    form = {"name": "Coopérative Lilloise", "slug": "coop-lilloise", "headcount": "12",
            "is_subscriber": "y", "yearly_fee": "1 200,00"}  # fmt: skip
    assert submit(client, "/gestion/entreprises/nouvelle", form).status_code == 302
    company = session.scalar(sa.select(MemberCompany).where(MemberCompany.slug == "coop-lilloise"))
    assert company.yearly_fee_cents == 120_000 and company.headcount == 12
    # Shown again the French way, in a text field (a number field drops a comma in a browser
    # whose own language is not French), and saved back unchanged.
    page = client.get(f"/gestion/entreprises/{company.id}").get_data(as_text=True)
    assert 'type="text"' in page and 'value="1200,00"' in page and 'inputmode="decimal"' in page
    again = {**form, "yearly_fee": "1200,00"}
    assert submit(client, f"/gestion/entreprises/{company.id}", again).status_code == 302
    session.expire_all()
    assert company.yearly_fee_cents == 120_000
    # In English, the English way.
    submit(client, "/langue", {"lang": "en", "next": "/"}, form_url="/")
    page = client.get(f"/gestion/entreprises/{company.id}").get_data(as_text=True)
    assert 'value="1200.00"' in page
    submit(client, "/langue", {"lang": "fr", "next": "/"}, form_url="/")
    not_subscribing = {**form, "slug": "autre", "yearly_fee": "300"}
    del not_subscribing["is_subscriber"]
    response = submit(client, "/gestion/entreprises/nouvelle", not_subscribing)
    assert response.status_code == 422
    assert "ne paie pas d&#39;abonnement" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("latitude", "sNaN", "Un nombre est attendu"),
        ("longitude", "Infinity", "Un nombre est attendu"),
        ("commission_rate", "7,555", "2 chiffres après la virgule au plus"),
    ],
)
def test_odd_numbers_are_form_errors(client, login_as, make_category, field, value, message):
    login_as(Role.CONCIERGE)
    response = submit(
        client, "/gestion/prestataires/nouveau", _provider_form(make_category, **{field: value})
    )
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_weight_and_repair_belong_to_their_kind_of_offer(client, session, login_as, make_provider):
    login_as(Role.CONCIERGE)
    url = f"/gestion/prestataires/{make_provider().id}/offres/nouvelle"
    service = {"name": "Talons", "kind": "service", "price": "18", "unit": "la paire",
               "turnaround_days": "2", "weight_kg": "3"}  # fmt: skip
    assert "Seulement pour un panier." in submit(client, url, service).get_data(as_text=True)
    basket = {"name": "Panier", "kind": "basket", "price": "10", "unit": "le panier",
              "turnaround_days": "0", "delivery_weekday": "3", "order_cutoff_weekday": "1",
              "order_cutoff_time": "18:00", "is_repair": "y"}  # fmt: skip
    page = submit(client, url, basket).get_data(as_text=True)
    assert "Un panier n&#39;est pas une réparation." in page or (
        "Un panier n'est pas une réparation." in page
    )


def test_the_impact_flags_are_logged(client, session, login_as, make_category):
    login_as(Role.CONCIERGE)
    form = _provider_form(make_category)
    submit(client, "/gestion/prestataires/nouveau", form)
    provider = session.scalar(sa.select(Provider).where(Provider.slug == "cles-minute"))
    submit(client, f"/gestion/prestataires/{provider.id}",
           {**form, "is_integration_enterprise": "y"})  # fmt: skip
    assert _entries(session, "provider")[-1].changes["is_integration_enterprise"] == [
        "False",
        "True",
    ]


def test_a_slug_taken_in_the_same_instant_is_a_form_error(
    client, session, login_as, make_category, make_provider, monkeypatch
):
    from conciergerie.manage import service

    login_as(Role.CONCIERGE)
    other = _provider_form(make_category)
    submit(client, "/gestion/prestataires/nouveau", other)
    # As if another concierge had saved the same identifier after our check: a conflict, shown
    # on the identifier's field of the form as typed, and nothing of it saved.
    monkeypatch.setattr(service, "check_slug", lambda *args, **kwargs: None)
    form = _provider_form(make_category, name="Clés Express")
    response = submit(client, "/gestion/prestataires/nouveau", form)
    assert response.status_code == 409 and "déjà pris" in response.get_data(as_text=True)
    assert 'value="Clés Express"' in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Provider)) == 1
    assert len(_entries(session, "provider")) == 1
    # The same when an edit takes the identifier: the provider keeps its own.
    mine = make_provider(slug="cles-express")
    url = f"/gestion/prestataires/{mine.id}"
    response = submit(client, url, {**form, "category_id": mine.category_id})
    assert response.status_code == 409 and "déjà pris" in response.get_data(as_text=True)
    session.expire_all()
    assert mine.slug == "cles-express" and len(_entries(session, "provider")) == 1
