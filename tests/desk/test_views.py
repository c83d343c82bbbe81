import pytest

from conciergerie.models import OrderStatus, Role
from tests import factories
from tests.conftest import submit


def step(client, order, status):
    return submit(
        client,
        f"/comptoir/commandes/{order.id}/etape",
        {"to_status": status.value},
        form_url="/comptoir/",
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
    html = client.get("/comptoir/").get_data(as_text=True)
    assert order.code in html and "Déposée au comptoir" in html
    for status in (
        OrderStatus.DROPPED_OFF,
        OrderStatus.AT_PROVIDER,
        OrderStatus.READY_AT_PROVIDER,
        OrderStatus.BACK_AT_DESK,
    ):
        assert step(client, order, status).status_code == 302
    session.refresh(order)
    assert order.status is OrderStatus.BACK_AT_DESK
    assert [m.subject for m in outbox] == [f"Commande {order.code} prête à retirer"]


def test_volunteer_may_only_carry(client, session, login_as):
    login_as(Role.VOLUNTEER)
    order = factories.make_order(session)
    refused = step(client, order, OrderStatus.DROPPED_OFF)  # only the concierge receives items
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "pas de votre ressort" in html and order.code in html  # the desk, on this order
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


def test_find_an_order_by_its_code(client, session, login_as):
    login_as(Role.CONCIERGE)
    first, second = factories.make_order(session), factories.make_order(session)
    html = client.get(f"/comptoir/?q={second.code.lower()}").get_data(as_text=True)
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
    # Wildcards are plain characters.
    html = client.get("/comptoir/", query_string={"q": "%"}).get_data(as_text=True)
    assert hers.code not in html and "Aucune commande" in html


def test_todays_slots_show_who_comes_to_drop_off_and_to_collect(
    client, session, login_as, monkeypatch
):
    from datetime import timedelta

    now = factories.NOW
    monkeypatch.setattr("conciergerie.desk.views.utcnow", lambda: now)
    login_as(Role.CONCIERGE)
    today = factories.make_slot(session, starts_at=now + timedelta(hours=1))
    dropping = factories.make_order(
        session, customer=factories.make_user(session, full_name="Ali Dépôt"), dropoff=today
    )
    collecting = factories.make_order(
        session, customer=factories.make_user(session, full_name="Léa Retrait")
    )
    collecting.pickup_slot, collecting.status = today, OrderStatus.BACK_AT_DESK  # placed long ago
    session.flush()
    html = client.get("/comptoir/").get_data(as_text=True)
    section = html.split('id="today"')[1].split("</section>")[0]
    assert "11:30" in section  # 10:30 UTC in Paris
    assert dropping.code in section and "Ali Dépôt" in section
    assert collecting.code in section and "Léa Retrait" in section


def test_an_order_not_collected_on_its_day_is_flagged(client, session, login_as, monkeypatch):
    from datetime import timedelta

    order = factories.make_order(session)
    order.status = OrderStatus.BACK_AT_DESK
    day_after = order.pickup_slot.ends_at + timedelta(days=1)
    login_as(Role.CONCIERGE)
    monkeypatch.setattr("conciergerie.desk.views.utcnow", lambda: order.pickup_slot.ends_at)
    assert "Non retirée" not in client.get("/comptoir/").get_data(as_text=True)
    monkeypatch.setattr("conciergerie.desk.views.utcnow", lambda: day_after)
    html = client.get("/comptoir/").get_data(as_text=True)
    assert "Non retirée : attendue le mercredi 2 décembre." in html
    assert "Personne n&#39;est attendu aujourd&#39;hui." in html or (
        "Personne n'est attendu aujourd'hui." in html
    )


def test_desk_shows_what_is_due_and_the_money_forms_to_the_concierge_only(
    client, session, login_as, make_user
):
    order = factories.make_order(session)
    login_as(Role.CONCIERGE)
    html = client.get("/comptoir/").get_data(as_text=True)
    due = f"{order.total_cents // 100},{order.total_cents % 100:02d}"
    assert "Encaisser" in html and f'value="{due}"' in html  # the amount due, prefilled
    assert 'id="csrf_token"' not in html  # many forms on one page: no duplicate ids
    volunteer_client = client.application.test_client()
    from tests.conftest import sign_in

    sign_in(volunteer_client, make_user(Role.VOLUNTEER))
    assert "Encaisser" not in volunteer_client.get("/comptoir/").get_data(as_text=True)
