from datetime import UTC, datetime

from conciergerie.database import commit
from conciergerie.models import OrderStatus
from conciergerie.orders.jobs import send_reminders
from conciergerie.payments.ledger import ledger
from tests import factories

# The default factory order: drop-off Thursday 26 Nov 8:00, pickup Wednesday 2 Dec 18:00 (Paris).
WEDNESDAY_EVENING = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
TUESDAY_1_DEC = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def commit_and_collect(session, outbox):
    commit(session)  # mails go out after commit (a savepoint release in the tests)
    return [(m.to[0], m.subject) for m in outbox]


def test_reminder_the_day_before_the_dropoff_is_sent_once(session, outbox):
    order = factories.make_order(session)
    assert send_reminders(session, now=WEDNESDAY_EVENING) == 1
    sent = commit_and_collect(session, outbox)
    assert sent == [(order.customer.email, f"Demain au comptoir : commande {order.code}")]
    assert "déposez" in outbox[0].body
    assert send_reminders(session, now=WEDNESDAY_EVENING) == 0
    assert len(commit_and_collect(session, outbox)) == 1


def test_reminder_the_day_before_the_pickup(session, outbox):
    order = factories.make_order(session)
    order.status = OrderStatus.AT_PROVIDER
    session.flush()
    assert send_reminders(session, now=TUESDAY_1_DEC) == 1
    commit_and_collect(session, outbox)
    assert "retirez" in outbox[0].body


def test_no_reminder_for_cancelled_orders(session, outbox):
    order = factories.make_order(session)
    order.status = OrderStatus.CANCELLED
    session.flush()
    assert send_reminders(session, now=WEDNESDAY_EVENING) == 0


def test_reminder_in_the_customers_language(session, outbox):
    english = factories.make_user(session, locale="en")
    order = factories.make_order(session, customer=english)
    send_reminders(session, now=WEDNESDAY_EVENING)
    commit_and_collect(session, outbox)
    assert outbox[0].subject == f"Tomorrow at the counter: order {order.code}"


def test_work_waiting_at_the_desk_is_reminded_once_past_its_pickup_day(session, outbox):
    from datetime import timedelta

    from conciergerie.orders.jobs import remind_uncollected

    waiting = factories.make_order(session)  # pickup: Wednesday 2 December, 18:00 in Paris
    waiting.status = OrderStatus.BACK_AT_DESK
    collected = factories.make_order(session)
    collected.status = OrderStatus.HANDED_OVER
    pickup = waiting.pickup_slot.starts_at
    # The day after the pickup: not yet (two days' grace).
    assert remind_uncollected(session, now=pickup + timedelta(days=1), after_days=2) == 0
    assert remind_uncollected(session, now=pickup + timedelta(days=2), after_days=2) == 1
    commit(session)
    [mail] = outbox
    assert mail.to == [waiting.customer.email] and waiting.code in mail.subject
    assert "mercredi 2 décembre" in mail.body
    assert remind_uncollected(session, now=pickup + timedelta(days=5), after_days=2) == 0
    commit(session)
    assert len(outbox) == 1


def test_work_back_late_counts_from_the_day_it_came_back(session, outbox):
    from datetime import timedelta

    from conciergerie.orders.jobs import remind_uncollected

    late = factories.make_order(session)
    late.status = OrderStatus.BACK_AT_DESK
    pickup = late.pickup_slot.starts_at
    late.lines[0].back_at_desk_at = pickup + timedelta(days=5)  # came back five days late
    assert remind_uncollected(session, now=pickup + timedelta(days=5, hours=1), after_days=2) == 0
    assert remind_uncollected(session, now=pickup + timedelta(days=7), after_days=2) == 1
    commit(session)
    assert "lundi 7 décembre" in outbox[0].body  # the day it came back, not the pickup day


def test_work_left_too_long_is_marked_uncollected_once_and_the_customer_told(session, outbox):
    from datetime import timedelta

    from conciergerie.orders.jobs import mark_uncollected

    waiting = factories.make_order(session)  # pickup: Wednesday 2 December, 18:00 in Paris
    waiting.status = OrderStatus.BACK_AT_DESK
    elsewhere = factories.make_order(session)
    elsewhere.status = OrderStatus.READY_AT_PROVIDER
    pickup = waiting.pickup_slot.starts_at
    # Ten full days past the pickup day are allowed; the eleventh day marks it.
    assert mark_uncollected(session, now=pickup + timedelta(days=10), after_days=10) == 0
    assert mark_uncollected(session, now=pickup + timedelta(days=11), after_days=10) == 1
    commit(session)
    assert waiting.status is OrderStatus.UNCOLLECTED
    assert waiting.events[-1].actor is None  # the system did it
    assert elsewhere.status is OrderStatus.READY_AT_PROVIDER
    [mail] = outbox
    assert mail.to == [waiting.customer.email] and "non retirée" in mail.subject
    assert "mercredi 2 décembre" in mail.body and "Reste à régler" in mail.body
    assert mark_uncollected(session, now=pickup + timedelta(days=30), after_days=10) == 0
    commit(session)
    assert len(outbox) == 1


def test_work_back_late_is_marked_uncollected_counting_from_its_return(session):
    from datetime import timedelta

    from conciergerie.orders.jobs import mark_uncollected

    late = factories.make_order(session)
    late.status = OrderStatus.BACK_AT_DESK
    pickup = late.pickup_slot.starts_at
    late.lines[0].back_at_desk_at = pickup + timedelta(days=5)
    assert mark_uncollected(session, now=pickup + timedelta(days=11), after_days=10) == 0
    assert mark_uncollected(session, now=pickup + timedelta(days=16), after_days=10) == 1


def test_uncollected_work_can_still_be_handed_over_once_paid(session):
    from datetime import timedelta

    import pytest

    from conciergerie.models import PaymentKind, Role
    from conciergerie.orders import service
    from conciergerie.payments import service as payments

    concierge = factories.make_user(session, Role.CONCIERGE)
    order = factories.make_order(session)
    order.status = OrderStatus.UNCOLLECTED
    session.flush()
    later = order.pickup_slot.starts_at + timedelta(days=40)
    assert service.next_steps(order, concierge, now=later) == [OrderStatus.HANDED_OVER]
    with pytest.raises(service.OrderError, match="Encaissez"):
        service.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=later)
    payments.record_desk_payment(
        session,
        order,
        amount_cents=ledger(order).balance_due_cents,
        kind=PaymentKind.DESK_CASH,
        actor=concierge,
        now=later,
    )
    service.advance_order(session, order, OrderStatus.HANDED_OVER, actor=concierge, now=later)
    assert order.status is OrderStatus.HANDED_OVER


def test_marking_uncollected_is_no_button_at_the_desk(session):
    from conciergerie.models import Role
    from conciergerie.orders import service

    concierge = factories.make_user(session, Role.CONCIERGE)
    order = factories.make_order(session)
    order.status = OrderStatus.BACK_AT_DESK
    assert service.next_steps(order, concierge, now=TUESDAY_1_DEC) == [OrderStatus.HANDED_OVER]
