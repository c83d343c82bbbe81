"""Providers keep their own offers (portal/offers.py) and the concierge reverts a change
(manage/provider_changes.py): rules, the change log, the mails, the pages."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.catalogue.versions import current_version
from conciergerie.manage import provider_changes
from conciergerie.manage import service as manage
from conciergerie.manage.service import ManageConflict, ManageError
from conciergerie.models import Order, OutboxMail, Role
from conciergerie.orders import service as orders
from conciergerie.payments.ledger import ledger
from conciergerie.portal import offers as own_offers
from tests import factories
from tests.conftest import sign_in, submit
from tests.factories import NOW, SETTINGS, make_offer, make_provider, make_user


@pytest.fixture
def cobbler(session):
    """The cobbler with a resoling at 18 €, open Monday and Tuesday mornings; its staff; a
    concierge to tell."""
    provider = factories.open_provider(
        make_provider(session, name="Cordonnerie Gambetta"),
        [(0, time(9), time(12)), (1, time(9), time(12))],
    )
    offer = make_offer(
        session, provider=provider, name="Ressemelage", price_cents=1800, description="Cuir"
    )
    staff = make_user(session, Role.PROVIDER, provider=provider)
    concierge = make_user(session, Role.CONCIERGE, email="concierge-offres@example.org")
    return provider, offer, staff, concierge


def mails_to(session, address):
    return list(session.scalars(sa.select(OutboxMail).where(OutboxMail.recipient == address)))


# The provider's changes -------------------------------------------------------------------------


def test_the_staff_change_their_offer_and_the_concierge_is_mailed(session, cobbler):
    provider, offer, staff, concierge = cobbler
    entry = own_offers.edit_offer(
        session,
        offer,
        values={"price_cents": 2000, "description": "Cuir et gomme", "is_active": True},
        actor=staff,
        now=NOW,
    )
    assert (offer.price_cents, offer.description) == (2000, "Cuir et gomme")
    assert entry.action == "provider_update" and entry.actor_id == staff.id
    assert entry.entity == "offer" and entry.label == "Ressemelage"
    assert entry.changes == {
        "price_cents": ["1800", "2000"],
        "description": ["Cuir", "Cuir et gomme"],
    }
    [mail] = mails_to(session, concierge.email)
    assert "Cordonnerie Gambetta a modifié son offre" in mail.subject
    assert "Prix : 18,00\xa0€ → 20,00\xa0€" in mail.body_text
    assert "/gestion/modifications-prestataires" in mail.body_text


def test_the_catalogue_shows_the_change_at_once(session, cobbler):
    """Its version changes with the provider's change: the cached pages go stale."""
    _provider, offer, staff, _concierge = cobbler
    session.flush()
    before = current_version(session)
    own_offers.edit_offer(session, offer, values={"price_cents": 2000}, actor=staff, now=NOW)
    session.flush()
    assert current_version(session) != before


def test_nothing_changed_is_no_entry_and_no_mail(session, cobbler):
    _provider, offer, staff, concierge = cobbler
    values = {"price_cents": 1800, "description": "Cuir", "is_active": True}
    assert own_offers.edit_offer(session, offer, values=values, actor=staff, now=NOW) is None
    assert mails_to(session, concierge.email) == []


def test_only_the_provider_s_own_staff_and_only_their_fields(session, cobbler):
    _provider, offer, _staff, concierge = cobbler
    other_staff = make_user(session, Role.PROVIDER)  # another provider's
    volunteer = make_user(session, Role.VOLUNTEER)
    for actor in (other_staff, volunteer, concierge):
        with pytest.raises(own_offers.NotYourProvider):
            own_offers.edit_offer(session, offer, values={"price_cents": 1}, actor=actor, now=NOW)
    with pytest.raises(ValueError, match="turnaround_days"):
        own_offers.edit_offer(session, offer, values={"turnaround_days": 0}, actor=_staff, now=NOW)
    assert offer.price_cents == 1800


def test_a_new_price_holds_for_new_orders_only(session, cobbler):
    _provider, offer, staff, _concierge = cobbler
    before = factories.make_order(session, offer=offer)
    own_offers.edit_offer(session, offer, values={"price_cents": 2500}, actor=staff, now=NOW)
    after = factories.make_order(session, offer=offer)
    session.expire_all()
    before, after = session.get(Order, before.id), session.get(Order, after.id)
    assert before.lines[0].unit_price_cents == 1800 and after.lines[0].unit_price_cents == 2500
    assert ledger(before).total_cents == 1800 + SETTINGS.resident_fee_cents
    assert ledger(after).total_cents == 2500 + SETTINGS.resident_fee_cents


