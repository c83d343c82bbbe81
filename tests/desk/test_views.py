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
    step(client, order, OrderStatus.DROPPED_OFF)  # only the concierge receives items
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
    html = client.get(f"/comptoir/?code={second.code.lower()}").get_data(as_text=True)
    assert second.code in html and first.code not in html


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
