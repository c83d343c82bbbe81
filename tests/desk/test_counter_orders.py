"""Orders taken at the counter for customers without an account."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from conciergerie.desk import service as desk
from conciergerie.i18n import money
from conciergerie.models import OrderStatus, PaymentMethod, Role
from conciergerie.orders import service as orders
from conciergerie.payments.ledger import ledger
from conciergerie.timeutils import PARIS
from tests import factories
from tests.conftest import submit
from tests.factories import NOW, SETTINGS

PICKUP = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # Wednesday, 18:00 in Paris


def counter_order(session, concierge, customer, offer, *, pickup=None, quantity=1):
    return orders.place_order(
        session,
        customer=customer,
        lines=[orders.RequestedLine(offer, quantity)],
        dropoff_slot=None,
        pickup_slot=pickup or factories.make_slot(session, starts_at=PICKUP),
        note="Talon gauche usé",
        payment=PaymentMethod.DESK,
        now=NOW,
        settings=SETTINGS,
        at_counter=concierge,
    )


# The customer -------------------------------------------------------------------------------


def test_a_walk_in_customer_without_email_gets_an_account_that_is_never_mailed(session):
    user = desk.walk_in_customer(
        session, full_name=" Nadia B. ", phone="06 12 34 56 78", email="", now=NOW
    )
    assert user.is_walk_in and user.role is Role.RESIDENT and user.full_name == "Nadia B."
    assert user.email.endswith("@sans-adresse.invalid")
    from conciergerie.accounts import passwords
    from conciergerie.mail import can_mail

    assert not can_mail(user)
    assert not passwords.verify_password(user.password_hash, "!")
    # Served again with the same number, however it is written: the same customer.
    again = desk.walk_in_customer(
        session, full_name="Nadia", phone="06.12.34.56.78", email="", now=NOW
    )
    assert again.id == user.id


@pytest.mark.parametrize(
    "written", ["+33 6 12 34 56 78", "0033612345678", "+33 (0)6 12 34 56 78", "6 12 34 56 78"]
)
def test_a_french_number_written_with_the_country_code_is_the_same_number(session, written):
    user = desk.walk_in_customer(
        session, full_name="Nadia", phone="06 12 34 56 78", email="", now=NOW
    )
    again = desk.walk_in_customer(session, full_name="Nadia", phone=written, email="", now=NOW)
    assert again.id == user.id


def test_a_number_ending_the_same_way_is_not_the_same_number(session):
    user = desk.walk_in_customer(
        session, full_name="Nadia", phone="+44 6 12 34 56 78", email="", now=NOW
    )
    other = desk.walk_in_customer(
        session, full_name="Nadia", phone="06 12 34 56 78", email="", now=NOW
    )
    assert other.id != user.id


@pytest.mark.parametrize(
    ("national", "digits"),
    [
        ("06 12 34 56 78", "612345678"),
        ("+33 6 12 34 56 78", "612345678"),
        ("0033 6 12 34 56 78", "612345678"),
        ("+33 (0)6 12 34 56 78", "612345678"),
        ("33 6 12 34 56 78", "612345678"),
        ("+44 20 7946 0958", "442079460958"),
        ("0044 20 7946 0958", "442079460958"),
        ("06 12", "612"),
        ("+33 6 12", "612"),
    ],
)
def test_national_number(national, digits):
    assert desk.national_number(national) == digits


def test_a_household_sharing_a_phone_is_not_one_walk_in_customer(session):
    jean = desk.walk_in_customer(
        session, full_name="Jean Dupont", phone="06 12 34 56 78", email="", now=NOW
    )
    marie = desk.walk_in_customer(
        session, full_name="Marie Dupont", phone="0612345678", email="", now=NOW
    )
    assert marie.id != jean.id and marie.full_name == "Marie Dupont"
    assert (
        desk.walk_in_customer(session, full_name="jean", phone="06-12-34-56-78", email="", now=NOW)
        == jean
    )


def test_a_walk_in_customer_with_the_email_of_an_account_is_that_customer(session):
    resident = factories.make_user(session, email="lea@example.org")
    found = desk.walk_in_customer(
        session, full_name="Léa", phone="0611111111", email="Lea@Example.org", now=NOW
    )
    assert found.id == resident.id and found.phone == "0611111111"


@pytest.mark.parametrize(
    ("name", "phone", "email", "field"),
    [
        ("", "0612345678", "", "name"),
        ("Nadia", "", "", "phone"),
        ("Nadia", "12", "", "phone"),
        ("Nadia", "", "pas-une-adresse", "email"),
    ],
)
def test_a_walk_in_customer_needs_a_name_and_a_way_to_reach_them(
    session, name, phone, email, field
):
    with pytest.raises(desk.WalkInError) as error:
        desk.walk_in_customer(session, full_name=name, phone=phone, email=email, now=NOW)
    assert error.value.field == field


def test_a_staff_address_cannot_be_used_for_a_counter_order(session):
    factories.make_user(session, Role.VOLUNTEER, email="vol@example.org")
    with pytest.raises(desk.WalkInError, match="ne peut pas commander"):
        desk.walk_in_customer(session, full_name="X", phone="", email="vol@example.org", now=NOW)


# The order ----------------------------------------------------------------------------------


def test_a_counter_order_is_dropped_off_at_once_and_paid_at_the_desk(session):
    concierge = factories.make_user(session, Role.CONCIERGE)
    customer = desk.walk_in_customer(
        session, full_name="Nadia", phone="0612345678", email="", now=NOW
    )
    offer = factories.make_offer(session, turnaround_days=1, price_cents=1500)
    order = counter_order(session, concierge, customer, offer, quantity=2)
    assert order.status is OrderStatus.DROPPED_OFF
    assert order.dropoff_slot is None and order.has_dropoff
    assert order.payment_method is PaymentMethod.DESK
    assert ledger(order).balance_due_cents == 3000 + SETTINGS.resident_fee_cents
    assert [(e.to_status, e.actor_id) for e in order.events] == [
        (OrderStatus.PLACED, concierge.id),
        (OrderStatus.CONFIRMED, concierge.id),
        (OrderStatus.DROPPED_OFF, concierge.id),
    ]
    assert order.pickup_slot.booked == 1
    # Too late to cancel: the items are at the desk.
    with pytest.raises(orders.TooLate):
        orders.cancel_order(session, order, actor=customer, now=NOW)


def test_a_counter_order_is_placed_for_the_walk_in_customer_of_the_details(session):
    concierge = factories.make_user(session, Role.CONCIERGE)
    offer = factories.make_offer(session, turnaround_days=1)
    order = desk.place_counter_order(
        session,
        full_name="Nadia",
        phone="06 12 34 56 78",
        email="",
        lines=[orders.RequestedLine(offer, 1)],
        pickup_slot=factories.make_slot(session, starts_at=PICKUP),
        note="",
        actor=concierge,
        now=NOW,
        settings=SETTINGS,
    )
    assert order.customer.is_walk_in and order.customer.full_name == "Nadia"
    assert order.status is OrderStatus.DROPPED_OFF and order.payment_method is PaymentMethod.DESK


def test_a_counter_order_respects_the_work_s_turnaround(session):
    concierge = factories.make_user(session, Role.CONCIERGE)
    customer = factories.make_user(session)
    offer = factories.make_offer(session, turnaround_days=3)
    tomorrow = factories.make_slot(session, starts_at=NOW + timedelta(days=1))
    with pytest.raises(orders.OrderError, match="Trop tôt"):
        counter_order(session, concierge, customer, offer, pickup=tomorrow)


def test_only_the_concierge_takes_counter_orders(session):
    volunteer = factories.make_user(session, Role.VOLUNTEER)
    with pytest.raises(orders.OrderNotAllowed):
        counter_order(
            session, volunteer, factories.make_user(session), factories.make_offer(session)
        )


def test_the_rounds_carry_a_counter_order_s_items(session):
    from conciergerie.rounds import service as rounds

    concierge = factories.make_user(session, Role.CONCIERGE)
    offer = factories.make_offer(session, turnaround_days=1)
    order = counter_order(session, concierge, factories.make_user(session), offer)
    moved = rounds._lines_to_move(session, NOW.date(), set(), SETTINGS.transport_margin_days)
    assert [c.line.id for c in moved] == [order.lines[0].id]


# The page -----------------------------------------------------------------------------------


def form_data(offer, slot, **kw):
    data = {
        "name": "Nadia Benali",
        "phone": "06 12 34 56 78",
        "email": "",
        "lines-0-offer": offer.id,
        "lines-0-quantity": 2,
        "lines-1-offer": 0,
        "lines-1-quantity": "",
        "lines-2-offer": 0,
        "lines-2-quantity": "",
        "pickup_slot": slot.id,
        "note": "Talons usés",
    }
    return {**data, **kw}


@pytest.fixture
def counter_page(client, session, login_as, monkeypatch):
    monkeypatch.setattr("conciergerie.desk.views.utcnow", lambda: NOW)
    login_as(Role.CONCIERGE)
    offer = factories.make_offer(session, turnaround_days=1, name="Ressemelage")
    slot = factories.make_slot(session, starts_at=PICKUP)
    return offer, slot


def test_the_concierge_takes_an_order_at_the_counter(client, session, counter_page, outbox):
    offer, slot = counter_page
    page = client.get("/comptoir/nouvelle-commande").get_data(as_text=True)
    assert "Ressemelage" in page and 'name="csrf_token"' in page
    response = submit(client, "/comptoir/nouvelle-commande", form_data(offer, slot))
    assert response.status_code == 302
    from conciergerie.models import Order

    order = session.query(Order).one()
    assert response.location.endswith(f"/comptoir/commandes/{order.id}")
    assert order.customer.full_name == "Nadia Benali" and order.customer.is_walk_in
    assert order.lines[0].quantity == 2 and order.status is OrderStatus.DROPPED_OFF
    assert outbox == []  # no address, no mail
    # The desk finds it by the phone number as typed another way: the only match, opened.
    for typed in ("06.12.34.56.78", "+33 6 12 34"):
        found = client.get("/comptoir/", query_string={"q": typed})
        assert found.location.endswith(f"/comptoir/commandes/{order.id}"), typed


def test_a_walk_in_with_an_email_gets_the_confirmation(client, session, counter_page, outbox):
    offer, slot = counter_page
    data = form_data(offer, slot, email="nadia@example.org")
    assert submit(client, "/comptoir/nouvelle-commande", data).status_code == 302
    assert [m.to for m in outbox] == [["nadia@example.org"]]


def test_the_counter_takes_more_items_than_a_customer_may_order(client, session, counter_page):
    """Customers order 20 items at most; the desk takes what is brought (999 a line at most)."""
    offer, slot = counter_page
    other = factories.make_offer(session, turnaround_days=1, name="Repassage")
    data = form_data(
        offer, slot, **{"lines-0-quantity": 60, "lines-1-offer": other.id, "lines-1-quantity": 5}
    )
    assert submit(client, "/comptoir/nouvelle-commande", data).status_code == 302
    from conciergerie.models import Order, OrderOrigin

    order = session.query(Order).one()
    assert order.origin is OrderOrigin.COUNTER
    assert [line.quantity for line in order.lines] == [60, 5]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Indiquez le nom du client."),
        ({"phone": ""}, "Un téléphone ou une adresse e-mail"),
        ({"email": "pas-une-adresse"}, "Adresse e-mail invalide."),
        ({"lines-0-offer": 0}, "Choisissez au moins une prestation."),
        ({"lines-0-offer": 999999}, "Prestation inconnue."),
        ({"lines-0-quantity": 1000}, "Entre 1 et 999."),
        ({"pickup_slot": ""}, "Choisissez un créneau de retrait."),
    ],
)
def test_bad_counter_orders_are_form_errors(client, session, counter_page, change, message):
    offer, slot = counter_page
    response = submit(client, "/comptoir/nouvelle-commande", form_data(offer, slot, **change))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    from conciergerie.models import Order

    assert session.query(Order).count() == 0


def test_a_pickup_too_early_for_the_work_is_a_form_error(client, session, counter_page):
    offer, fitting = counter_page
    soon = factories.make_slot(session, starts_at=NOW + timedelta(hours=3))
    # Once the lines are known, only the pickups that leave time for the work are offered.
    shown = submit(
        client, "/comptoir/nouvelle-commande", {**form_data(offer, soon), "etape": "total"}
    )
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and money(2 * 1000 + SETTINGS.resident_fee_cents) in html
    offered = re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', html)
    assert offered == [str(fitting.id)] and str(soon.id) not in offered
    # Posted all the same, the too-early slot is refused on its field.
    response = submit(client, "/comptoir/nouvelle-commande", form_data(offer, soon))
    assert response.status_code == 422
    assert 'id="pickup_slot-error"' in response.get_data(as_text=True)
    from conciergerie.models import Order, User

    # Nothing is kept: neither the order nor the walk-in customer made for it.
    assert session.query(Order).count() == 0
    assert session.query(User).filter_by(full_name="Nadia Benali").count() == 0


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.RESIDENT, Role.PROVIDER])
def test_only_the_concierge_opens_the_counter_order_page(client, login_as, role):
    login_as(role)
    assert client.get("/comptoir/nouvelle-commande").status_code == 403


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("06 12 34 56 78", {"nadia"}),
        ("+33 6 12 34", {"nadia"}),
        ("0033 6 12", {"nadia"}),
        ("06 12", {"nadia"}),  # the start of her number, not the "612" inside Paul's
        ("56 78", {"nadia"}),  # the end of a number: looked for anywhere
        ("01 45", {"paul"}),
        ("0033", set()),  # no number yet: nobody, rather than everybody
        ("+44 20 79", {"tom"}),
    ],
)
def test_the_desk_finds_a_customer_by_phone_however_it_is_written(session, typed, found):
    people = {
        "nadia": "+33 6 12 34 56 78",
        "paul": "01 45 61 23 45",
        "tom": "0044 20 7946 0958",
    }
    orders_of = {}
    for name, phone in people.items():
        customer = factories.make_user(session, Role.RESIDENT, full_name=name.title())
        customer.phone = phone
        orders_of[factories.make_order(session, customer=customer).id] = name
    session.flush()
    assert {orders_of[o.id] for o in desk.active_orders(session, search=typed)} == found


def test_a_counter_customer_who_chose_a_password_is_found_again_by_phone(session):
    from conciergerie.accounts import service as accounts

    nadia = desk.walk_in_customer(
        session, full_name="Nadia", phone="06 12 34 56 78", email="nadia@example.org", now=NOW
    )
    accounts.set_password(nadia, "un-mot-de-passe-solide-59")  # she claimed her account
    again = desk.walk_in_customer(
        session, full_name="Nadia B.", phone="06 12 34 56 78", email="", now=NOW
    )
    assert again.id == nadia.id
    # A closed account is not served again: a new one is made.
    nadia.is_active_account = False
    other = desk.walk_in_customer(
        session, full_name="Nadia", phone="06 12 34 56 78", email="", now=NOW
    )
    assert other.id != nadia.id


def test_the_counter_form_shows_one_days_pickup_times_at_a_time(client, session, counter_page):
    offer, first = counter_page
    later = factories.make_slot(session, starts_at=first.starts_at + timedelta(days=1))
    data = {**form_data(offer, first), "pickup_slot": "", "etape": "total"}
    shown = submit(client, "/comptoir/nouvelle-commande", data).get_data(as_text=True)
    assert re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', shown) == [str(first.id)]
    next_day = later.starts_at.astimezone(PARIS).date().isoformat()
    other = submit(
        client,
        "/comptoir/nouvelle-commande",
        {**data, "etape": "heures", "pickup_day": next_day},
    ).get_data(as_text=True)
    assert re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', other) == [str(later.id)]
    assert 'value="Nadia Benali"' in other  # what was typed stays
