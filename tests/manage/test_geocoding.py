"""A provider's address located through the national address API (a fake Base Adresse Nationale
on loopback), the typed position staying as the fallback and the override."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from conciergerie.manage.geocoding import AddressApi, Found, geocoder_from_config
from conciergerie.models import Provider, Role
from tests.conftest import submit
from tests.loopback import fake_server
from tests.manage.test_manage import _provider_form

NEW = "/gestion/prestataires/nouveau"


def ban(label="120 Rue Gambetta 59000 Lille", score=0.97, lon=3.051234, lat=50.627456):
    """A fake of the API's `/search/` answer: one feature (none when `label` is None)."""
    features = []
    if label is not None:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"label": label, "score": score, "type": "housenumber"},
            }
        ]
    return lambda asked: (200, {"type": "FeatureCollection", "features": features})


def test_the_api_is_asked_for_the_address_and_its_first_answer_read():
    with fake_server(ban()) as server:
        found = AddressApi(server.url).locate("120 rue Gambetta, 59000 Lille")
    [asked] = server.asked
    where = urlsplit(asked.path)
    assert where.path == "/search/"
    assert parse_qs(where.query) == {"q": ["120 rue Gambetta, 59000 Lille"], "limit": ["1"]}
    assert found == Found(50.627456, 3.051234, "120 Rue Gambetta 59000 Lille", 0.97)


@pytest.mark.parametrize(
    "answer",
    [
        ban(label=None),  # nothing found
        ban(score=0.31),  # a guess too poor: another street
        lambda asked: (500, {"message": "boom"}),
        lambda asked: (200, b"<html>"),
        lambda asked: (200, {"features": [{"geometry": {"coordinates": ["a", 2]}}]}),
        lambda asked: (200, {"features": [{"geometry": {"coordinates": [3.05, 95]}}]}),
        lambda asked: (200, {"type": "FeatureCollection"}),
    ],
    ids=["none", "poor", "500", "not-json", "text", "off-earth", "no-features"],
)
def test_anything_but_a_good_answer_is_not_found(answer):
    with fake_server(answer) as server:
        assert AddressApi(server.url).locate("quelque part") is None


def test_a_slow_api_is_given_up_after_the_timeout():
    release = threading.Event()

    def slow(asked):
        release.wait(5)
        return ban()(asked)

    with fake_server(slow) as server:
        assert AddressApi(server.url, timeout=0.2).locate("120 rue Gambetta") is None
        release.set()


def test_off_unless_configured():
    assert geocoder_from_config({"GEOCODER_URL": ""}) is None
    assert geocoder_from_config({"GEOCODER_URL": "http://ban", "GEOCODER_TIMEOUT": 1}) == (
        AddressApi("http://ban", 1.0)
    )


@pytest.fixture
def api(app, monkeypatch):
    """The app configured with a fake address API; `api.answer` says what it answers."""

    class Api:
        answer = staticmethod(ban())

    with fake_server(lambda asked: Api.answer(asked)) as server:
        monkeypatch.setitem(app.config, "GEOCODER_URL", server.url)
        Api.server = server
        yield Api


def _saved(session) -> Provider:
    session.expire_all()
    return session.scalar(sa.select(Provider).where(Provider.slug == "cles-minute"))


def test_a_new_providers_address_gives_its_position(client, session, login_as, make_category, api):
    login_as(Role.CONCIERGE)
    form = _provider_form(make_category, latitude="", longitude="")
    answer = submit(client, NEW, form, form_url=NEW, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Position trouvée : 120 Rue Gambetta 59000 Lille (score 0,97)." in page
    provider = _saved(session)
    assert (provider.latitude, provider.longitude) == (50.627456, 3.051234)
    assert "Position saisie à la main" in page  # the override, offered when the API is on


def test_an_address_not_found_keeps_the_typed_position_and_says_so(
    client, session, login_as, make_category, api
):
    login_as(Role.CONCIERGE)
    api.answer = staticmethod(ban(label=None))
    answer = submit(client, NEW, _provider_form(make_category), follow_redirects=True)
    assert "Adresse non trouvée : position saisie conservée." in answer.get_data(as_text=True)
    assert (_saved(session).latitude, _saved(session).longitude) == (50.6271, 3.0519)


def test_not_found_and_nothing_typed_asks_for_the_position(
    client, session, login_as, make_category, api
):
    login_as(Role.CONCIERGE)
    api.answer = staticmethod(lambda asked: (503, {}))
    answer = submit(client, NEW, _provider_form(make_category, latitude="", longitude=""))
    assert answer.status_code == 422
    assert "Adresse non trouvée : saisissez la latitude et la longitude." in answer.get_data(
        as_text=True
    )
    assert _saved(session) is None


def test_a_position_typed_by_hand_wins_and_an_unchanged_address_is_not_asked_again(
    client, session, login_as, make_category, api
):
    login_as(Role.CONCIERGE)
    form = _provider_form(make_category, position_by_hand="y")
    answer = submit(client, NEW, form, follow_redirects=True)
    assert "Position trouvée" not in answer.get_data(as_text=True) and api.server.asked == []
    provider = _saved(session)
    assert (provider.latitude, provider.longitude) == (50.6271, 3.0519)
    url = f"/gestion/prestataires/{provider.id}"
    # The position corrected by hand, the address kept: the API is not asked.
    del form["position_by_hand"]
    submit(client, url, {**form, "latitude": "50,6280"})
    assert _saved(session).latitude == 50.628 and api.server.asked == []
    # The address changes: the API's position replaces the typed one.
    submit(client, url, {**form, "address": "  120 RUE Gambetta,  59000 Lille "})
    assert api.server.asked == []  # the same address, written otherwise
    submit(client, url, {**form, "address": "12 rue des Postes, 59000 Lille"})
    assert len(api.server.asked) == 1 and _saved(session).latitude == 50.627456


def test_without_the_api_the_position_must_be_typed(client, session, login_as, make_category):
    login_as(Role.CONCIERGE)
    answer = submit(client, NEW, _provider_form(make_category, longitude=""))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Saisissez la latitude et la longitude." in page
    assert "Position saisie à la main" not in page
