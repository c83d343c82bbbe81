""" "Changer de créneau" in the browser: on the customer's order page and on the desk's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conciergerie.models import DeskSlot, Order, Role
from tests import factories
from tests.conftest import sign_in, submit


def slot(session, month, day, hour, **kw) -> DeskSlot:
    return factories.make_slot(
        session, starts_at=datetime(2026, month, day, hour - 1, tzinfo=UTC), **kw
    )


@pytest.fixture
def order(session):
    """Dropped off Thursday 26 November 8:00, collected Wednesday 2 December 18:00 (ready from
    Monday 30 November)."""
    return factories.make_order(
        session, offer=factories.make_offer(session, name="Ressemelage", turnaround_days=1)
    )


def test_the_customer_moves_the_pickup_from_the_order_page(client, session, order, outbox):
    friday, full = slot(session, 12, 4, 17), slot(session, 12, 4, 18, capacity=0)
    too_early = slot(session, 11, 27, 17)
    sign_in(client, order.customer)
    page = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    assert f'href="/commandes/{order.id}/creneaux"' in page and "Changer de créneau" in page
    form = client.get(f"/commandes/{order.id}/creneaux").get_data(as_text=True)
    assert f'value="{friday.id}"' in form and "Garder le créneau actuel" in form
    assert f'value="{full.id}"' not in form  # no room left
    # Too early for the work as a pickup, but a drop-off may move there.
    pickup_part = form[form.index('name="pickup_slot"') :]
    assert f'value="{too_early.id}"' not in pickup_part
    response = submit(
        client,
        f"/commandes/{order.id}/creneaux",
        {"dropoff_slot": "0", "pickup_slot": str(friday.id)},
    )
    assert response.status_code == 302 and response.location == f"/commandes/{order.id}"
    session.expire_all()
    assert session.get(Order, order.id).pickup_slot_id == friday.id
    assert len(outbox) == 1 and "vendredi 4 décembre" in outbox[0].body
    page = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    assert "Retrait déplacé" in page and "vendredi 4 décembre" in page


def test_a_refused_move_shows_why_on_its_field(client, session, order):
    too_early = slot(session, 11, 27, 17)
    sign_in(client, order.customer)
    response = submit(client, f"/commandes/{order.id}/creneaux", {"pickup_slot": str(too_early.id)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Trop tôt pour le retrait" in html and 'id="pickup_slot-error"' in html
    session.expire_all()
    assert session.get(Order, order.id).pickup_slot_id != too_early.id


def test_a_full_slot_is_a_409_with_the_reason(client, session, order):
    full = slot(session, 12, 4, 17, capacity=1)
    factories.make_order(session, pickup=full)
    sign_in(client, order.customer)
    response = submit(client, f"/commandes/{order.id}/creneaux", {"pickup_slot": str(full.id)})
    assert response.status_code == 409 and "complet" in response.get_data(as_text=True)


def test_past_the_deadline_the_page_says_to_call_the_desk(client, session, order):
    order.cancellable_until = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    session.flush()
    sign_in(client, order.customer)
    assert "Changer de créneau</a>" not in client.get(f"/commandes/{order.id}").get_data(
        as_text=True
    )
    html = client.get(f"/commandes/{order.id}/creneaux").get_data(as_text=True)
    assert "Contactez le comptoir" in html and 'name="pickup_slot"' not in html
    response = submit(
        client,
        f"/commandes/{order.id}/creneaux",
        {"pickup_slot": str(slot(session, 12, 4, 17).id)},
    )
    assert response.status_code == 409 and "Trop tard" in response.get_data(as_text=True)


def test_a_resident_cannot_move_another_ones_order(client, session, order, make_user):
    sign_in(client, make_user(Role.RESIDENT))
    assert client.get(f"/commandes/{order.id}/creneaux").status_code == 404
    response = submit(
        client,
        f"/commandes/{order.id}/creneaux",
        {"pickup_slot": str(slot(session, 12, 4, 17).id)},
        form_url="/",
    )
    assert response.status_code == 404


def test_the_desk_moves_the_drop_off_and_the_customer_is_told(
    client, session, order, login_as, outbox
):
    login_as(Role.CONCIERGE)
    page = client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    assert f'href="/comptoir/commandes/{order.id}/creneaux"' in page
    saturday = slot(session, 11, 28, 10)
    response = submit(
        client, f"/comptoir/commandes/{order.id}/creneaux", {"dropoff_slot": str(saturday.id)}
    )
    assert response.status_code == 302
    assert response.location == f"/comptoir/commandes/{order.id}"
    session.expire_all()
    assert session.get(Order, order.id).dropoff_slot_id == saturday.id
    [mail] = outbox
    assert "la conciergerie a changé vos créneaux" in mail.subject
    assert "Nouveau dépôt : samedi 28 novembre, 10:00–10:30" in mail.body


def test_a_volunteer_may_not_move_slots_at_the_desk(client, session, order, login_as):
    login_as(Role.VOLUNTEER)
    assert client.get(f"/comptoir/commandes/{order.id}/creneaux").status_code == 403
    assert "creneaux" not in client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
