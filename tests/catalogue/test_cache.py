"""The catalogue's whole-page cache: served to anonymous visitors, fresh after any change."""

from datetime import time

import pytest
import sqlalchemy as sa

from conciergerie.catalogue.cache import CSRF_PLACEHOLDER, PageCache
from conciergerie.catalogue.versions import current_version
from conciergerie.models import Offer, ProviderOpeningRange, Role
from tests.conftest import CSRF_RE, sign_in


@pytest.fixture
def offer(make_offer, make_provider):
    provider = make_provider(slug="cordonnier-test", name="Cordonnier Test")
    return make_offer(provider=provider, name="Talons", price_cents=1200)


PAGE = "/catalogue/prestataires/cordonnier-test"


def _get(client, url=PAGE, **kw):
    response = client.get(url, **kw)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CSRF_PLACEHOLDER not in html
    return response, html


@pytest.mark.parametrize("url", ["/catalogue/", "/catalogue/?categorie=x", PAGE])
def test_anonymous_visitors_get_the_page_from_the_cache(app, offer, url):
    if "categorie" in url:
        url = f"/catalogue/?categorie={offer.provider.category.slug}"
    first, html1 = _get(app.test_client(), url)
    second, html2 = _get(app.test_client(), url)
    assert first.headers["X-Page-Cache"] == "miss"
    assert second.headers["X-Page-Cache"] == "hit"
    assert "Cordonnier Test" in html2
    assert {"Cookie", "Accept-Language"} <= set(second.vary)
    # The same page but each visitor's own token.
    assert CSRF_RE.sub("", html1) == CSRF_RE.sub("", html2)
    assert CSRF_RE.search(html1).group(0) != CSRF_RE.search(html2).group(0)


def test_the_cached_page_forms_carry_the_visitors_own_working_token(app, offer):
    for _ in range(2):  # a miss, then a hit
        visitor = app.test_client()
        _, html = _get(visitor)
        match = CSRF_RE.search(html)
        token = match.group(1) or match.group(2)
        response = visitor.post(
            "/panier/ajouter", data={"offer_id": offer.id, "quantity": 2, "csrf_token": token}
        )
        assert response.status_code == 302
        basket = visitor.get("/panier/").get_data(as_text=True)
        assert "Talons" in basket


def test_a_price_change_shows_at_once(app, session, offer):
    _get(app.test_client())
    _get(app.test_client())
    offer.price_cents = 1500
    session.flush()
    response, html = _get(app.test_client())
    assert response.headers["X-Page-Cache"] == "miss"
    assert "15,00\xa0€" in html and "12,00\xa0€" not in html


@pytest.mark.parametrize(
    "change",
    [
        lambda s, o: s.execute(
            sa.update(Offer).where(Offer.id == o.id).values(name="Talons neufs")
        ),
        lambda s, o: s.execute(
            sa.update(Offer.__table__).where(Offer.id == o.id).values(name="Talons neufs")
        ),
        lambda s, o: s.bulk_update_mappings(Offer, [{"id": o.id, "name": "Talons neufs"}]),
        lambda s, o: s.execute(
            sa.text("UPDATE offer SET name = 'Talons neufs' WHERE id = :id"), {"id": o.id}
        ),
    ],
    ids=["orm-bulk", "table", "mappings", "raw-sql"],
)
def test_a_change_by_any_path_shows_at_once(app, session, offer, change):
    _get(app.test_client())
    change(session, offer)
    _, html = _get(app.test_client())
    assert "Talons neufs" in html


def test_a_visitor_with_a_message_waiting_gets_a_fresh_render(app, offer):
    visitor = app.test_client()
    with visitor.session_transaction() as http_session:
        http_session["_flashes"] = [("error", "Quantité invalide.")]
    response, html = _get(visitor)
    assert "X-Page-Cache" not in response.headers and "Quantité invalide." in html
    response, html = _get(app.test_client())
    assert "Quantité invalide." not in html


