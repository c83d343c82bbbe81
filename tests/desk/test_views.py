import re
from datetime import UTC, datetime, timedelta

import pytest

from conciergerie.i18n import money
from conciergerie.models import OrderStatus, Payment, PaymentKind, Role
from conciergerie.payments.ledger import ledger
from tests import factories
from tests.conftest import sign_in, submit


def step(client, order, status):
    return submit(
        client,
        f"/comptoir/commandes/{order.id}/etape",
        {"to_status": status.value},
        form_url=f"/comptoir/commandes/{order.id}",
    )


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EMPLOYEE, Role.PROVIDER])
def test_desk_is_for_the_concierge_and_volunteers(client, login_as, role):
    login_as(role)
    assert client.get("/comptoir/").status_code == 403


def test_concierge_moves_an_order_along_and_the_customer_is_told_when_ready(
    client, session, login_as, outbox
):
    login_as(Role.CONCIERGE)
    order = factories.make_order(session)
    html = client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    assert order.code in html and "Déposée au comptoir" in html
    for status in (
        OrderStatus.DROPPED_OFF,
        OrderStatus.AT_PROVIDER,
        OrderStatus.READY_AT_PROVIDER,
        OrderStatus.BACK_AT_DESK,
    ):
        response = step(client, order, status)
        assert response.status_code == 302
        assert response.location.endswith(f"/comptoir/commandes/{order.id}")  # back to it
    session.refresh(order)
    assert order.status is OrderStatus.BACK_AT_DESK
    assert [m.subject for m in outbox] == [f"Commande {order.code} prête à retirer"]


def test_volunteer_may_only_carry(client, session, login_as):
    login_as(Role.VOLUNTEER)
    order = factories.make_order(session)
    refused = step(client, order, OrderStatus.DROPPED_OFF)  # only the concierge receives items
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "pas de votre ressort" in html and order.code in html  # the order's desk page
    assert "<h1>Commande" in html
    session.refresh(order)
    assert order.status is OrderStatus.CONFIRMED
    order.status = OrderStatus.DROPPED_OFF
    session.flush()
    step(client, order, OrderStatus.AT_PROVIDER)
    session.refresh(order)
    assert order.status is OrderStatus.AT_PROVIDER


def test_unknown_step_is_a_400(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = factories.make_order(session)
    response = submit(
        client,
        f"/comptoir/commandes/{order.id}/etape",
        {"to_status": "teleported"},
        form_url="/comptoir/",
    )
    assert response.status_code == 400


def test_find_an_order_by_its_code_opens_it(client, session, login_as):
    login_as(Role.CONCIERGE)
    first, second = factories.make_order(session), factories.make_order(session)
    response = client.get(f"/comptoir/?q={second.code.lower()}")
    assert response.status_code == 302
    assert response.location.endswith(f"/comptoir/commandes/{second.id}")
    html = client.get(response.location).get_data(as_text=True)
    assert second.code in html and first.code not in html


def test_find_orders_by_a_piece_of_the_customers_name_or_email(client, session, login_as):
    login_as(Role.CONCIERGE)
    nadia = factories.make_user(session, full_name="Nadia Benali", email="nadia.b@example.org")
    hers = factories.make_order(session, customer=nadia)
    done = factories.make_order(session, customer=nadia)
    done.status = OrderStatus.HANDED_OVER  # finished orders are found too
    other = factories.make_order(session)
    for query in ("benali", "NADIA", "nadia.b@exa"):
        html = client.get("/comptoir/", query_string={"q": query}).get_data(as_text=True)
        assert hers.code in html and done.code in html and other.code not in html, query
        assert f'href="/comptoir/commandes/{hers.id}"' in html  # each row opens its order
    # Wildcards are plain characters.
    html = client.get("/comptoir/", query_string={"q": "%"}).get_data(as_text=True)
    assert hers.code not in html and "Aucune commande" in html


def test_the_only_match_of_a_name_opens_its_order(client, session, login_as):
    login_as(Role.CONCIERGE)
    ali = factories.make_user(session, full_name="Ali Seul")
    order = factories.make_order(session, customer=ali)
    factories.make_order(session)
    response = client.get("/comptoir/", query_string={"q": "seul"})
    assert response.location.endswith(f"/comptoir/commandes/{order.id}")


def test_the_search_field_has_the_focus(client, login_as):
    login_as(Role.VOLUNTEER)
    html = client.get("/comptoir/").get_data(as_text=True)
    assert re.search(r'<input[^>]*autofocus[^>]*name="q"|<input[^>]*name="q"[^>]*autofocus', html)


def day_of_orders(session):
    """Tomorrow (Thursday 26 November): Ali drops off at 8:00, Léa collects at 8:30, Zoé's order
    (another day) is collected on 2 December."""
    eight = factories.make_slot(session, starts_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC))
    half_past = factories.make_slot(session, starts_at=datetime(2026, 11, 26, 7, 30, tzinfo=UTC))
    ali = factories.make_order(
        session, customer=factories.make_user(session, full_name="Ali Dépôt", phone="0611223344")
    )
    lea = factories.make_order(
        session, customer=factories.make_user(session, full_name="Léa Retrait")
    )
    lea.dropoff_slot, lea.pickup_slot, lea.status = None, half_past, OrderStatus.BACK_AT_DESK
    zoe = factories.make_order(
        session, customer=factories.make_user(session, full_name="Zoé Ailleurs")
    )
    zoe.dropoff_slot = None
    session.flush()
    return eight, half_past, ali, lea, zoe


