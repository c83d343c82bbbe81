"""RGPD: people download their data, erase their account, and inactive accounts are erased."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conciergerie.accounts import privacy
from conciergerie.api import service as tokens
from conciergerie.events import service as events
from conciergerie.models import ApiToken, Order, OrderStatus, Registration, RegistrationStatus, Role
from tests.conftest import sign_in, submit
from tests.factories import NOW, PASSWORD, make_event, make_order


@pytest.fixture
def nadia(session, make_user):
    return make_user(Role.RESIDENT, email="nadia@example.org", full_name="Nadia B.", phone="0601")


def _done(order):
    order.status = OrderStatus.HANDED_OVER


def test_people_download_all_their_data_and_only_theirs(client, session, nadia, make_user):
    order = make_order(session, customer=nadia, note="Talons usés")
    make_order(session, customer=make_user(Role.RESIDENT), note="pas à moi")
    events.register(session, make_event(session, title="Café réparation"), nadia, now=NOW)
    tokens.issue_token(session, nadia, now=NOW)
    sign_in(client, nadia)
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "nadia@example.org"
    assert data["account"]["phone"] == "0601"
    [mine] = data["orders"]
    assert mine["code"] == order.code and mine["note"] == "Talons usés"
    assert mine["lines"][0]["quantity"] == 1 and mine["history"][-1]["status"] == "confirmed"
    assert data["event_registrations"][0]["event"] == "Café réparation"
    assert len(data["api_tokens"]) == 1
    text = response.get_data(as_text=True)
    assert "pas à moi" not in text and "argon2" not in text and "token_hash" not in text


def test_erasing_an_account_keeps_the_orders_without_the_person(client, session, nadia):
    order = make_order(session, customer=nadia, note="Sonner au 2e")
    _done(order)
    event = make_event(session, capacity=1)
    events.register(session, event, nadia, now=NOW)
    tokens.issue_token(session, nadia, now=NOW)
    session.flush()
    sign_in(client, nadia)
    page = client.get("/compte/supprimer")
    assert page.status_code == 200 and "dix ans" in page.get_data(as_text=True)
    response = submit(
        client,
        "/compte/supprimer",
        {"password": PASSWORD, "understood": "y"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Votre compte est supprimé" in response.get_data(as_text=True)
    session.expire_all()
    assert nadia.email.endswith("@supprime.invalid") and nadia.full_name == "Compte supprimé"
    assert nadia.phone is None and nadia.anonymised_at is not None
    assert not nadia.is_active_account
    kept = session.get(Order, order.id)
    assert kept.customer_id == nadia.id and kept.note == "" and kept.total_cents > 0
    assert session.scalar(sa.select(ApiToken).where(ApiToken.user_id == nadia.id)) is None
    registration = session.scalar(sa.select(Registration).where(Registration.user_id == nadia.id))
    assert registration.status is RegistrationStatus.CANCELLED
    assert event.registered == 0
    # Signed out, and the old password opens nothing.
    assert client.get("/compte/").status_code == 302
    again = submit(
        client, "/compte/connexion", {"email": "nadia@example.org", "password": PASSWORD}
    )
    assert again.status_code == 422


@pytest.mark.parametrize(
    "form, message",
    [
        ({"password": "pas le bon", "understood": "y"}, "Mot de passe incorrect"),
        ({"password": PASSWORD}, "Cochez cette case"),
    ],
)
def test_erasing_needs_the_password_and_the_tick(client, session, nadia, form, message):
    sign_in(client, nadia)
    response = submit(client, "/compte/supprimer", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.expire_all()
    assert nadia.email == "nadia@example.org"


def test_an_order_in_progress_holds_the_erasure(client, session, nadia):
    make_order(session, customer=nadia)
    sign_in(client, nadia)
    response = submit(client, "/compte/supprimer", {"password": PASSWORD, "understood": "y"})
    assert response.status_code == 422
    assert "commande en cours" in response.get_data(as_text=True)
    session.expire_all()
    assert nadia.anonymised_at is None


def test_staff_accounts_are_closed_by_the_concierge(client, session, make_user):
    volunteer = make_user(Role.VOLUNTEER)
    sign_in(client, volunteer)
    response = submit(client, "/compte/supprimer", {"password": PASSWORD, "understood": "y"})
    assert response.status_code == 422
    assert "fermés par la conciergerie" in response.get_data(as_text=True)


def test_customers_inactive_for_years_are_anonymised_and_no_one_else(session, make_user):
    long_ago = NOW - timedelta(days=4 * 365)
    asleep = make_user(Role.RESIDENT, created_at=long_ago, last_login_at=long_ago)
    _done(make_order(session, customer=asleep, now=long_ago))
    recent_login = make_user(Role.RESIDENT, created_at=long_ago, last_login_at=NOW)
    recent_order = make_user(Role.RESIDENT, created_at=long_ago)
    _done(make_order(session, customer=recent_order, now=NOW - timedelta(days=30)))
    busy = make_user(Role.RESIDENT, created_at=long_ago)
    make_order(session, customer=busy, now=long_ago)  # still under way
    staff = make_user(Role.VOLUNTEER, created_at=long_ago)
    session.flush()

    assert privacy.anonymise_inactive(session, now=NOW, inactive_days=3 * 365) == 1
    assert asleep.anonymised_at == NOW and asleep.full_name == "Compte supprimé"
    for kept in (recent_login, recent_order, busy, staff):
        assert kept.anonymised_at is None
    # Already anonymised: not counted again.
    assert privacy.anonymise_inactive(session, now=NOW, inactive_days=3 * 365) == 0


def test_the_privacy_page_says_what_is_kept_and_for_how_long(client):
    html = client.get("/confidentialite").get_data(as_text=True)
    assert "Dix ans" in html and "3 ans sans connexion" in html and "CNIL" in html
    assert 'href="/confidentialite"' in client.get("/").get_data(as_text=True)


def test_erasure_also_removes_what_staff_wrote_about_the_person(client, session, nadia):
    from conciergerie.models import OrderEvent, Payment, PaymentKind, Refund

    order = make_order(session, customer=nadia)
    _done(order)
    payment = Payment(order=order, kind=PaymentKind.DESK_CASH, amount_cents=order.total_cents)
    session.add(payment)
    session.flush()
    session.add(Refund(order=order, payment=payment, amount_cents=100, reason="Pour Nadia B."))
    order.events[-1].note = "Nadia B. repasse vendredi"
    session.flush()
    sign_in(client, nadia)
    exported = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    assert exported["orders"][0]["refunds"][0]["reason"] == "Pour Nadia B."
    assert "Nadia B. repasse vendredi" in [h["note"] for h in exported["orders"][0]["history"]]

    privacy.anonymise(session, nadia, now=NOW)
    session.expire_all()
    texts = [e.note for e in session.scalars(sa.select(OrderEvent))] + [
        r.reason for r in session.scalars(sa.select(Refund))
    ]
    assert not any("Nadia" in text for text in texts)
    assert session.scalar(sa.select(Refund.amount_cents)) == 100  # the amount stays


def test_a_volunteer_gets_their_availability_and_absences(client, session):
    from datetime import date

    from conciergerie.models import VolunteerAbsence
    from tests.factories import make_volunteer

    volunteer = make_volunteer(session)
    session.add(
        VolunteerAbsence(
            volunteer_id=volunteer.id,
            first_day=date(2026, 12, 1),
            last_day=date(2026, 12, 3),
            reason="rendez-vous médical",
        )
    )
    session.flush()
    sign_in(client, volunteer)
    data = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    assert data["volunteer"]["transport"] == "bike"
    assert data["volunteer"]["availability"] and data["volunteer"]["absences"] == [
        {"from": "2026-12-01", "to": "2026-12-03", "reason": "rendez-vous médical"}
    ]


def test_guessing_the_password_on_the_erasure_form_is_slowed_down(client, session, nadia):
    from conciergerie.extensions import limiter

    limiter.enabled = True
    limiter.reset()
    try:
        sign_in(client, nadia)
        statuses = [
            submit(client, "/compte/supprimer", {"password": "faux", "understood": "y"}).status_code
            for _ in range(6)
        ]
    finally:
        limiter.reset()
        limiter.enabled = False
    assert statuses == [422] * 5 + [429]


def test_the_account_page_links_to_the_data_and_has_a_clean_title(client, nadia):
    sign_in(client, nadia)
    html = client.get("/compte/").get_data(as_text=True)
    assert "<title>Mon compte · Et voilà Gambetta</title>" in html
    assert 'href="/compte/mes-donnees.json"' in html and 'href="/compte/supprimer"' in html


def test_quotes_are_in_the_export_and_what_providers_wrote_is_erased(client, session, nadia):
    from conciergerie.models import OrderLine, QuoteState

    order = make_order(session, customer=nadia)
    _done(order)
    line = order.lines[0]
    line.quote_state, line.quoted_unit_price_cents = QuoteState.DECLINED, 4200
    line.quote_note, line.quoted_at = "Semelle neuve pour les bottes de Nadia B.", NOW
    line.cannot_do_reason = "Devis refusé par Nadia B."
    session.flush()
    sign_in(client, nadia)
    exported = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    [exported_line] = exported["orders"][0]["lines"]
    assert exported_line["quote_state"] == "declined"
    assert exported_line["quoted_unit_price_cents"] == 4200
    assert exported_line["quote_note"] == "Semelle neuve pour les bottes de Nadia B."

    privacy.anonymise(session, nadia, now=NOW)
    session.expire_all()
    kept = session.get(OrderLine, line.id)
    assert "Nadia" not in kept.quote_note and "Nadia" not in kept.cannot_do_reason
    assert kept.undone and kept.quoted_unit_price_cents == 4200  # the facts stay


def _subscription(session, customer):
    from datetime import date, time

    from conciergerie.models import BasketSubscription, PaymentMethod, SubscriptionStatus
    from tests.factories import make_basket_offer

    subscription = BasketSubscription(
        customer=customer,
        offer=make_basket_offer(session, name="Panier de légumes"),
        quantity=2,
        first_delivery=date(2026, 12, 3),
        pickup_from=time(17, 30),
        payment_method=PaymentMethod.DESK,
        status=SubscriptionStatus.PAUSED,
        paused_until=date(2026, 12, 20),
    )
    session.add(subscription)
    session.flush()
    return subscription


def test_the_data_copy_includes_the_basket_subscriptions(client, session, nadia):
    _subscription(session, nadia)
    sign_in(client, nadia)
    data = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    [mine] = data["basket_subscriptions"]
    assert mine["basket"] == "Panier de légumes" and mine["quantity"] == 2
    assert mine["status"] == "paused" and mine["paused_until"] == "2026-12-20"
    assert mine["pickup_from"] == "17:30:00" and mine["deliveries"] == []


def test_erasing_an_account_stops_its_subscriptions(session, nadia):
    from conciergerie.models import SubscriptionStatus

    subscription = _subscription(session, nadia)
    privacy.delete_account(session, nadia, password=PASSWORD, now=NOW)
    session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.STOPPED
    assert subscription.paused_until is None and subscription.stopped_at == NOW


def test_work_marked_uncollected_still_blocks_the_erasure(session):
    order = make_order(session)
    order.status = OrderStatus.UNCOLLECTED  # the item still waits at the desk
    session.flush()
    with pytest.raises(privacy.DeletionRefused, match="commande en cours"):
        privacy.delete_account(session, order.customer, password=PASSWORD, now=NOW)


def test_erasing_an_account_drops_the_mails_still_waiting_for_it(session):
    from conciergerie.mail import enqueue
    from conciergerie.models import OutboxMail

    order = make_order(session)
    order.status = OrderStatus.HANDED_OVER
    customer = order.customer
    enqueue(session, customer.email, "s", "t", None)
    enqueue(session, "other@example.org", "s", "t", None)
    session.flush()
    privacy.delete_account(session, customer, password=PASSWORD, now=NOW)
    assert session.scalars(sa.select(OutboxMail.recipient)).all() == ["other@example.org"]