def test_unknown_query_parameters_are_rendered_but_not_kept(app, offer):
    for n in range(3):
        response, _ = _get(app.test_client(), f"/catalogue/?utm_source={n}")
        assert "X-Page-Cache" not in response.headers
    slug = offer.provider.category.slug
    response, _ = _get(app.test_client(), f"/catalogue/?categorie={slug}&categorie={slug}")
    assert "X-Page-Cache" not in response.headers
    kept = [key[3] for key in app.extensions["public_page_cache"]._pages]
    assert not any("utm_source" in dict(query) for query in kept)


def test_pages_with_a_token_are_never_kept_by_shared_caches(app, offer):
    response, _ = _get(app.test_client())
    assert response.cache_control.private and response.cache_control.no_cache


def test_a_new_offer_and_new_opening_hours_show_at_once(app, session, offer, make_offer):
    _get(app.test_client())
    make_offer(provider=offer.provider, name="Clés minute")
    session.add(
        ProviderOpeningRange(
            provider=offer.provider, weekday=0, opens_at=time(9), closes_at=time(12)
        )
    )
    session.flush()
    _, html = _get(app.test_client())
    assert "Clés minute" in html and "09:00–12:00" in html


def test_a_deactivated_provider_leaves_the_catalogue_at_once(app, session, offer):
    _get(app.test_client(), "/catalogue/")
    offer.provider.is_active = False
    session.flush()
    _, html = _get(app.test_client(), "/catalogue/")
    assert "Cordonnier Test" not in html
    assert app.test_client().get(PAGE).status_code == 404


def test_an_unchanged_object_does_not_draw_a_new_version(session, offer):
    before = current_version(session)
    offer.price_cents = offer.price_cents  # touched, not changed
    session.flush()
    assert current_version(session) == before
    offer.price_cents += 1
    session.flush()
    assert current_version(session) != before


def test_each_language_has_its_own_page(app, offer):
    _get(app.test_client(), headers={"Accept-Language": "fr"})
    response, html = _get(app.test_client(), headers={"Accept-Language": "en"})
    assert response.headers["X-Page-Cache"] == "miss"
    assert 'lang="en"' in html and "Add to basket" in html
    _, html = _get(app.test_client(), headers={"Accept-Language": "en"})
    assert "Add to basket" in html


def test_signed_in_people_get_a_fresh_render(app, client, offer, make_user):
    _get(app.test_client())
    user = make_user(Role.RESIDENT, full_name="Nadia")
    sign_in(client, user)
    response, html = _get(client)
    assert "X-Page-Cache" not in response.headers
    assert "Se déconnecter" in html


def test_a_visitor_with_a_basket_sees_its_count(app, offer):
    visitor = app.test_client()
    _, html = _get(visitor)
    match = CSRF_RE.search(html)
    visitor.post(
        "/panier/ajouter",
        data={"offer_id": offer.id, "quantity": 3, "csrf_token": match.group(1) or match.group(2)},
    )
    response, html = _get(visitor, "/catalogue/")
    assert "X-Page-Cache" not in response.headers
    assert '<span class="badge">3' in html


def test_error_pages_are_not_cached_and_carry_no_placeholder(app, offer):
    for _ in range(2):
        response = app.test_client().get("/catalogue/prestataires/nobody-here")
        assert response.status_code == 404
        assert "X-Page-Cache" not in response.headers
        assert CSRF_PLACEHOLDER not in response.get_data(as_text=True)


def test_the_cache_keeps_the_most_recently_used_pages():
    cache = PageCache(2)
    cache.put(("a",), [b"A"])
    cache.put(("b",), [b"B"])
    assert cache.get(("a",)) == [b"A"]  # a is now the most recent
    cache.put(("c",), [b"C"])
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) == [b"A"] and cache.get(("c",)) == [b"C"]