def test_the_day_lists_each_slot_with_who_drops_off_and_who_collects(client, session, login_as):
    eight, half_past, ali, lea, zoe = day_of_orders(session)
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/?day=2026-11-26").get_data(as_text=True)
    assert "Jeudi 26 novembre" in html
    first = html.split(f'id="creneau-{eight.id}"')[1].split("</section>")[0]
    second = html.split(f'id="creneau-{half_past.id}"')[1].split("</section>")[0]
    assert "08:00–08:30" in first and "Viennent déposer (1)" in first
    assert ali.code in first and "Ali Dépôt" in first and "0611223344" in first
    assert "1 × " in first and "Confirmée" in first
    assert "Viennent retirer (1)" in second and lea.code in second and ali.code not in second
    assert zoe.code not in html
    assert f'href="/comptoir/commandes/{ali.id}"' in first
    # The days around it, and back to today.
    assert 'href="/comptoir/?day=2026-11-25"' in html and 'href="/comptoir/?day=2026-11-27"' in html
    assert 'href="/comptoir/">Aujourd' in html


def test_today_is_the_default_day(client, session, login_as):
    today = factories.make_slot(session, starts_at=factories.NOW + timedelta(hours=1))
    order = factories.make_order(
        session, customer=factories.make_user(session, full_name="Ali Aujourd"), dropoff=today
    )
    login_as(Role.VOLUNTEER)
    html = client.get("/comptoir/").get_data(as_text=True)
    assert "aujourd&#39;hui" in html or "aujourd'hui" in html
    assert order.code in html and "11:30–12:00" in html  # 10:30 UTC in Paris
    assert "Personne n" not in html
    assert "Personne n" in client.get("/comptoir/?day=2026-11-20").get_data(as_text=True)


def test_a_row_shows_what_the_ledger_says_is_due_either_way(client, session, login_as):
    eight, _half, ali, lea, _zoe = day_of_orders(session)
    session.add(Payment(order=lea, kind=PaymentKind.DESK_CASH, amount_cents=lea.total_cents + 500))
    session.flush()
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/?day=2026-11-26").get_data(as_text=True)
    row_of = {o: html.split(o.code + "</a>")[1].split("</tr>")[0] for o in (ali, lea)}
    assert f"Reste à régler {money(ledger(ali).balance_due_cents)}" in row_of[ali]
    assert ledger(ali).balance_due_cents == ali.total_cents > 0
    assert f"À rembourser {money(500)}" in row_of[lea]


