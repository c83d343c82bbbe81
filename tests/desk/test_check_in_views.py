"""The reception form on the desk's order page, and the remarks the provider and the customer
see."""

from __future__ import annotations

import re

import pytest

from conciergerie.i18n import money
from conciergerie.models import OrderStatus, Payment, PaymentKind, PaymentMethod, Role
from conciergerie.payments.ledger import ledger
from tests import factories
from tests.conftest import csrf_token, sign_in, submit
from tests.desk.test_check_in import two_line_order


def url(order) -> str:
    return f"/comptoir/commandes/{order.id}/reception"


def post(client, order, data: dict, *, token: bool = True):
    """Post the reception form of `order` (`data` keys without the form's prefix)."""
    prefix = f"reception-{order.id}-"
    form = {prefix + key: value for key, value in data.items()}
    if token:
        form[prefix + "csrf_token"] = csrf_token(client, "/comptoir/")
    return client.post(url(order), data=form)


def everything(order, remarks: str = "") -> dict:
    data = {
        f"received_{line.id}": str(line.quantity)
        for line in order.lines
        if line.kind.value == "service"
    }
    return {**data, "remarks": remarks}


def test_the_desk_order_page_shows_the_reception_form_instead_of_the_plain_button(
    client, session, login_as
):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    resoling, cleaning = order.lines
    html = client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    card = html.split("<main")[1].split("</main>")[0]
    assert f'action="{url(order)}"' in card
    assert "/etape" not in card  # one way to receive the items
    # Labelled inputs, ids unique to the order, the ordered quantity by default.
    for line, ordered, words in ((resoling, 2, "2 commandés"), (cleaning, 1, "1 commandé")):
        field_id = f"reception-{order.id}-received_{line.id}"
        assert f'<label for="{field_id}">Articles reçus : {line.name} ({words})' in card
        assert re.search(rf'id="{field_id}"[^>]* max="{ordered}" min="1"', card) or re.search(
            rf'id="{field_id}"[^>]*value="{ordered}"', card
        )
        assert f'value="{ordered}"' in card
    assert f'<label for="reception-{order.id}-remarks">État des articles, remarques' in card
    assert 'inputmode="numeric"' in card


def test_volunteers_see_no_reception_form(client, session, login_as):
    login_as(Role.VOLUNTEER)
    order = two_line_order(session)
    html = client.get(f"/comptoir/commandes/{order.id}").get_data(as_text=True)
    assert order.code in html and url(order) not in html


def test_the_concierge_receives_the_items_and_is_sent_to_print_the_labels(
    client, session, login_as
):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    resoling, cleaning = order.lines
    data = {**everything(order, "talon gauche décollé"), f"received_{resoling.id}": "1"}
    response = post(client, order, data)
    assert response.status_code == 302
    assert response.location.endswith(f"/comptoir/commandes/{order.id}")
    session.expire_all()
    assert order.status is OrderStatus.DROPPED_OFF
    assert resoling.quantity == 1 and order.total_cents == 2000 + 800 + 150
    html = client.get(response.location).get_data(as_text=True)
    assert (
        f'<a href="/comptoir/commandes/{order.id}/etiquettes">Imprimer les étiquettes</a>' in html
    )
    assert "Pensez à encaisser : 29,50" in html
    assert "État au dépôt :</strong> talon gauche décollé" in html  # on the order's desk page too


