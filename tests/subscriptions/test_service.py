"""Basket subscriptions: delivery days, skip / pause / resume / stop, and the weekly job."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from conciergerie.database import commit
from conciergerie.models import (
    BasketDelivery,
    DeliveryOutcome,
    Order,
    OrderStatus,
    PaymentMethod,
    Role,
    SubscriptionStatus,
)
from conciergerie.payments.service import expire_unpaid_orders
from conciergerie.subscriptions import service
from tests.factories import (
    NOW,
    SETTINGS,
    make_basket_offer,
    make_slot,
    make_subscription,
    make_user,
)

LEAD = timedelta(days=3)
THU = date(2026, 12, 3)  # a delivery day; its cut-off: Tuesday 1 Dec, noon in Paris (11:00 UTC)
CUTOFF = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
JOB_NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # the cut-off is 2 days 23 hours away
EVENING = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 17:00 in Paris


@pytest.fixture
def offer(session):
    return make_basket_offer(session, name="Panier de légumes", price_cents=1500)


@pytest.fixture
def customer(session):
    return make_user(session, Role.RESIDENT, email="ines@example.org")


@pytest.fixture
def subscription(session, offer, customer):
    make_slot(session, starts_at=datetime(2026, 12, 3, 7, 0, tzinfo=UTC))  # 8:00: too early
    make_slot(session, starts_at=EVENING)
    make_slot(session, starts_at=EVENING + timedelta(weeks=1))
    return make_subscription(session, offer, customer=customer, quantity=2)


def run_job(session, now=JOB_NOW):
    counts = service.place_subscription_orders(session, now=now, lead=LEAD, settings=SETTINGS)
    commit(session)
    return counts


def record_of(session, subscription, day=THU):
    return session.scalar(
        sa.select(BasketDelivery).where(
            BasketDelivery.subscription_id == subscription.id, BasketDelivery.day == day
        )
    )


def test_delivery_days_fall_every_one_or_two_weeks_from_the_first(subscription):
    assert service.delivery_days(subscription, start=date(2026, 11, 1), count=3) == [
        THU,
        date(2026, 12, 10),
        date(2026, 12, 17),
    ]
    subscription.every_weeks = 2
    assert service.delivery_days(subscription, start=date(2026, 12, 4), count=2) == [
        date(2026, 12, 17),
        date(2026, 12, 31),
    ]
    assert service.is_delivery_day(subscription, date(2026, 12, 17))
    assert not service.is_delivery_day(subscription, date(2026, 12, 10))
    assert not service.is_delivery_day(subscription, date(2026, 11, 19))  # before the first


def test_subscribing_checks_the_offer_and_the_first_delivery(session, offer, customer):
    args = dict(
        customer=customer,
        offer=offer,
        quantity=1,
        every_weeks=1,
        pickup_from=time(17, 0),
        payment=PaymentMethod.DESK,
        now=NOW,
        lead=LEAD,
        settings=SETTINGS,
    )
    with pytest.raises(service.SubscriptionError, match="ouvertes"):
        service.subscribe(session, first_delivery=date(2026, 11, 26), **args)  # cut-off passed
    with pytest.raises(service.SubscriptionError, match="ouvertes"):
        service.subscribe(session, first_delivery=date(2026, 12, 2), **args)  # a Wednesday
    with pytest.raises(service.SubscriptionError, match="quantité"):
        service.subscribe(session, first_delivery=THU, **{**args, "quantity": 11})
    with pytest.raises(service.SubscriptionError, match="en ligne"):
        service.subscribe(session, first_delivery=THU, **{**args, "payment": PaymentMethod.ONLINE})
    staff = make_user(session, Role.VOLUNTEER)
    with pytest.raises(service.SubscriptionError):
        service.subscribe(session, first_delivery=THU, **{**args, "customer": staff})
    assert (
        service.subscribe(session, first_delivery=THU, **args).status is SubscriptionStatus.ACTIVE
    )


def test_the_job_orders_once_in_the_first_slot_from_the_usual_time(session, subscription, outbox):
    assert run_job(session, now=NOW) == {}  # the cut-off is still 6 days away
    counts = run_job(session)
    assert counts == {DeliveryOutcome.ORDERED: 1}
    record = record_of(session, subscription)
    order = record.order
    assert order.status is OrderStatus.CONFIRMED
    assert order.pickup_slot.starts_at == EVENING
    assert order.pickup_slot.booked == 1
    assert order.lines[0].quantity == 2
    assert order.cancellable_until == CUTOFF
    assert len(outbox) == 1 and "ines@example.org" in outbox[0].to
    assert "Sautez ce panier" in outbox[0].body

    assert run_job(session) == {}  # run again: nothing more
    assert run_job(session, now=JOB_NOW + timedelta(hours=5)) == {}
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    assert len(outbox) == 1


def test_after_the_cutoff_the_job_orders_nothing_for_that_day(session, subscription):
    assert run_job(session, now=CUTOFF + timedelta(minutes=1)) == {}
    assert record_of(session, subscription) is None


def test_a_fortnightly_subscription_skips_the_week_between(session, subscription):
    subscription.every_weeks = 2
    run_job(session)
    assert run_job(session, now=JOB_NOW + timedelta(weeks=1)) == {}
    assert record_of(session, subscription, THU + timedelta(weeks=1)) is None


def test_no_slot_with_a_place_is_recorded_not_placed_and_told(session, subscription, outbox):
    slot = make_slot(session, starts_at=EVENING)
    slot.capacity = 0
    session.flush()
    assert run_job(session) == {DeliveryOutcome.NOT_PLACED: 1}
    assert record_of(session, subscription).outcome is DeliveryOutcome.NOT_PLACED
    assert "pas pu être commandé" in outbox[0].subject
    assert run_job(session) == {}


def test_the_not_placed_mail_tells_of_no_place_left_only(session, subscription, outbox):
    make_slot(session, starts_at=EVENING).capacity = 0
    session.flush()
    run_job(session)
    assert "plus de place au comptoir" in outbox[0].body
    assert "proposé" not in outbox[0].body


WEEK = timedelta(weeks=1)


def withdraw(session, offer, what):
    if what == "offer":
        offer.is_active = False
    else:
        offer.provider.is_active = False
    session.flush()


@pytest.mark.parametrize("what", ["offer", "provider"])
def test_a_withdrawn_basket_is_recorded_withdrawn_and_told_once(
    session, subscription, offer, outbox, what
):
    withdraw(session, offer, what)
    assert run_job(session) == {DeliveryOutcome.WITHDRAWN: 1}
    record = record_of(session, subscription)
    assert record.outcome is DeliveryOutcome.WITHDRAWN and record.order_id is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    [mail] = outbox
    assert mail.subject == "Le panier « Panier de légumes » n'est pas proposé en ce moment"
    assert "Votre abonnement est gardé" in mail.body
    assert "de nouveau commandés automatiquement" in mail.body
    assert f"/abonnements/#abonnement-{subscription.id}" in mail.body
    assert "Arrêtez l'abonnement" in mail.body
    # The weeks after, still withdrawn: recorded, not mailed again; the subscription is kept.
    for week in (1, 2, 3):
        assert run_job(session, now=JOB_NOW + week * WEEK) == {DeliveryOutcome.WITHDRAWN: 1}
        assert record_of(session, subscription, THU + week * WEEK).outcome is (
            DeliveryOutcome.WITHDRAWN
        )
    assert len(outbox) == 1
    assert subscription.status is SubscriptionStatus.ACTIVE


def test_a_basket_back_is_ordered_again_and_a_new_withdrawal_is_told_again(
    session, subscription, offer, outbox
):
    offer.is_active = False
    assert run_job(session) == {DeliveryOutcome.WITHDRAWN: 1}
    offer.is_active = True  # back for the next week
    assert run_job(session, now=JOB_NOW + WEEK) == {DeliveryOutcome.ORDERED: 1}
    order = record_of(session, subscription, THU + WEEK).order
    assert order.status is OrderStatus.CONFIRMED
    assert order.pickup_slot.starts_at == EVENING + WEEK
    offer.is_active = False  # withdrawn again
    assert run_job(session, now=JOB_NOW + 2 * WEEK) == {DeliveryOutcome.WITHDRAWN: 1}
    assert run_job(session, now=JOB_NOW + 3 * WEEK) == {DeliveryOutcome.WITHDRAWN: 1}
    assert [mail.subject for mail in outbox] == [
        "Le panier « Panier de légumes » n'est pas proposé en ce moment",
        "Votre panier « Panier de légumes » est commandé",
        "Le panier « Panier de légumes » n'est pas proposé en ce moment",
    ]


def test_a_basket_back_before_the_cutoff_is_ordered_after_all(session, subscription, offer, outbox):
    offer.is_active = False
    run_job(session)
    offer.is_active = True
    assert run_job(session, now=JOB_NOW + timedelta(hours=1)) == {DeliveryOutcome.ORDERED: 1}
    record = record_of(session, subscription)
    assert record.outcome is DeliveryOutcome.ORDERED
    assert record.order.pickup_slot.starts_at == EVENING
    assert "Sautez ce panier" in outbox[-1].body
    assert run_job(session, now=JOB_NOW + timedelta(hours=2)) == {}  # once
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1


def test_a_basket_back_after_the_cutoff_leaves_that_week_withdrawn(session, subscription, offer):
    offer.is_active = False
    run_job(session)
    offer.is_active = True
    assert run_job(session, now=CUTOFF + timedelta(minutes=1)) == {}
    assert record_of(session, subscription).outcome is DeliveryOutcome.WITHDRAWN


def test_weeks_skipped_or_paused_in_a_withdrawal_do_not_tell_it_again(
    session, subscription, offer, customer, outbox
):
    offer.is_active = False
    run_job(session)
    service.pause(session, subscription, THU + WEEK, actor=customer, now=JOB_NOW)
    assert run_job(session, now=JOB_NOW + WEEK) == {DeliveryOutcome.PAUSED: 1}
    service.skip(session, subscription, THU + 2 * WEEK, actor=customer, now=JOB_NOW + WEEK)
    assert run_job(session, now=JOB_NOW + 2 * WEEK) == {}
    assert run_job(session, now=JOB_NOW + 3 * WEEK) == {DeliveryOutcome.WITHDRAWN: 1}
    assert len(outbox) == 1


def test_a_withdrawn_basket_shows_no_planned_week_and_none_for_the_desk(
    session, subscription, offer
):
    run_job(session)  # the 3 December is ordered before the basket is withdrawn
    offer.is_active = False
    states = [d.state for d in service.coming_deliveries(session, subscription, now=JOB_NOW)]
    assert states == ["ordered", "withdrawn", "withdrawn", "withdrawn"]
    assert service.next_delivery(session, subscription, now=JOB_NOW).day == THU  # still due
    assert service.next_delivery(session, subscription, now=CUTOFF + timedelta(days=3)) is None
    offer.is_active = True
    assert service.next_delivery(session, subscription, now=CUTOFF + timedelta(days=3)).day == (
        THU + WEEK
    )


def test_skipping_before_the_job_means_no_order(session, subscription, customer):
    service.skip(session, subscription, THU, actor=customer, now=NOW)
    assert run_job(session) == {}
    assert record_of(session, subscription).outcome is DeliveryOutcome.SKIPPED
    assert [d.state for d in service.coming_deliveries(session, subscription, now=NOW)][:2] == [
        "skipped",
        "planned",
    ]


def test_skipping_an_ordered_basket_cancels_its_order_and_frees_the_place(
    session, subscription, customer
):
    run_job(session)
    order = record_of(session, subscription).order
    service.skip(session, subscription, THU, actor=customer, now=JOB_NOW)
    assert order.status is OrderStatus.CANCELLED
    assert order.pickup_slot.booked == 0
    record = record_of(session, subscription)
    assert record.outcome is DeliveryOutcome.SKIPPED and record.order_id is None


def test_skipping_or_unskipping_after_the_cutoff_is_refused(session, subscription, customer):
    run_job(session)
    with pytest.raises(service.TooLate, match="Trop tard"):
        service.skip(session, subscription, THU, actor=customer, now=CUTOFF)
    with pytest.raises(service.TooLate):
        service.unskip(
            session, subscription, THU, actor=customer, now=CUTOFF, lead=LEAD, settings=SETTINGS
        )
    assert record_of(session, subscription).outcome is DeliveryOutcome.ORDERED


def test_only_the_owner_changes_a_subscription_and_only_on_its_days(session, subscription):
    other = make_user(session, Role.RESIDENT)
    with pytest.raises(service.SubscriptionError, match="pas le vôtre"):
        service.skip(session, subscription, THU, actor=other, now=NOW)
    with pytest.raises(service.SubscriptionError, match="Pas de panier"):
        service.skip(
            session, subscription, THU + timedelta(days=1), actor=subscription.customer, now=NOW
        )


def test_unskipping_in_the_window_orders_at_once(session, subscription, customer, outbox):
    service.skip(session, subscription, THU, actor=customer, now=NOW)
    run_job(session)
    service.unskip(
        session, subscription, THU, actor=customer, now=JOB_NOW, lead=LEAD, settings=SETTINGS
    )
    commit(session)
    assert record_of(session, subscription).outcome is DeliveryOutcome.ORDERED
    assert len(outbox) == 1


def test_pause_records_paused_weeks_then_the_subscription_comes_back(
    session, subscription, customer
):
    service.pause(session, subscription, THU, actor=customer, now=NOW)
    assert subscription.status is SubscriptionStatus.PAUSED
    assert run_job(session) == {DeliveryOutcome.PAUSED: 1}
    assert record_of(session, subscription).outcome is DeliveryOutcome.PAUSED
    # The next week: the pause is over, the basket is ordered again.
    assert run_job(session, now=JOB_NOW + timedelta(weeks=1)) == {DeliveryOutcome.ORDERED: 1}
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert subscription.paused_until is None


def test_pausing_cancels_a_basket_already_ordered_while_still_open(session, subscription, customer):
    run_job(session)
    order = record_of(session, subscription).order
    service.pause(session, subscription, date(2026, 12, 20), actor=customer, now=JOB_NOW)
    assert order.status is OrderStatus.CANCELLED
    assert record_of(session, subscription).outcome is DeliveryOutcome.PAUSED
    with pytest.raises(service.SubscriptionError, match="passée"):
        service.pause(session, subscription, date(2026, 11, 1), actor=customer, now=JOB_NOW)


def test_resuming_gives_back_the_weeks_still_open(session, subscription, customer):
    service.pause(session, subscription, date(2026, 12, 20), actor=customer, now=NOW)
    run_job(session)
    service.resume(session, subscription, actor=customer, now=JOB_NOW, lead=LEAD, settings=SETTINGS)
    assert subscription.status is SubscriptionStatus.ACTIVE
    assert record_of(session, subscription).outcome is DeliveryOutcome.ORDERED
    with pytest.raises(service.SubscriptionError, match="pas en pause"):
        service.resume(
            session, subscription, actor=customer, now=JOB_NOW, lead=LEAD, settings=SETTINGS
        )


def test_stopping_cancels_open_orders_and_ends_the_orders(session, subscription, customer):
    run_job(session)
    order = record_of(session, subscription).order
    service.stop(session, subscription, actor=customer, now=JOB_NOW)
    assert subscription.status is SubscriptionStatus.STOPPED
    assert subscription.stopped_at == JOB_NOW
    assert order.status is OrderStatus.CANCELLED
    assert run_job(session, now=JOB_NOW + timedelta(weeks=1)) == {}
    with pytest.raises(service.SubscriptionError, match="arrêté"):
        service.skip(session, subscription, THU + timedelta(weeks=1), actor=customer, now=JOB_NOW)


def test_an_online_subscription_order_is_never_expired_as_unpaid(session, offer, customer):
    make_slot(session, starts_at=EVENING)
    subscription = make_subscription(
        session,
        offer,
        customer=customer,
        pickup_from=time(17, 0),
        payment=PaymentMethod.ONLINE,
        settings=SETTINGS.__class__(**{**SETTINGS.__dict__, "online_payment": True}),
    )
    run_job(session)
    order = record_of(session, subscription).order
    assert order.status is OrderStatus.CONFIRMED
    assert order.payment_method is PaymentMethod.ONLINE
    assert order.payment_expires_at is None
    assert expire_unpaid_orders(session, now=JOB_NOW + timedelta(hours=2)) == 0
    assert order.status is OrderStatus.CONFIRMED


def _another_subscriber(session, offer):
    return make_subscription(
        session, offer, customer=make_user(session, Role.EMPLOYEE), pickup_from=time(16, 0)
    )


def _orders_fail_for(monkeypatch, failing) -> None:
    """Placing `failing`'s order raises (a bug, the database away); the others go through."""
    real = service._order

    def broken(session, sub, day, **kw):
        if sub.id == failing.id:
            raise RuntimeError("boom")
        return real(session, sub, day, **kw)

    monkeypatch.setattr(service, "_order", broken)