def test_an_offer_taken_off_sale_cannot_be_ordered(session, cobbler):
    _provider, offer, staff, _concierge = cobbler
    own_offers.edit_offer(session, offer, values={"is_active": False}, actor=staff, now=NOW)
    with pytest.raises(orders.OrderError, match="plus proposée"):
        factories.make_order(session, offer=offer)


def test_the_staff_change_their_hours(session, cobbler):
    provider, _offer, staff, concierge = cobbler
    hours = {day: [] for day in range(7)} | {0: [(time(14), time(18))], 4: [(time(9), time(12))]}
    entry = own_offers.edit_hours(session, provider, hours=hours, actor=staff, now=NOW)
    assert sorted((r.weekday, r.opens_at) for r in provider.opening_ranges) == [
        (0, time(14)),
        (4, time(9)),
    ]
    assert entry.changes == {
        "opening_hours": ["0: 09:00-12:00 | 1: 09:00-12:00", "0: 14:00-18:00 | 4: 09:00-12:00"]
    }
    [mail] = mails_to(session, concierge.email)
    assert "Horaires d'ouverture" in mail.body_text and "vendredi 09:00-12:00" in mail.body_text
    with pytest.raises(own_offers.NotYourProvider):
        own_offers.edit_hours(
            session, provider, hours=hours, actor=make_user(session, Role.PROVIDER), now=NOW
        )


# The concierge reverts ------------------------------------------------------------------------


def test_the_concierge_reverts_a_price_change(session, cobbler):
    _provider, offer, staff, concierge = cobbler
    entry = own_offers.edit_offer(
        session, offer, values={"price_cents": 2000, "is_active": False}, actor=staff, now=NOW
    )
    [listed] = provider_changes.provider_changes(session)
    assert listed.line.entry is entry and listed.revertible and listed.reverted is None
    revert = provider_changes.revert(session, entry, actor=concierge, now=NOW + timedelta(hours=1))
    assert (offer.price_cents, offer.is_active) == (1800, True)
    assert revert.action == "revert" and revert.actor_id == concierge.id
    assert revert.changes == {
        "price_cents": ["2000", "1800"],
        "is_active": ["False", "True"],
        "reverts": [None, str(entry.id)],
    }
    [listed] = provider_changes.provider_changes(session)
    assert listed.reverted is revert and not listed.revertible
    [told] = mails_to(session, staff.email)  # the provider's staff hear of it
    assert "annulé votre modification de « Ressemelage »" in told.subject
    assert "Prix : 18,00\xa0€" in told.body_text and "En vente : Oui" in told.body_text
    with pytest.raises(ManageConflict, match="déjà annulée"):
        provider_changes.revert(session, entry, actor=concierge, now=NOW)


def test_a_change_changed_again_is_not_reverted(session, cobbler):
    _provider, offer, staff, concierge = cobbler
    first = own_offers.edit_offer(
        session, offer, values={"price_cents": 2000}, actor=staff, now=NOW
    )
    own_offers.edit_offer(session, offer, values={"price_cents": 2200}, actor=staff, now=NOW)
    changes = {c.line.entry.id: c for c in provider_changes.provider_changes(session)}
    assert not changes[first.id].revertible
    with pytest.raises(ManageConflict, match="Modifié à nouveau"):
        provider_changes.revert(session, first, actor=concierge, now=NOW)
    assert offer.price_cents == 2200


def test_the_concierge_reverts_an_hours_change(session, cobbler):
    provider, _offer, staff, concierge = cobbler
    hours = {day: [] for day in range(7)} | {2: [(time(10), time(11))]}
    entry = own_offers.edit_hours(session, provider, hours=hours, actor=staff, now=NOW)
    provider_changes.revert(session, entry, actor=concierge, now=NOW)
    session.expire(provider, ["opening_ranges"])
    assert sorted((r.weekday, r.opens_at, r.closes_at) for r in provider.opening_ranges) == [
        (0, time(9), time(12)),
        (1, time(9), time(12)),
    ]


def test_only_the_concierge_reverts_and_only_providers_changes(session, cobbler):
    _provider, offer, staff, concierge = cobbler
    entry = own_offers.edit_offer(
        session, offer, values={"price_cents": 2000}, actor=staff, now=NOW
    )
    with pytest.raises(ManageError):
        provider_changes.revert(session, entry, actor=staff, now=NOW)
    own = manage.save_offer(session, offer, values={"price_cents": 2100}, actor=concierge, now=NOW)
    with pytest.raises(ManageError, match="prestataires"):
        provider_changes.revert(session, own, actor=concierge, now=NOW)


