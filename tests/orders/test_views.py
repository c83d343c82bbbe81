"""The HTML ordering flow: basket, checkout, "Mes commandes", cancelling, the .ics file."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.models import DeskSlot, Order, OrderStatus, Role
from conciergerie.timeutils import local_date
from tests import factories
from tests.conftest import sign_in, submit

# The views use the real clock: put the slots well in the future, at 8:00 Paris time.
SOON = (factories.NOW + timedelta(days=2)).replace(hour=7, minute=0)  # Friday, 8:00 in Paris


@pytest.fixture
def offer(session):
    provider = factories.make_provider(session, slug="cordonnerie", name="Cordonnerie Gambetta")
    return factories.make_offer(
        session, provider=provider, name="Ressemelage", price_cents=1800, turnaround_days=3
    )


@pytest.fixture
def slots(session):
    """A slot every day at 8:00 (Paris) for the next four weeks."""
    return [factories.make_slot(session, starts_at=SOON + timedelta(days=n)) for n in range(28)]


def add(client, offer, quantity=1):
    return submit(
        client,
        "/panier/ajouter",
        {"offer_id": offer.id, "quantity": quantity},
        form_url=f"/catalogue/prestataires/{offer.provider.slug}",
    )


def test_add_to_basket_from_the_provider_page(client, offer):
    response = add(client, offer, 2)
    assert response.status_code == 302
    html = client.get("/panier").get_data(as_text=True)
    assert "Ressemelage" in html and "36,00\xa0€" in html


@pytest.mark.parametrize("quantity", ["0", "21", "1000", "abc", ""])
def test_bad_quantities_are_refused_with_a_message(client, offer, quantity):
    add(client, offer, quantity)
    html = client.get("/panier").get_data(as_text=True)
    assert "Votre panier est vide" in html


def test_unknown_offer_is_a_404(client, offer):
    response = submit(client, "/panier/ajouter", {"offer_id": 999999, "quantity": 1}, form_url="/")
    assert response.status_code == 404


def test_basket_is_kept_when_signing_in(client, offer, make_user):
    make_user(email="nadia@example.org")
    add(client, offer)
    submit(
        client, "/compte/connexion", {"email": "nadia@example.org", "password": factories.PASSWORD}
    )
    assert "Ressemelage" in client.get("/panier").get_data(as_text=True)


def test_basket_shows_the_fee_of_the_customer(client, offer, login_as, make_member_company):
    login_as(Role.EMPLOYEE, member_company=make_member_company(is_subscriber=True))
    add(client, offer)
    html = client.get("/panier").get_data(as_text=True)
    assert "offerts" in html and "18,00\xa0€" in html


def test_the_basket_says_why_an_employee_not_yet_verified_pays_the_fee(
    client, offer, login_as, make_member_company
):
    company = make_member_company(name="Grands Ensemble", is_subscriber=True)
    login_as(Role.EMPLOYEE, member_company=company, company_verified_at=None)
    add(client, offer)
    html = client.get("/panier").get_data(as_text=True)
    assert "offerts" not in html and "1,50\xa0€" in html and "19,50\xa0€" in html
    assert "Votre rattachement à Grands Ensemble n'est pas encore vérifié" in html


def test_the_basket_says_when_the_company_does_not_subscribe(
    client, offer, login_as, make_member_company
):
    login_as(Role.EMPLOYEE, member_company=make_member_company(name="Smart"))
    add(client, offer)
    html = client.get("/panier").get_data(as_text=True)
    assert "1,50\xa0€" in html and "Smart n'est pas abonnée à la conciergerie" in html


def test_checkout_needs_an_account(client, offer):
    add(client, offer)
    response = client.get("/commande")
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/compte/connexion"
    )


def test_staff_cannot_check_out(client, offer, login_as):
    login_as(Role.VOLUNTEER)
    add(client, offer)
    assert client.get("/commande").status_code == 403


def test_the_whole_checkout(client, session, offer, slots, login_as, outbox):
    customer = login_as(Role.RESIDENT, email="nadia@example.org")
    add(client, offer, 2)
    step1 = client.get("/commande").get_data(as_text=True)
    assert "Étape 1 sur 2" in step1 and f'value="{slots[0].id}"' in step1
    step2 = client.get(f"/commande?depot={slots[0].id}").get_data(as_text=True)
    # Only pickups that leave 3 working days of work + 1 of transport are offered: the days
    # before are not among the days to choose from, and the first day's times are shown.
    days = re.findall(r"retrait=(\d{4}-\d{2}-\d{2})", step2)
    too_early = {local_date(slot.starts_at).isoformat() for slot in slots[:3]}
    assert days and not too_early & set(days)
    offered = [int(v) for v in re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', step2)]
    assert (
        offered and local_date(session.get(DeskSlot, offered[0]).starts_at).isoformat() == days[0]
    )
    # Another day's link shows that day's times.
    other = client.get(f"/commande?depot={slots[0].id}&retrait={days[1]}").get_data(as_text=True)
    assert 'aria-current="date"' in other and f'retrait={days[1]}" data-day' in other
    other_times = re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', other)
    assert other_times and other_times != [str(t) for t in offered]
    assert "3,00\xa0€" not in step2 and "1,50\xa0€" in step2  # the resident's fee
    pickup_id = offered[0]
    response = submit(
        client,
        "/commande",
        {
            "dropoff_slot": slots[0].id,
            "pickup_slot": pickup_id,
            "note": "talons usés côté gauche",
            "payment": "desk",
        },
        form_url=f"/commande?depot={slots[0].id}",
    )
    assert response.status_code == 302
    order = session.scalar(sa.select(Order).where(Order.customer_id == customer.id))
    assert response.headers["Location"] == f"/commandes/{order.id}"
    assert order.status is OrderStatus.CONFIRMED and order.total_cents == 3750
    assert order.note == "talons usés côté gauche"
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.code in detail and "Confirmée" in detail
    assert "Votre panier est vide" in client.get("/panier").get_data(as_text=True)
    # The confirmation mail, text and HTML, after the commit.
    assert len(outbox) == 1 and order.code in outbox[0].subject
    assert order.code in outbox[0].body and outbox[0].alternatives[0][1] == "text/html"


def test_a_pickup_the_page_did_not_offer_is_refused(client, session, offer, slots, login_as):
    # The form only accepts the slots it offered (those that leave time for the work); the rule
    # itself is tested on the service (tests/orders/test_service.py).
    login_as(Role.RESIDENT)
    add(client, offer)
    response = submit(
        client,
        "/commande",
        {"dropoff_slot": slots[0].id, "pickup_slot": slots[1].id, "payment": "desk"},
        form_url=f"/commande?depot={slots[0].id}",
    )
    assert response.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_full_dropoff_slot_sends_back_to_step_one(client, session, offer, slots, login_as):
    slots[0].booked = slots[0].capacity
    session.flush()
    login_as(Role.RESIDENT)
    add(client, offer)
    html = client.get(f"/commande?depot={slots[0].id}").get_data(as_text=True)
    assert "plus disponible" in html


def test_a_resident_cannot_see_or_cancel_another_ones_order(client, session, make_user):
    order = factories.make_order(session, customer=make_user(Role.RESIDENT))
    sign_in(client, make_user(Role.RESIDENT))
    assert client.get(f"/commandes/{order.id}").status_code == 404
    assert client.get(f"/commandes/{order.id}.ics").status_code == 404
    response = submit(client, f"/commandes/{order.id}/annuler", {}, form_url="/")
    assert response.status_code == 404
    assert order.status is OrderStatus.CONFIRMED
    assert order.code not in client.get("/commandes/").get_data(as_text=True)


def test_my_orders_lists_only_mine(client, session, make_user):
    me, other = make_user(), make_user()
    mine = factories.make_order(session, customer=me)
    theirs = factories.make_order(session, customer=other)
    sign_in(client, me)
    html = client.get("/commandes/").get_data(as_text=True)
    assert mine.code in html and theirs.code not in html


def test_customer_cancels_from_the_order_page(client, session, make_user, slots, offer):
    me = make_user()
    order = factories.make_order(
        session, customer=me, offer=offer, dropoff=slots[0], pickup=slots[10], now=datetime.now(UTC)
    )
    sign_in(client, me)
    response = submit(
        client, f"/commandes/{order.id}/annuler", {}, form_url=f"/commandes/{order.id}"
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Order, order.id).status is OrderStatus.CANCELLED
    session.refresh(slots[0])
    assert slots[0].booked == 0


def test_cancelling_too_late_is_refused_with_a_message(client, session, make_user):
    me = make_user()
    order = factories.make_order(session, customer=me)
    order.cancellable_until = datetime.now(UTC) - timedelta(minutes=1)
    session.flush()
    sign_in(client, me)
    response = submit(
        client, f"/commandes/{order.id}/annuler", {}, form_url="/", follow_redirects=True
    )
    assert "Trop tard pour annuler" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Order, order.id).status is OrderStatus.CONFIRMED


def test_ics_file_has_both_slots(client, session, make_user):
    from icalendar import Calendar

    me = make_user()
    order = factories.make_order(session, customer=me)
    sign_in(client, me)
    response = client.get(f"/commandes/{order.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    starts = sorted(event.decoded("dtstart") for event in events)
    assert starts == [order.dropoff_slot.starts_at, order.pickup_slot.starts_at]
    assert all("75 rue Gambetta" in str(event["location"]) for event in events)


# Limits of a customer's own orders (tests/orders/test_limits.py tests the rules) ---------------


def basket_in_cookie(client) -> dict:
    with client.session_transaction() as http_session:
        return dict(http_session.get("basket", {}))


def test_the_basket_refuses_a_21st_item_and_says_why(client, offer):
    assert add(client, offer, 15).status_code == 302
    response = add(client, offer, 6)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        "Une commande passée en ligne compte au plus 20 articles (ici 21) : retirez-en, ou venez "
        "au comptoir pour en confier davantage." in html
    )
    assert basket_in_cookie(client) == {str(offer.id): 15}  # unchanged


def test_a_quantity_changed_past_the_limit_is_refused(client, offer):
    add(client, offer, 2)
    response = submit(
        client, "/panier/modifier", {"offer_id": offer.id, "quantity": 25}, form_url="/panier"
    )
    assert response.status_code == 422
    assert "compte au plus 20 articles (ici 25)" in response.get_data(as_text=True)
    assert basket_in_cookie(client) == {str(offer.id): 2}


def test_the_basket_page_tells_the_limit(client, offer):
    add(client, offer)
    html = client.get("/panier").get_data(as_text=True)
    assert "Une commande passée en ligne compte au plus 20 articles ; au comptoir" in html
    assert 'max="20"' in html


def test_a_basket_past_the_limit_is_refused_at_checkout(client, session, offer, slots, login_as):
    """A basket filled before the limit was lowered, say: the page and the checkout say why."""
    login_as(Role.RESIDENT)
    with client.session_transaction() as http_session:
        http_session["basket"] = {str(offer.id): 25}
    assert "(ici 25)" in client.get("/panier").get_data(as_text=True)
    step2 = client.get(f"/commande?depot={slots[0].id}").get_data(as_text=True)
    pickup_id = re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', step2)[0]
    response = submit(
        client,
        "/commande",
        {"dropoff_slot": slots[0].id, "pickup_slot": pickup_id, "payment": "desk"},
        form_url=f"/commande?depot={slots[0].id}",
    )
    assert response.status_code == 422
    assert "compte au plus 20 articles (ici 25)" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_fourth_order_paid_at_the_desk_is_refused_on_the_payment_field(
    client, session, offer, slots, login_as
):
    customer = login_as(Role.RESIDENT)
    for _ in range(3):
        factories.make_order(
            session, customer=customer, offer=offer, dropoff=slots[0], pickup=slots[10]
        )
    add(client, offer)
    step2 = client.get(f"/commande?depot={slots[1].id}").get_data(as_text=True)
    pickup_id = re.findall(r'name="pickup_slot"[^>]*value="(\d+)"', step2)[0]
    response = submit(
        client,
        "/commande",
        {"dropoff_slot": slots[1].id, "pickup_slot": pickup_id, "payment": "desk"},
        form_url=f"/commande?depot={slots[1].id}",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        '<p class="error" id="payment-error">Vous avez déjà 3 commandes à régler au comptoir qui '
        "attendent leur dépôt (3 au plus) : déposez vos articles" in html
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 3


def test_the_drop_off_is_chosen_by_day_then_time(client, session, offer, slots, login_as):
    login_as(Role.RESIDENT)
    add(client, offer)
    step1 = client.get("/commande").get_data(as_text=True)
    days = re.findall(r"jour=(\d{4}-\d{2}-\d{2})", step1)
    assert len(days) == len(set(days)) >= 20  # one link per day with a free slot
    # The first day is shown; another day's link shows its own times.
    assert re.search(rf'name="depot"[^>]*value="{slots[0].id}"', step1)
    later = client.get(f"/commande?jour={days[3]}").get_data(as_text=True)
    times = re.findall(r'name="depot"[^>]*value="(\d+)"', later)
    assert times and str(slots[0].id) not in times
    assert local_date(session.get(DeskSlot, int(times[0])).starts_at).isoformat() == days[3]
    # Continuing without a time says so, on the field.
    empty = client.get(f"/commande?jour={days[3]}&continuer=1")
    assert empty.status_code == 422
    assert "Choisissez un créneau de dépôt." in empty.get_data(as_text=True)


def test_my_orders_shows_those_under_way_then_the_finished_ones_twenty_a_page(
    client, session, make_user
):
    from conciergerie.orders.views import PAST_PER_PAGE

    me = make_user()
    dropoff = factories.make_slot(session, capacity=100)
    pickup = factories.make_slot(
        session, starts_at=datetime(2026, 12, 2, 17, 0, tzinfo=UTC), capacity=100
    )
    current = factories.make_order(session, customer=me, dropoff=dropoff, pickup=pickup)
    for _ in range(PAST_PER_PAGE + 3):
        order = factories.make_order(session, customer=me, dropoff=dropoff, pickup=pickup)
        order.status = OrderStatus.CANCELLED
    session.flush()
    sign_in(client, me)
    first = client.get("/commandes/").get_data(as_text=True)
    assert "En cours (1)" in first and f"Terminées ({PAST_PER_PAGE + 3})" in first
    assert current.code in first and first.count('class="card"') == 1
    assert first.count('<li><a href="/commandes/') == PAST_PER_PAGE
    assert "Page 1 sur 2" in first and "?page=2" in first
    second = client.get("/commandes/?page=2").get_data(as_text=True)
    assert second.count('<li><a href="/commandes/') == 3 and "Page 2 sur 2" in second
    # A page past the last (or not a number) shows the nearest one, never an error.
    assert "Page 2 sur 2" in client.get("/commandes/?page=99").get_data(as_text=True)
    assert "Page 1 sur 2" in client.get("/commandes/?page=abc").get_data(as_text=True)
