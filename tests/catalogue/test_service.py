import pytest

from conciergerie.catalogue import service

DESK = (50.62735, 3.05295)


def test_haversine_is_zero_on_the_spot_and_symmetric():
    assert service.haversine_m(*DESK, *DESK) == 0
    a = service.haversine_m(*DESK, 50.6118, 3.0512)
    b = service.haversine_m(50.6118, 3.0512, *DESK)
    assert a == pytest.approx(b)


def test_haversine_matches_a_known_distance():
    # Lille (Grand-Place) to Paris (Notre-Dame): about 204 km as the crow flies.
    assert service.haversine_m(50.6372, 3.0633, 48.8530, 2.3499) == pytest.approx(204_000, rel=0.01)


def test_provider_cards_are_sorted_by_distance_and_filtered(
    session, make_provider, make_offer, make_category
):
    textile = make_category(name="Textile")
    far = make_provider(name="Loin", category=textile, latitude=50.70, longitude=3.10)
    near = make_provider(name="Près", category=textile, latitude=50.6275, longitude=3.0530)
    other = make_provider(name="Ailleurs")
    hidden = make_provider(name="Fermé", category=textile, is_active=False)
    make_offer(provider=near, price_cents=1200)
    make_offer(provider=near, price_cents=800)
    make_offer(provider=near, price_cents=100, is_active=False)

    cards = service.provider_cards(session, desk=DESK, category=textile)
    assert [card.provider for card in cards] == [near, far]
    assert cards[0].offer_count == 2 and cards[0].from_price_cents == 800
    assert cards[1].offer_count == 0 and cards[1].from_price_cents is None
    everything = {card.provider for card in service.provider_cards(session, desk=DESK)}
    assert other in everything and hidden not in everything


def test_categories_lists_only_those_with_active_providers(session, make_provider, make_category):
    used = make_category(name="Utilisée")
    empty = make_category(name="Vide")
    make_provider(category=used)
    found = service.categories(session)
    assert used in found and empty not in found
