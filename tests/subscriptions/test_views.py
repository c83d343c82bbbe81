"""The subscription pages: subscribing, the list with its buttons, who may see and act."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from conciergerie.models import (
    BasketDelivery,
    BasketSubscription,
    DeliveryOutcome,
    PaymentMethod,
    Role,
    SubscriptionStatus,
)
from tests.conftest import submit
from tests.factories import NOW, make_basket_offer

THU = date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch):
    monkeypatch.setattr("conciergerie.subscriptions.views.utcnow", lambda: NOW)


@pytest.fixture
def offer(session):
    return make_basket_offer(session, name="Panier de légumes", price_cents=1500)


@pytest.fixture
def subscription_of(session, offer):
    def make(customer):
        subscription = BasketSubscription(
            customer=customer,
            offer=offer,
            first_delivery=THU,
            pickup_from=time(17, 0),
            payment_method=PaymentMethod.DESK,
            status=SubscriptionStatus.ACTIVE,
        )
        session.add(subscription)
        session.flush()
        return subscription

    return make


def test_subscribing_from_a_basket_offer(client, session, offer, login_as):
    resident = login_as(Role.RESIDENT)
    url = f"/abonnements/nouveau/{offer.id}"
    page = client.get(url).get_data(as_text=True)
    assert "jeudi 3 décembre" in page and "jeudi 26 novembre" not in page  # cut-off passed
    answer = submit(
        client,
        url,
        {
            "quantity": "2",
            "every_weeks": "2",
            "first_delivery": "2026-12-10",
            "pickup_from": "17:30",
            "payment": "desk",
        },
    )
    assert answer.status_code == 302
    [subscription] = session.scalars(sa.select(BasketSubscription)).all()
    assert subscription.customer_id == resident.id
    assert (subscription.quantity, subscription.every_weeks) == (2, 2)
    assert subscription.first_delivery == date(2026, 12, 10)
    assert subscription.pickup_from == time(17, 30)
    listing = client.get("/abonnements/").get_data(as_text=True)
    assert "Toutes les deux semaines" in listing and "jeudi 10 décembre" in listing


@pytest.mark.parametrize(
    "field, value",
    [("quantity", "11"), ("first_delivery", "2026-11-26"), ("pickup_from", "25:00"),
     ("payment", "online")],
)  # fmt: skip
def test_bad_subscription_forms_are_refused(client, session, offer, login_as, field, value):
    login_as(Role.RESIDENT)
    data = {
        "quantity": "1",
        "every_weeks": "1",
        "first_delivery": "2026-12-03",
        "pickup_from": "17:00",
        "payment": "desk",
        field: value,
    }
    url = f"/abonnements/nouveau/{offer.id}"
    assert submit(client, url, data).status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(BasketSubscription)) == 0


def test_a_second_subscription_to_the_same_basket_is_explained_on_the_form(
    client, session, offer, login_as, subscription_of
):
    subscription_of(login_as(Role.RESIDENT))
    data = {
        "quantity": "1",
        "every_weeks": "1",
        "first_delivery": "2026-12-10",
        "pickup_from": "17:00",
        "payment": "desk",
    }
    answer = submit(client, f"/abonnements/nouveau/{offer.id}", data)
    assert answer.status_code == 409  # the form again, the message under the first delivery
    page = answer.get_data(as_text=True)
    assert "déjà abonné·e à ce panier" in page and 'name="first_delivery"' in page
    assert session.scalar(sa.select(sa.func.count()).select_from(BasketSubscription)) == 1


def test_only_basket_offers_take_a_subscription(client, session, login_as, make_offer):
    login_as(Role.RESIDENT)
    assert client.get(f"/abonnements/nouveau/{make_offer().id}").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, offer):
    answer = client.get("/abonnements/")
    assert answer.status_code == 302 and "/compte/connexion" in answer.location


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.PROVIDER, Role.CONCIERGE])
def test_staff_do_not_subscribe(client, offer, login_as, role):
    login_as(role)
    assert client.get("/abonnements/").status_code == 403
    assert client.get(f"/abonnements/nouveau/{offer.id}").status_code == 403


def test_skip_and_take_back_in_one_click(client, session, login_as, subscription_of):
    subscription = subscription_of(login_as(Role.RESIDENT))
    answer = submit(
        client, f"/abonnements/{subscription.id}/sauter", {"day": "2026-12-03"},
        form_url="/abonnements/",
    )  # fmt: skip
    assert answer.status_code == 302
    record = session.scalar(sa.select(BasketDelivery))
    assert record.outcome is DeliveryOutcome.SKIPPED
    page = client.get("/abonnements/").get_data(as_text=True)
    assert "Sauté" in page and "Garder ce panier" in page
    submit(
        client, f"/abonnements/{subscription.id}/garder", {"day": "2026-12-03"},
        form_url="/abonnements/",
    )  # fmt: skip
    assert session.scalar(sa.select(BasketDelivery)) is None


def test_a_change_after_the_cutoff_is_refused_with_a_message(
    client, session, login_as, subscription_of, monkeypatch
):
    subscription = subscription_of(login_as(Role.RESIDENT))
    token_page = "/abonnements/"
    monkeypatch.setattr(
        "conciergerie.subscriptions.views.utcnow",
        lambda: datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
    )
    answer = submit(
        client, f"/abonnements/{subscription.id}/sauter", {"day": "2026-12-03"},
        form_url=token_page,
    )  # fmt: skip
    assert answer.status_code == 409  # the subscriptions page, with why
    assert "Trop tard" in answer.get_data(as_text=True)
    assert session.scalar(sa.select(BasketDelivery)) is None


def test_a_bad_day_is_a_400(client, login_as, subscription_of):
    subscription = subscription_of(login_as(Role.RESIDENT))
    answer = submit(
        client, f"/abonnements/{subscription.id}/sauter", {"day": "demain"},
        form_url="/abonnements/",
    )  # fmt: skip
    assert answer.status_code == 400


def test_pause_resume_and_stop(client, session, login_as, subscription_of):
    subscription = subscription_of(login_as(Role.RESIDENT))
    base = f"/abonnements/{subscription.id}"
    submit(client, f"{base}/pause", {"until": "2026-12-20"}, form_url="/abonnements/")
    session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.PAUSED
    assert subscription.paused_until == date(2026, 12, 20)
    page = client.get("/abonnements/").get_data(as_text=True)
    assert "En pause" in page and "Reprendre maintenant" in page
    submit(client, f"{base}/reprendre", {}, form_url="/abonnements/")
    session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE
    submit(client, f"{base}/arreter", {}, form_url="/abonnements/")
    session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.STOPPED


def test_a_pause_without_a_good_date_is_explained(client, session, login_as, subscription_of):
    subscription = subscription_of(login_as(Role.RESIDENT))
    answer = submit(
        client, f"/abonnements/{subscription.id}/pause", {"until": "2026-11-01"},
        form_url="/abonnements/",
    )  # fmt: skip
    assert answer.status_code == 422  # the subscriptions page, with why
    assert "déjà passée" in answer.get_data(as_text=True)
    no_date = submit(
        client, f"/abonnements/{subscription.id}/pause", {"until": ""}, form_url="/abonnements/"
    )
    assert no_date.status_code == 422 and "Indiquez une date" in no_date.get_data(as_text=True)
    session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_another_customers_subscription_is_a_404(
    client, session, login_as, make_user, subscription_of
):
    subscription = subscription_of(make_user(Role.RESIDENT))
    login_as(Role.EMPLOYEE)
    for action, data in (("sauter", {"day": "2026-12-03"}), ("pause", {"until": "2026-12-20"}),
                         ("reprendre", {}), ("arreter", {})):  # fmt: skip
        answer = submit(client, f"/abonnements/{subscription.id}/{action}", data,
                        form_url="/abonnements/")  # fmt: skip
        assert answer.status_code == 404
    session.refresh(subscription)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert "Panier de légumes</h2>" not in client.get("/abonnements/").get_data(as_text=True)


def test_the_concierge_sees_every_subscription(client, make_user, login_as, subscription_of):
    subscription_of(make_user(Role.RESIDENT, full_name="Inès Martin"))
    login_as(Role.CONCIERGE)
    page = client.get("/comptoir/abonnements").get_data(as_text=True)
    assert "Inès Martin" in page and "Panier de légumes" in page and "jeudi 3 décembre" in page


def test_skipping_a_basket_already_under_way_is_explained_not_a_500(
    client, session, login_as, subscription_of
):
    from datetime import timedelta

    from conciergerie.models import OrderStatus
    from conciergerie.subscriptions import service
    from tests.factories import SETTINGS, make_slot

    subscription = subscription_of(login_as(Role.RESIDENT))
    make_slot(session, starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    service.place_subscription_orders(
        session, now=NOW + timedelta(days=4), lead=timedelta(days=3), settings=SETTINGS
    )
    record = session.scalar(sa.select(BasketDelivery))
    record.order.status = OrderStatus.BACK_AT_DESK
    session.flush()
    answer = submit(
        client, f"/abonnements/{subscription.id}/sauter", {"day": "2026-12-03"},
        form_url="/abonnements/",
    )  # fmt: skip
    assert answer.status_code == 409  # the order is under way: the page says so
    assert "ne peut pas être annulée" in answer.get_data(as_text=True)
    session.refresh(record)
    assert record.outcome is DeliveryOutcome.ORDERED


def test_a_withdrawn_basket_is_explained_on_the_customers_page(
    client, session, login_as, subscription_of, offer
):
    subscription = subscription_of(login_as(Role.RESIDENT))
    page = client.get("/abonnements/").get_data(as_text=True)
    assert "n'est pas proposé en ce moment" not in page and "Prévu" in page
    offer.is_active = False
    session.add(
        BasketDelivery(subscription=subscription, day=THU, outcome=DeliveryOutcome.WITHDRAWN)
    )
    session.flush()
    page = client.get("/abonnements/").get_data(as_text=True)
    assert "Ce panier n'est pas proposé en ce moment : votre abonnement est gardé" in page
    assert "Pas commandé : panier pas proposé cette semaine" in page  # the 3rd, recorded
    assert page.count("Pas proposé pour l'instant") == 3  # the weeks after
    assert "Prévu" not in page and "Sauter" not in page
    assert "Arrêter l'abonnement" in page  # the customer may still stop it


def test_the_concierge_sees_a_withdrawn_basket(
    client, session, make_user, login_as, subscription_of, offer
):
    subscription_of(make_user(Role.RESIDENT, full_name="Inès Martin"))
    offer.provider.is_active = False
    session.flush()
    login_as(Role.CONCIERGE)
    page = client.get("/comptoir/abonnements").get_data(as_text=True)
    assert "Inès Martin" in page and "Panier pas proposé en ce moment" in page
    assert "jeudi 3 décembre" not in page  # no next basket