# Pages ----------------------------------------------------------------------------------------


def test_the_staff_edit_an_offer_from_the_portal(client, session, cobbler, outbox):
    _provider, offer, staff, concierge = cobbler
    other = make_offer(session, name="Affûtage d'ailleurs")
    sign_in(client, staff)
    page = client.get("/prestataire/offres").get_data(as_text=True)
    assert "Ressemelage" in page and "Affûtage d'ailleurs" not in page
    assert 'value="18,00"' in page
    # Folded, each offer: none open until one is saved (a provider may have dozens).
    assert f'<details class="panel" id="offre-{offer.id}">' in page
    prefix = f"offre-{offer.id}-"
    response = submit(
        client,
        f"/prestataire/offres/{offer.id}",
        {prefix + "price": "19,50", prefix + "description": "Cuir", prefix + "is_active": "y"},
        form_url="/prestataire/offres",
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/prestataire/offres?offre={offer.id}#offre-{offer.id}")
    page = client.get(response.location).get_data(as_text=True)
    assert f'<details class="panel" id="offre-{offer.id}" open>' in page
    session.refresh(offer)
    assert offer.price_cents == 1950
    assert [m.to for m in outbox] == [[concierge.email]]
    # Another provider's offer looks like no offer at all.
    response = submit(
        client,
        f"/prestataire/offres/{other.id}",
        {f"offre-{other.id}-price": "1"},
        form_url="/prestataire/offres",
    )
    assert response.status_code == 404


def test_a_wrong_price_is_shown_on_its_field(client, session, cobbler):
    _provider, offer, staff, _concierge = cobbler
    sign_in(client, staff)
    response = submit(
        client,
        f"/prestataire/offres/{offer.id}",
        {f"offre-{offer.id}-price": "douze"},
        form_url="/prestataire/offres",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Un nombre est attendu" in page
    assert f'<details class="panel" id="offre-{offer.id}" open>' in page  # the error shows
    session.refresh(offer)
    assert offer.price_cents == 1800


def test_the_staff_edit_their_hours_from_the_portal(client, session, cobbler):
    provider, _offer, staff, _concierge = cobbler
    sign_in(client, staff)
    data = {f"horaires-hours_{day}": "" for day in range(7)} | {"horaires-hours_2": "08:30-12:00"}
    response = submit(client, "/prestataire/horaires", data, form_url="/prestataire/offres")
    assert response.status_code == 302
    session.expire(provider, ["opening_ranges"])
    assert [(r.weekday, r.opens_at) for r in provider.opening_ranges] == [(2, time(8, 30))]
    data["horaires-hours_2"] = "midi"
    response = submit(client, "/prestataire/horaires", data, form_url="/prestataire/offres")
    assert response.status_code == 422 and "09:00-12:30" in response.get_data(as_text=True)


def test_a_volunteer_and_the_concierge_do_not_edit_offers_in_the_portal(client, cobbler, login_as):
    login_as(Role.VOLUNTEER)
    assert client.get("/prestataire/offres").status_code == 403
    login_as(Role.CONCIERGE)
    assert client.get("/prestataire/offres").status_code == 403


def test_the_concierge_sees_and_reverts_from_the_management_pages(client, session, cobbler):
    _provider, offer, staff, concierge = cobbler
    entry = own_offers.edit_offer(
        session, offer, values={"price_cents": 2000}, actor=staff, now=NOW
    )
    sign_in(client, concierge)
    assert "1 modification ces sept derniers jours" in client.get("/gestion/").get_data(
        as_text=True
    )
    page = client.get("/gestion/modifications-prestataires").get_data(as_text=True)
    assert "Ressemelage" in page and "20,00" in page and "Annuler cette modification" in page
    response = submit(
        client,
        f"/gestion/modifications-prestataires/{entry.id}/annuler",
        {},
        form_url="/gestion/modifications-prestataires",
    )
    assert response.status_code == 302
    session.refresh(offer)
    assert offer.price_cents == 1800
    log = client.get("/gestion/journal").get_data(as_text=True)
    assert "modification par le prestataire" in log
    assert "modification du prestataire annulée" in log and f"n° {entry.id}" in log
    # Again: refused, with why.
    response = submit(
        client,
        f"/gestion/modifications-prestataires/{entry.id}/annuler",
        {},
        form_url="/gestion/modifications-prestataires",
    )
    assert response.status_code == 409 and "déjà annulée" in response.get_data(as_text=True)