def test_no_payment_reminder_when_paid_online(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = two_line_order(session, payment=PaymentMethod.ONLINE)
    response = post(client, order, everything(order))
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "Imprimer les étiquettes</a>" in html and "Pensez à encaisser" not in html


def test_paid_more_than_the_lowered_total_is_given_back_at_the_counter(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    session.add(Payment(order=order, kind=PaymentKind.DESK_CASH, amount_cents=order.total_cents))
    session.flush()
    resoling, _cleaning = order.lines
    response = post(client, order, {**everything(order), f"received_{resoling.id}": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{money(2000)} à rembourser." in page
    # The order's desk page says what to give back, with one button for it.
    assert f"Rendu au comptoir : {money(2000)}" in page
    session.expire_all()
    assert order.status is OrderStatus.DROPPED_OFF and resoling.quantity == 1
    assert ledger(order).desk_refund_due_cents == 2000
    given = submit(
        client,
        f"/comptoir/commandes/{order.id}/rendu",
        {},
        form_url=f"/comptoir/commandes/{order.id}",
    )
    assert given.status_code == 302
    session.expire_all()
    figures = ledger(order)
    assert (figures.refunded_cents, figures.refund_due_cents, figures.balance_due_cents) == (
        2000,
        0,
        0,
    )
    assert order.refunds[0].payment.kind is PaymentKind.DESK_CASH


def test_zero_items_is_refused(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = factories.make_order(session)
    [line] = order.lines
    response = post(client, order, {f"received_{line.id}": "0", "remarks": ""})
    assert response.status_code == 422
    assert "Aucun article reçu" in response.get_data(as_text=True)
    session.expire_all()
    assert order.status is OrderStatus.CONFIRMED


@pytest.mark.parametrize(
    ("value", "message"),
    [("deux", "entier valide"), ("", "Indiquez le nombre"), ("7", "Entre 1 et 2")],
)
def test_bad_numbers_are_a_form_error_on_their_field(client, session, login_as, value, message):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    resoling, _cleaning = order.lines
    response = post(client, order, {**everything(order), f"received_{resoling.id}": value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field_id = f"reception-{order.id}-received_{resoling.id}"
    assert f'id="{field_id}-error"' in html and message in html
    assert 'aria-invalid="true"' in html
    session.expire_all()
    assert order.status is OrderStatus.CONFIRMED


def test_remarks_too_long_are_a_form_error(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    response = post(client, order, everything(order, "x" * 301))
    assert response.status_code == 422
    assert f'id="reception-{order.id}-remarks-error"' in response.get_data(as_text=True)


def test_a_missing_line_is_a_form_error(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    resoling, _cleaning = order.lines
    data = everything(order)
    del data[f"received_{resoling.id}"]
    assert post(client, order, data).status_code == 422


def test_unknown_or_basket_lines_are_a_400(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = two_line_order(session, basket=True)
    basket = order.lines[2]
    other = factories.make_order(session)
    for extra in (f"received_{basket.id}", f"received_{other.lines[0].id}", "received_x"):
        response = post(client, order, {**everything(order), extra: "1"})
        assert response.status_code == 400, extra
    session.expire_all()
    assert order.status is OrderStatus.CONFIRMED


def test_without_the_csrf_token_it_is_a_400(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    assert post(client, order, everything(order), token=False).status_code == 400
    session.expire_all()
    assert order.status is OrderStatus.CONFIRMED


def test_an_order_already_received_is_explained(client, session, login_as):
    login_as(Role.CONCIERGE)
    order = two_line_order(session)
    data = everything(order)
    assert post(client, order, data).status_code == 302
    response = post(client, order, data)  # a second click, or a second tab
    assert response.status_code == 409  # the order has moved on
    html = response.get_data(as_text=True)
    assert "n&#39;attend pas de dépôt" in html or "n'attend pas de dépôt" in html
    assert order.code in html and "<h1>Commande" in html  # the order's desk page


def test_unknown_order_is_a_404(client, login_as):
    login_as(Role.CONCIERGE)
    token = csrf_token(client, "/comptoir/")
    assert (
        client.post("/comptoir/commandes/999999/reception", data={"csrf_token": token}).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.PROVIDER, Role.RESIDENT, Role.EMPLOYEE])
def test_only_the_concierge_may_receive(client, session, login_as, role):
    order = two_line_order(session)
    login_as(role)
    if role is Role.RESIDENT:
        sign_in(client, order.customer)  # their own order all the same
    elif role is Role.PROVIDER:
        staff = factories.make_user(session, Role.PROVIDER, provider=order.lines[0].provider)
        sign_in(client, staff)  # the order's own provider all the same
    # A token from another page the user may see: the refusal is the role's, not the token's.
    token = csrf_token(client, "/compte/")
    prefix = f"reception-{order.id}-"
    data = {prefix + k: v for k, v in everything(order).items()}
    response = client.post(url(order), data={**data, prefix + "csrf_token": token})
    assert response.status_code == 403
    session.expire_all()
    assert order.status is OrderStatus.CONFIRMED


def test_the_provider_sees_the_remarks_but_never_the_customers_contact(client, session, login_as):
    order = two_line_order(session)
    customer = order.customer
    customer.phone = "06 12 34 56 78"
    staff = factories.make_user(session, Role.PROVIDER, provider=order.lines[0].provider)
    login_as(Role.CONCIERGE)
    assert post(client, order, everything(order, "talon gauche décollé")).status_code == 302
    sign_in(client, staff)
    html = client.get("/prestataire/").get_data(as_text=True)
    assert "État au dépôt :</strong> talon gauche décollé" in html
    assert customer.email not in html and "06 12 34 56 78" not in html
    assert customer.full_name not in html


def test_the_customer_sees_the_remarks_on_their_order(client, session, login_as):
    order = two_line_order(session)
    login_as(Role.CONCIERGE)
    assert post(client, order, everything(order, "rayure sur la semelle")).status_code == 302
    sign_in(client, order.customer)
    html = client.get(f"/commandes/{order.id}").get_data(as_text=True)
    journey = html.split('id="journey"')[1].split("</section>")[0]
    assert "État au dépôt :</strong> rayure sur la semelle" in journey
