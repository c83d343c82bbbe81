"""At the desk: a scanned label opens its item with its next step, each item is listed on its
order's page and the concierge takes back a wrong step; labels are one per item, each its own QR
code (issue 18, points 2-4)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from conciergerie.models import ItemStage, OrderStatus, Role
from conciergerie.orders import service as orders
from conciergerie.portal import service as portal
from tests.conftest import sign_in, submit
from tests.factories import NOW, make_offer, make_order, make_provider, make_user


@pytest.fixture
def at_cobbler(session):
    cobbler = make_provider(session, name="Cordonnerie Gambetta")
    order = make_order(session, offer=make_offer(session, provider=cobbler), quantity=2)
    concierge = make_user(session, Role.CONCIERGE)
    for status in (OrderStatus.DROPPED_OFF, OrderStatus.AT_PROVIDER):
        orders.advance_order(session, order, status, actor=concierge, now=NOW)
    return order, cobbler


def test_a_scanned_label_opens_its_item_with_its_next_step(client, session, at_cobbler):
    order, _cobbler = at_cobbler
    second = order.lines[0].items[1]
    sign_in(client, make_user(session, Role.CONCIERGE))
    found = client.get(f"/comptoir/?q={second.code.lower()}")
    assert found.status_code == 302
    assert found.location.endswith(
        f"/comptoir/commandes/{order.id}?objet={second.code}#objet-{second.code}"
    )
    page = unescape(client.get(found.location).get_data(as_text=True))
    assert f'<tr id="objet-{second.code}" class="is-scanned" aria-current="true">' in page
    assert f"<strong>{second.code}</strong> — Chez Cordonnerie Gambetta : en cours." in page
    assert page.count('<tr id="objet-') == 2
    # A code that is no label of ours is searched as any text.
    assert client.get("/comptoir/?q=EVG-NOPE0-9").status_code == 200


def test_the_desk_lists_each_item_and_the_concierge_undoes_a_step_any_time(
    client, session, at_cobbler
):
    order, _cobbler = at_cobbler
    first = order.lines[0].items[0]
    sign_in(client, make_user(session, Role.CONCIERGE))
    url = f"/comptoir/objets/{first.id}/annuler"
    page = client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    assert page.count('action="/comptoir/objets/') == 2  # each item's last step
    answer = submit(client, url, {}, form_url=f"/comptoir/commandes/{order.id}")
    assert answer.status_code == 302
    session.expire_all()
    assert first.stage is ItemStage.AT_DESK and order.status is OrderStatus.DROPPED_OFF
    # Its history keeps the step, marked undone, and the undoing.
    page = unescape(client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True))
    history = page[page.index("Historique des objets") :]
    assert history.count(f'<span class="code">{first.code}</span>') == 3  # in, out, back
    assert "annulation : retour à « Au comptoir »" in history
    assert history.count('<span class="tag">annulée</span>') == 1
    # The reception is the order's step (its mails, its money): not undone here.
    again = submit(client, url, {}, form_url=f"/comptoir/commandes/{order.id}")
    assert again.status_code == 409 and "rien à annuler" in unescape(again.get_data(as_text=True))


def test_a_volunteer_at_the_desk_cannot_undo_someone_elses_step(client, session, at_cobbler):
    order, _cobbler = at_cobbler
    sign_in(client, make_user(session, Role.VOLUNTEER))
    page = client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    assert "/annuler" not in page
    item = order.lines[0].items[0]
    refused = submit(
        client,
        f"/comptoir/objets/{item.id}/annuler",
        {},
        form_url=f"/comptoir/commandes/{order.id}",
    )
    assert refused.status_code == 403
    session.expire_all()
    assert item.stage is ItemStage.AT_PROVIDER


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.PROVIDER])
def test_customers_and_providers_cannot_use_the_desks_undo(client, session, at_cobbler, role):
    order, _cobbler = at_cobbler
    sign_in(client, make_user(session, Role.CONCIERGE))
    token_page = f"/comptoir/commandes/{order.id}"
    from tests.conftest import csrf_token

    token = csrf_token(client, token_page)
    sign_in(client, make_user(session, role))
    item = order.lines[0].items[0]
    answer = client.post(f"/comptoir/objets/{item.id}/annuler", data={"csrf_token": token})
    assert answer.status_code in (400, 403)
    session.expire_all()
    assert item.stage is ItemStage.AT_PROVIDER


def test_each_label_carries_its_own_items_code(client, session, at_cobbler):
    order, _cobbler = at_cobbler
    sign_in(client, make_user(session, Role.VOLUNTEER))
    page = client.get(f"/comptoir/commandes/{order.id}/etiquettes").get_data(as_text=True)
    titles = re.findall(r"<title>([^<]+)</title>", page)
    codes = [item.code for item in order.lines[0].items]
    assert [t for t in titles if t in codes] == codes  # one QR per item, each its own code
    assert "1/2" in page and "2/2" in page


def test_the_provider_takes_back_a_wrong_ready_from_the_portal(client, session, at_cobbler):
    order, cobbler = at_cobbler
    staff = make_user(session, Role.PROVIDER, provider=cobbler)
    [line] = order.lines
    portal.mark_ready(session, line, actor=staff, now=NOW)
    sign_in(client, staff)
    page = client.get("/prestataire/").get_data(as_text=True)
    assert f'action="/prestataire/lignes/{line.id}/annuler"' in page
    answer = submit(client, f"/prestataire/lignes/{line.id}/annuler", {}, form_url="/prestataire/")
    assert answer.status_code == 302
    session.expire_all()
    assert order.status is OrderStatus.AT_PROVIDER and line.ready_at is None
    # Another provider's staff: no such line for them.
    other = make_user(session, Role.PROVIDER, provider=make_provider(session, name="Repassage"))
    portal.mark_ready(session, line, actor=staff, now=NOW)
    sign_in(client, other)
    refused = submit(client, f"/prestataire/lignes/{line.id}/annuler", {}, form_url="/prestataire/")
    assert refused.status_code == 404
    session.expire_all()
    assert order.status is OrderStatus.READY_AT_PROVIDER