def test_late_orders_are_marked_and_may_be_shown_alone(client, session, login_as, clock):
    eight, half_past, ali, lea, _zoe = day_of_orders(session)
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/?day=2026-11-26").get_data(as_text=True)
    assert "late-mark" not in html  # the day has not come
    clock.move_to(datetime(2026, 11, 26, 7, 45, tzinfo=UTC))  # 8:45 in Paris
    html = client.get("/comptoir/?day=2026-11-26").get_data(as_text=True)
    ali_row = html.split(ali.code + "</a>")[1].split("</tr>")[0]
    assert 'title="Créneau passé, pas déposée">En retard</strong>' in ali_row
    assert "pas retirée" not in html  # Léa's slot ends at 9:00
    clock.move_to(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    late = client.get("/comptoir/?day=2026-11-26&late=y").get_data(as_text=True)
    assert ali.code in late and lea.code in late
    assert 'title="Créneau passé, pas retirée">En retard</strong>' in late
    lea.status = OrderStatus.HANDED_OVER
    session.flush()
    late = client.get("/comptoir/?day=2026-11-26&late=y").get_data(as_text=True)
    assert ali.code in late and lea.code not in late


def test_filters_narrow_the_day_by_slot_and_state(client, session, login_as):
    eight, half_past, ali, lea, _zoe = day_of_orders(session)
    login_as(Role.VOLUNTEER)
    by_slot = client.get(f"/comptoir/?day=2026-11-26&slot={half_past.id}").get_data(as_text=True)
    assert lea.code in by_slot and ali.code not in by_slot
    assert f'<option selected value="{half_past.id}">' in by_slot or (
        f'<option value="{half_past.id}" selected' in by_slot
    )
    by_state = client.get("/comptoir/?day=2026-11-26&state=back_at_desk").get_data(as_text=True)
    assert lea.code in by_state and ali.code not in by_state
    nothing = client.get("/comptoir/?day=2026-11-26&state=handed_over").get_data(as_text=True)
    assert "Aucune commande ne correspond" in nothing
    # The summary of the day's slots still counts everyone.
    assert "1 dépôt, 0 retraits" in nothing
    # Nonsense is ignored, not an error.
    assert client.get("/comptoir/?day=hier&slot=x&state=teleported").status_code == 200


def test_an_order_not_collected_on_its_day_is_flagged(client, session, login_as, monkeypatch):
    order = factories.make_order(session)
    order.status = OrderStatus.BACK_AT_DESK
    day_after = order.pickup_slot.ends_at + timedelta(days=1)
    login_as(Role.CONCIERGE)
    page = f"/comptoir/commandes/{order.id}"
    monkeypatch.setattr("conciergerie.desk.views.utcnow", lambda: order.pickup_slot.ends_at)
    assert "Non retirée" not in client.get(page).get_data(as_text=True)
    monkeypatch.setattr("conciergerie.desk.views.utcnow", lambda: day_after)
    html = client.get(page).get_data(as_text=True)
    assert "Non retirée : attendue le mercredi 2 décembre." in html


def test_the_order_page_shows_what_is_due_and_the_money_forms_to_the_concierge_only(
    client, session, login_as, make_user
):
    order = factories.make_order(session)
    login_as(Role.CONCIERGE)
    html = client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    due = f"{order.total_cents // 100},{order.total_cents % 100:02d}"
    assert "Encaisser" in html and f'value="{due}"' in html  # the amount due, prefilled
    assert "Reste à régler" in html  # the ledger's block
    volunteer_client = client.application.test_client()
    sign_in(volunteer_client, make_user(Role.VOLUNTEER))
    page = volunteer_client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    assert order.code in page and "Encaisser" not in page
    assert client.get("/comptoir/commandes/999999").status_code == 404