def test_one_failing_subscription_does_not_stop_the_others(
    session, subscription, offer, monkeypatch
):
    other = _another_subscriber(session, offer)
    _orders_fail_for(monkeypatch, subscription)
    assert run_job(session) == {"failed": 1, DeliveryOutcome.ORDERED: 1}
    assert record_of(session, subscription) is None  # rolled back: tried again next hour
    assert record_of(session, other).outcome is DeliveryOutcome.ORDERED


def test_a_day_already_recorded_is_never_ordered_twice(session, subscription):
    # As when another scheduler recorded the day first: the row's claim fails, nothing is done.
    session.add(BasketDelivery(subscription=subscription, day=THU, outcome=DeliveryOutcome.SKIPPED))
    session.flush()
    assert (
        service.place_delivery(session, subscription, THU, now=JOB_NOW, settings=SETTINGS) is None
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_later_subscription_rolled_back_keeps_the_mails_of_the_earlier_ones(
    session, subscription, offer, outbox, monkeypatch
):
    # A savepoint rolled back drops the mails queued before it (mail._drop_on_rollback): the
    # sweep's mails go out only once every subscription has been through.
    other = _another_subscriber(session, offer)
    _orders_fail_for(monkeypatch, other)
    assert run_job(session) == {"failed": 1, DeliveryOutcome.ORDERED: 1}
    assert [mail.to for mail in outbox] == [["ines@example.org"]]


def test_a_basket_already_under_way_is_neither_skipped_nor_cancelled_by_a_stop(
    session, subscription, customer
):
    run_job(session)
    order = record_of(session, subscription).order
    order.status = OrderStatus.BACK_AT_DESK  # the basket came early and is waiting at the desk
    session.flush()
    with pytest.raises(service.SubscriptionError, match="ne peut pas être annulée"):
        service.skip(session, subscription, THU, actor=customer, now=JOB_NOW)
    service.pause(session, subscription, date(2026, 12, 20), actor=customer, now=JOB_NOW)
    service.stop(session, subscription, actor=customer, now=JOB_NOW)
    assert subscription.status is SubscriptionStatus.STOPPED
    assert order.status is OrderStatus.BACK_AT_DESK
    assert record_of(session, subscription).outcome is DeliveryOutcome.ORDERED


def test_a_subscription_stopped_meanwhile_is_not_paused_again(session, subscription, customer):
    # Stopped from another tab after this request loaded the subscription.
    session.execute(
        sa.text("UPDATE basket_subscription SET status = 'stopped' WHERE id = :id"),
        {"id": subscription.id},
    )
    with pytest.raises(service.SubscriptionError, match="arrêté"):
        service.pause(session, subscription, date(2026, 12, 20), actor=customer, now=NOW)


def test_the_job_sees_a_pause_made_since_it_loaded_the_subscription(session, subscription):
    session.execute(
        sa.text(
            "UPDATE basket_subscription SET status = 'paused', paused_until = '2026-12-20' "
            "WHERE id = :id"
        ),
        {"id": subscription.id},
    )
    assert run_job(session) == {DeliveryOutcome.PAUSED: 1}
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_pause_made_shorter_gives_back_the_weeks_after_it(session, subscription, customer):
    service.pause(session, subscription, date(2026, 12, 20), actor=customer, now=NOW)
    assert run_job(session) == {DeliveryOutcome.PAUSED: 1}
    service.pause(session, subscription, date(2026, 11, 30), actor=customer, now=JOB_NOW)
    assert record_of(session, subscription) is None
    assert run_job(session, now=JOB_NOW + timedelta(hours=1)) == {DeliveryOutcome.ORDERED: 1}


def test_no_basket_for_an_account_closed_by_the_desk(session, subscription, customer, outbox):
    customer.is_active_account = False
    session.flush()
    assert run_job(session) == {}
    assert record_of(session, subscription) is None
    assert outbox == []


def test_one_live_subscription_per_basket_and_customer(session, subscription, customer, offer):
    again = dict(
        customer=customer,
        offer=offer,
        quantity=1,
        every_weeks=2,
        first_delivery=THU,
        pickup_from=time(16, 30),
        payment=PaymentMethod.DESK,
        now=NOW,
        lead=LEAD,
        settings=SETTINGS,
    )
    with pytest.raises(service.SubscriptionError, match="déjà abonné"):
        service.subscribe(session, **again)
    service.stop(session, subscription, actor=customer, now=NOW, gateway=None)
    assert service.subscribe(session, **again).status is SubscriptionStatus.ACTIVE


def test_a_basket_s_new_price_is_told_to_its_live_subscribers_only(session, offer, subscription):
    from conciergerie.models import OutboxMail, SubscriptionStatus
    from conciergerie.portal import offers as own_offers

    stopped = make_subscription(
        session, offer, customer=make_user(session, Role.RESIDENT, email="parti@example.org")
    )
    stopped.status = SubscriptionStatus.STOPPED
    staff = make_user(session, Role.PROVIDER, provider=offer.provider)
    own_offers.edit_offer(session, offer, values={"price_cents": 1700}, actor=staff, now=NOW)
    session.flush()
    told = session.scalars(
        sa.select(OutboxMail).where(OutboxMail.subject.contains("Le prix du panier"))
    ).all()
    assert [m.recipient for m in told] == ["ines@example.org"]
    assert "passe de 15,00\xa0€ à 17,00\xa0€" in told[0].body_text
    # A change of its words only tells nobody.
    own_offers.edit_offer(session, offer, values={"description": "Bio"}, actor=staff, now=NOW)
    session.flush()
    assert (
        session.scalar(
            sa.select(sa.func.count()).where(OutboxMail.subject.contains("Le prix du panier"))
        )
        == 1
    )
